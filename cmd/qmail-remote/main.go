// Command qmail-remote sends a message from its standard input by SMTP:
// qmail-remote host sender recip... (see package remote). It prints
// qmail's reports on standard output and always exits 0.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/remote"
	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/tcpto"
)

func main() {
	signal.Ignore(syscall.SIGPIPE)
	if len(os.Args) < 4 {
		remote.Usage(os.Stdout)
		return
	}
	home := qhome.Dir()
	if err := os.Chdir(home); err != nil {
		remote.Chdir(os.Stdout)
		return
	}
	cfg := remote.Config{
		Control: control.Open("control"),
		DNS:     resolver.Default(),
		TCPTO:   tcpto.Open("queue/lock/tcpto"),
	}
	remote.Deliver(cfg, os.Args[1], os.Args[2], os.Args[3:], os.Stdin, os.Stdout)
}
