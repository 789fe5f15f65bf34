// qbiff announces new mail on the recipient's terminals. qmail-local runs
// it from a .qmail file ("|qbiff") with the message on descriptor 0 and
// USER, SENDER and LOCAL set; it writes to each terminal of USER in the
// login records that USER owns and has biff on. It always exits 0, so a
// notice never holds up delivery. See pkg/qbiff.
package main

import (
	"io"
	"os"

	"github.com/quail-mta/quail/pkg/qbiff"
)

func main() {
	user, ok1 := os.LookupEnv("USER")
	sender, ok2 := os.LookupEnv("SENDER")
	local, ok3 := os.LookupEnv("LOCAL")
	if !ok1 || !ok2 || !ok3 || len(user) > qbiff.MaxUser {
		os.Exit(0)
	}
	notice, err := qbiff.Notice(local, sender, os.Stdin)
	if err != nil {
		os.Exit(0)
	}
	// Read the rest of the message, so qmail-local's writes never fail.
	io.Copy(io.Discard, os.Stdin)
	utmp, err := os.Open(qbiff.UtmpPath)
	if err != nil {
		os.Exit(0)
	}
	lines := qbiff.Terminals(utmp, user)
	utmp.Close()
	qbiff.Notify("/dev", lines, os.Getuid(), notice)
	os.Exit(0)
}
