// maildirwatch watches the maildir named by $MAILDIR: every 30 seconds it
// clears the screen and shows each new message's sender, recipient, From
// field and the start of its subject and body. See pkg/maildirwatch.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/maildir"
	"github.com/quail-mta/quail/pkg/maildirwatch"
)

func fatal(text string) {
	fmt.Fprintln(os.Stderr, "maildirwatch: fatal: "+text)
	os.Exit(111)
}

func main() {
	dir, ok := os.LookupEnv("MAILDIR")
	if !ok {
		fatal("MAILDIR not set")
	}
	if err := os.Chdir(dir); err != nil {
		fatal("unable to chdir to " + dir + ": " + djberr.Text(err))
	}
	for {
		err := maildirwatch.Screen(os.Stdout, ".", time.Now())
		var scan *maildir.ScanError
		switch {
		case errors.As(err, &scan), errors.Is(err, maildirwatch.ErrRead):
			fatal(err.Error())
		case err != nil:
			os.Exit(111) // the terminal went away
		}
		time.Sleep(maildirwatch.Interval)
	}
}
