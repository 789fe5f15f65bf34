// Command qmail-clean removes queue files at qmail-send's request (see
// package clean); qmail-start runs it as qmailq on qmail-send's fds 5 and 6.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/quail-mta/quail/pkg/clean"
	"github.com/quail-mta/quail/pkg/qhome"
)

func main() {
	queue := qhome.Path("queue")
	if err := os.Chdir(queue); err != nil {
		os.Exit(111)
	}
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	if err := clean.Serve(queue, os.Stdin, os.Stdout); err != nil {
		os.Exit(100)
	}
}
