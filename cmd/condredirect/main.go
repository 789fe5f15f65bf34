// Command condredirect forwards the message if a program succeeds (condredirect(1)).
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
)

func main() {
	p := mailtools.Default()
	os.Exit(mailtools.CondRedirect(p))
}
