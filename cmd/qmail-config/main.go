// Command qmail-config writes the basic control files for this host:
// qmail-config (qmail's config) asks DNS; qmail-config FQDN (config-fast)
// takes the name given. See package qconfig.
package main

import (
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/qconfig"
	"github.com/quail-mta/quail/pkg/qhome"
)

func main() {
	control := qhome.Path("control")
	var err error
	if len(os.Args) > 1 {
		err = qconfig.Fast(os.Stdout, control, os.Args[1])
	} else {
		err = qconfig.Config(os.Stdout, control, qconfig.ThisHost())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "qmail-config: fatal: %v\n", err)
		os.Exit(111)
	}
}
