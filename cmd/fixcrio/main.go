// fixcrio runs a program with a CR put before each LF that lacks one, in
// its input and in its output, as ucspi-tcp's fixcrio does:
//
//	fixcrio program [ arg ... ]
//
// See pkg/interpose.
package main

import (
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/interpose"
)

func main() {
	if _, ok := interpose.Copier(); ok {
		interpose.Copy(&interpose.FixCR{}, 256)
		os.Exit(0)
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "fixcrio: usage: fixcrio program [ arg ... ]")
		os.Exit(100)
	}
	err := interpose.Exec(os.Args[1:])
	fmt.Fprintln(os.Stderr, "fixcrio: fatal: "+err.Error())
	os.Exit(111)
}
