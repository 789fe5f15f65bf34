// Command qmail-showctl describes qmail's configuration (see package
// showctl).
package main

import (
	"bufio"
	"os"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/showctl"
)

func main() {
	out := bufio.NewWriter(os.Stdout)
	err := showctl.Show(out, showctl.Defaults(qhome.Dir()))
	out.Flush()
	if err != nil {
		os.Exit(111)
	}
}
