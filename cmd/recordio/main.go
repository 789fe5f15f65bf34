// recordio runs a program and records its input and output on descriptor
// 2, as ucspi-tcp's recordio does:
//
//	recordio program [ arg ... ]
//
// The program keeps recordio's process id; each line of the record starts
// with it. See pkg/interpose.
package main

import (
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/interpose"
)

func main() {
	if pid, ok := interpose.Copier(); ok {
		interpose.Copy(&interpose.Recorder{PID: pid, Log: os.Stderr}, 256)
		os.Exit(0)
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "recordio: usage: recordio program [ arg ... ]")
		os.Exit(100)
	}
	err := interpose.Exec(os.Args[1:])
	fmt.Fprintln(os.Stderr, "recordio: fatal: "+err.Error())
	os.Exit(111)
}
