// delcr copies its input to its output with each CR that ends a line
// removed, as ucspi-tcp's delcr does. A read or write failure exits 111
// silently, as the original does.
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/crlf"
)

func main() {
	if crlf.Copy(os.Stdout, os.Stdin, &crlf.DelCR{}, 8192) != nil {
		os.Exit(111)
	}
}
