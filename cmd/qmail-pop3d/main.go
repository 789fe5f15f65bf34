// qmail-pop3d: the transaction half of qmail's POP3 server, run by
// checkpassword as the user after qmail-popup took the password:
//
//	qmail-pop3d Maildir
//
// It serves the Maildir (relative to the user's home directory, where
// checkpassword leaves it) on descriptors 0 and 1 and exits 0. It refuses
// to run as root.
package main

import (
	"os"
	"time"

	"github.com/quail-mta/quail/pkg/pop3"
	"github.com/quail-mta/quail/pkg/timeoutio"
)

func main() {
	if os.Getuid() == 0 {
		os.Stderr.WriteString("qmail-pop3d invoked as uid 0, terminating\n")
		os.Exit(1)
	}
	in, out := timeoutio.Stdio()
	if len(os.Args) < 2 || os.Chdir(os.Args[1]) != nil {
		out.WriteString("-ERR this user has no $HOME/Maildir\r\n")
		os.Exit(0)
	}
	os.Exit(pop3.Serve(in, out, time.Now()))
}
