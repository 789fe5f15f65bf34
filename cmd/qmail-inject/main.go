// Command qmail-inject prepares a message and hands it to qmail-queue
// (qmail-inject(8), qmail-header(5)).
package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/quail-mta/quail/pkg/inject"
)

func main() {
	signal.Ignore(syscall.SIGPIPE)
	err := inject.Run(inject.Default(), os.Args)
	if err == nil {
		os.Exit(0)
	}
	var f *inject.Fatal
	if !errors.As(err, &f) {
		os.Stderr.WriteString("qmail-inject: fatal: " + err.Error() + "\n")
		os.Exit(111)
	}
	if f.Text != "" {
		os.Stderr.WriteString("qmail-inject: fatal: " + f.Text)
	}
	os.Exit(f.Code)
}
