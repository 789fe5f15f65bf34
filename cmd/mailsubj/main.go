// Command mailsubj sends its input with a Subject to the recipients given: qmail's mailsubj script.
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
	"github.com/quail-mta/quail/pkg/qhome"
)

func main() {
	p := mailtools.Default()
	p.Home = qhome.Dir()
	os.Exit(mailtools.Mailsubj(p))
}
