// Command qmail-rcptcheck-realrcptto is a RCPTCHECK program for
// qmail-smtpd: it refuses (exit 100) a $RECIPIENT whose local delivery
// would bounce for want of a mailbox, and accepts (exit 0) every other.
// It exits 111 when it cannot tell. See pkg/rcptcheck.
package main

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/rcptcheck"
	"github.com/quail-mta/quail/pkg/send"
	"github.com/quail-mta/quail/pkg/users"
)

const name = "qmail-rcptcheck-realrcptto"

func main() {
	recipient, ok := os.LookupEnv("RECIPIENT")
	if !ok {
		fail("RECIPIENT is not set: run me as qmail-smtpd's RCPTCHECK")
	}
	controls, err := send.ReadControls(control.Open(qhome.Path("control")))
	if err != nil {
		fail("unable to read controls: " + err.Error())
	}
	checker := &rcptcheck.Checker{
		Controls: controls,
		Assign:   assign,
		Getpw: func(local string) (users.Entry, error) {
			return users.GetPw(local, users.SystemPasswd, users.StatOwner)
		},
		Stat: func(path string) (fs.FileInfo, error) { return os.Stat(path) },
	}
	deliverable, err := checker.Deliverable(recipient)
	if err != nil {
		fail(recipient + ": " + err.Error())
	}
	if !deliverable {
		fmt.Fprintf(os.Stderr, "%s: pid %d: no mailbox here by that name: %s\n", name, os.Getppid(), recipient)
		os.Exit(100)
	}
}

// assign looks local up in users/cdb as qmail-lspawn does.
func assign(local string) (users.Entry, bool, error) {
	raw, found, err := users.LookupFile(qhome.Path("users", "cdb"), local)
	if err != nil || !found {
		return users.Entry{}, false, err
	}
	e, err := users.ParseEntry(raw)
	return e, err == nil, err
}

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", name, msg)
	os.Exit(111)
}
