package queue

import (
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

func goldenDir(t *testing.T) string {
	return testenv.Golden(t, "qmail", "queue", "files")
}
