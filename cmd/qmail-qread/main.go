// Command qmail-qread lists the messages in the queue with their
// recipients, as qmail's qmail-qread does (see package qinfo).
package main

import (
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/qinfo"
)

func main() {
	queue := qhome.Path("queue")
	if err := os.Chdir(queue); err != nil {
		fmt.Printf("qmail-qread: fatal: unable to chdir: %s\n", djberr.Text(err))
		os.Exit(111)
	}
	if err := qinfo.Read(queue, os.Stdout); err != nil {
		fmt.Printf("qmail-qread: fatal: %s\n", err)
		os.Exit(111)
	}
}
