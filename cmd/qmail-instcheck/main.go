// qmail-instcheck checks an installation under the qmail home against
// the table of pkg/hier: every directory, program, queue directory and
// lock file, with qmail's owners, groups and modes. It names each problem
// as qmail's instcheck does and exits 111 if there was any.
//
//	qmail-instcheck [ -u ]
//
// -u checks an installation a user made for himself: everything must be
// owned by the caller, and groups are not checked.
package main

import (
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/hier"
	"github.com/quail-mta/quail/pkg/qhome"
)

const (
	warning = "qmail-instcheck: warning: "
	fatal   = "qmail-instcheck: fatal: "
	usage   = "qmail-instcheck: usage: qmail-instcheck [ -u ]"
)

func main() {
	var ids hier.IDs = hier.SystemIDs{}
	for _, arg := range os.Args[1:] {
		if arg != "-u" {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(100)
		}
		ids = hier.OwnerIDs{Owner: os.Getuid()}
	}
	problems, err := hier.Check(qhome.Dir(), hier.Entries(), ids)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, warning+p.String())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, fatal+err.Error())
		os.Exit(111)
	}
	if len(problems) > 0 {
		os.Exit(111)
	}
}
