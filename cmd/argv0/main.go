// argv0 runs a program under another name:
//
//	argv0 realname program [ arg ... ]
//
// runs the file realname (looked for in $PATH) with argv[0] set to
// program, as ucspi-tcp's argv0 does.
package main

import (
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/pathexec"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "argv0: usage: argv0 realname program [ arg ... ]")
		os.Exit(100)
	}
	err := pathexec.RunAs(os.Args[1], os.Args[2:], os.Environ())
	fmt.Fprintln(os.Stderr, "argv0: fatal: "+err.Error())
	os.Exit(111)
}
