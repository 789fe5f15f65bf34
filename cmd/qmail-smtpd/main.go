// qmail-smtpd receives mail by SMTP on descriptors 0 and 1, as tcpserver
// runs it, and hands every accepted message to qmail-queue:
//
//	tcpserver -u qmaild -g nofiles 0 smtp qmail-smtpd
//
// It takes no arguments. It reads control/ in the qmail home and the
// variables TCPLOCALIP, TCPLOCALHOST, TCPREMOTEIP, TCPREMOTEHOST,
// TCPREMOTEINFO, RELAYCLIENT, DATABYTES and QMAILQUEUE.
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/smtpd"
	"github.com/quail-mta/quail/pkg/timeoutio"
)

func main() {
	in, out := timeoutio.Stdio()
	if err := os.Chdir(qhome.Dir()); err != nil {
		fail(out, "421 unable to read controls (#4.3.0)\r\n")
	}
	cfg, err := smtpd.Load("control", smtpd.Environ)
	if err != nil {
		fail(out, "421 unable to read controls (#4.3.0)\r\n")
	}
	// "qmail-smtpd hostname checkpassword subprogram ...", as with the
	// qmail-smtpd-auth patch, turns on SMTP AUTH.
	if len(os.Args) > 2 {
		cfg.AuthHost, cfg.Checkpassword = os.Args[1], os.Args[2:]
	}
	cfg.Log, cfg.PID, cfg.Setenv = os.Stderr, os.Getpid(), os.Setenv
	if _, err := smtpd.LocalIPs(); err != nil {
		fail(out, "421 unable to figure out my IP addresses (#4.3.0)\r\n")
	}
	os.Exit(smtpd.Serve(cfg, in, out))
}

func fail(out *os.File, reply string) {
	out.WriteString(reply)
	os.Exit(1)
}
