// addcr copies its input to its output with a CR put before each LF, as
// ucspi-tcp's addcr does. A read or write failure exits 111 silently, as
// the original does.
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/crlf"
)

func main() {
	if crlf.Copy(os.Stdout, os.Stdin, crlf.AddCR{}, 8192) != nil {
		os.Exit(111)
	}
}
