// Command predate runs a program with a Date field in local time put before its input (predate(1)).
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
)

func main() {
	p := mailtools.Default()
	os.Exit(mailtools.Predate(p))
}
