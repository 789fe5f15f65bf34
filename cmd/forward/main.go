// Command forward forwards the message to the addresses given (forward(1)).
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
)

func main() {
	p := mailtools.Default()
	os.Exit(mailtools.Forward(p))
}
