// Command qmail-newu compiles the qmail home's users/assign into
// users/cdb, which qmail-lspawn reads, replacing the old database
// atomically.
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/users"
)

func main() {
	syscall.Umask(0o033)
	if err := os.Chdir(qhome.Dir()); err != nil {
		fatal("unable to chdir")
	}
	if err := users.NewU("."); err != nil {
		var nerr *users.NewuError
		if errors.As(err, &nerr) {
			fatal(nerr.Text)
		}
		fatal(err.Error())
	}
}

func fatal(text string) {
	fmt.Fprintf(os.Stderr, "qmail-newu: fatal: %s\n", text)
	os.Exit(111)
}
