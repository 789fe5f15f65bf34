// Command qmail-pw2u turns a passwd file on its input into users/assign
// text on its output, as qmail's qmail-pw2u does.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/users"
)

func main() {
	opt, err := users.ParsePw2uArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "qmail-pw2u: %v\n", err)
		os.Exit(100)
	}
	if err := os.Chdir(qhome.Dir()); err != nil {
		fatal("unable to chdir")
	}
	if err := users.Pw2u(opt, ".", os.Stdin, os.Stdout); err != nil {
		var perr *users.Pw2uError
		if errors.As(err, &perr) {
			fatal(perr.Text)
		}
		fatal(err.Error())
	}
}

func fatal(text string) {
	fmt.Fprintf(os.Stderr, "qmail-pw2u: fatal: %s\n", text)
	os.Exit(111)
}
