// qmail-install: create a qmail home (control, users, alias, the queue
// with its split directories, lock files and trigger). As root every
// entry, and every program already installed in bin/, gets qmail's owner
// and mode; with -u everything belongs to the caller, for a private home.
package main

import (
	"fmt"
	"os"

	flag "github.com/spf13/pflag"

	"github.com/quail-mta/quail/pkg/install"
	"github.com/quail-mta/quail/pkg/qhome"
)

func main() {
	flag.CommandLine.SetOutput(os.Stderr)
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "qmail-install: usage: qmail-install [-u] [home]") }
	caller := flag.BoolP("user", "u", false, "make everything owned by the caller")
	flag.Parse()
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(100)
	}
	home := qhome.Dir()
	if flag.NArg() == 1 {
		home = flag.Arg(0)
	}
	var owners install.Owners = install.System{}
	switch {
	case *caller:
		owners = install.Caller{}
	case os.Getuid() != 0:
		fatal("only root can give qmail's users their files; use -u for a home owned by you")
	}
	if err := install.Create(home, owners); err != nil {
		fatal(err.Error())
	}
	if !*caller { // the programs already in bin/ get qmail's owners and modes
		if err := install.SetPrograms(home, owners); err != nil {
			fatal(err.Error())
		}
	}
}

func fatal(msg string) {
	fmt.Fprintln(os.Stderr, "qmail-install: fatal: "+msg)
	os.Exit(111)
}
