// Command except reverses a program's exit code: success becomes a bounce (except(1)).
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
)

func main() {
	p := mailtools.Default()
	os.Exit(mailtools.Except(p))
}
