// qmail-newmrh compiles control/morercpthosts into control/morercpthosts.cdb
// for qmail-smtpd: each line lowercased, trailing spaces and tabs removed,
// blank lines and "#" comments left out. The database is written to
// control/morercpthosts.tmp and renamed into place, so qmail-smtpd sees
// either the old one or the new one. It takes no arguments.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/quail-mta/quail/pkg/cdb"
	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/smtpaddr"
)

const (
	fatal  = "qmail-newmrh: fatal: "
	source = "control/morercpthosts"
	tmp    = "control/morercpthosts.tmp"
	target = "control/morercpthosts.cdb"
)

func main() {
	syscall.Umask(0o033)
	home := qhome.Dir()
	if err := os.Chdir(home); err != nil {
		die("unable to chdir to "+home+": ", err)
	}
	in, err := os.Open(source)
	if err != nil {
		die("unable to read "+source+": ", err)
	}
	out, err := cdb.Create(tmp)
	if err != nil {
		die("unable to write to "+tmp+": ", err)
	}
	if err := addHosts(out, in); err != nil {
		out.Abort()
		var readErr *readError
		if errors.As(err, &readErr) {
			die("unable to read "+source+": ", readErr.err)
		}
		die("unable to write to "+tmp+": ", err)
	}
	if err := out.Commit(target); err != nil {
		var moveErr *cdb.MoveError
		if errors.As(err, &moveErr) {
			// The original prints the reason straight after the file
			// name, without ": ".
			die("unable to move "+tmp+" to "+target, moveErr.Err)
		}
		die("unable to write to "+tmp+": ", err)
	}
}

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// addHosts adds every host line of r as a key with empty data.
func addHosts(w *cdb.FileWriter, r io.Reader) error {
	lines := bufio.NewReader(r)
	for {
		line, err := lines.ReadString('\n')
		if err != nil && err != io.EOF {
			return &readError{err}
		}
		if host := hostLine(line); host != "" {
			if addErr := w.Add([]byte(host), nil); addErr != nil {
				return addErr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// hostLine is the key a line of morercpthosts gives: lowercased, with
// trailing spaces, tabs and newlines removed; "" for a blank line or a
// comment.
func hostLine(line string) string {
	host := smtpaddr.Lower(line)
	for host != "" && (host[len(host)-1] == ' ' || host[len(host)-1] == '\t' || host[len(host)-1] == '\n') {
		host = host[:len(host)-1]
	}
	if host == "" || host[0] == '#' {
		return ""
	}
	return host
}

func die(msg string, err error) {
	fmt.Fprintf(os.Stderr, "%s%s%s\n", fatal, msg, djberr.Text(err))
	os.Exit(111)
}
