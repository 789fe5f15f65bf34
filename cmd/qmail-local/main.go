// Command qmail-local delivers the message on its input to one local
// address by the owner's .qmail instructions, as qmail's qmail-local:
//
//	qmail-local [ -nN ] user homedir local dash ext domain sender aliasempty
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/local"
)

func main() {
	syscall.Umask(0o077)
	doit, args, bad := options(os.Args[1:])
	if bad != 0 {
		// getopt's complaint comes first, then the usage line.
		fmt.Fprintf(os.Stderr, "qmail-local: illegal option -- %c\n", bad)
	}
	if bad != 0 || len(args) != 8 {
		fmt.Fprintln(os.Stderr, local.Usage)
		os.Exit(100)
	}
	d := &local.Delivery{
		Args: local.Args{
			User: args[0], Home: args[1], Local: args[2], Dash: args[3],
			Ext: args[4], Host: args[5], Sender: args[6], AliasEmpty: args[7],
		},
		DoIt:    doit,
		Now:     time.Now(),
		Message: os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
	}
	os.Exit(d.Run())
}

// options reads getopt's "nN": -n describes the delivery instead of
// making it, -N (the default) makes it; the last one given wins. bad is
// an unknown option letter.
func options(args []string) (doit bool, rest []string, bad rune) {
	doit = true
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		arg := args[0]
		args = args[1:]
		if arg == "--" {
			break
		}
		for _, c := range arg[1:] {
			switch c {
			case 'n':
				doit = false
			case 'N':
				doit = true
			default:
				return doit, nil, c
			}
		}
	}
	return doit, args, 0
}
