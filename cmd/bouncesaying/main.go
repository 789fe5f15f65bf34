// Command bouncesaying bounces the message with a text, perhaps only if a program succeeds (bouncesaying(1)).
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
)

func main() {
	p := mailtools.Default()
	os.Exit(mailtools.BounceSaying(p))
}
