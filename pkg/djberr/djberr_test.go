package djberr

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/quail-mta/quail/pkg/cdb"
)

func TestText(t *testing.T) {
	_, notExist := os.Open("/nonexistent/file")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{notExist, "file does not exist"},
		{syscall.EADDRINUSE, "address already used"},
		{fmt.Errorf("wrapped: %w", syscall.EACCES), "access denied"},
		{cdb.ErrFormat, "protocol error"},
		{syscall.EWOULDBLOCK, "temporary failure"},
		{fmt.Errorf("plain"), "plain"},
	} {
		if got := Text(tc.err); got != tc.want {
			t.Errorf("Text(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
