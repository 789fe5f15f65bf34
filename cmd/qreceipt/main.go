// qreceipt sends a delivery notice when a message asks for one:
//
//	qreceipt youraddress
//
// run from a .qmail file with the message on descriptor 0 and SENDER
// set. If a Notice-Requested-Upon-Delivery-To field names youraddress,
// it queues a "success notice" to the sender. See pkg/qreceipt.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/qreceipt"
)

func die(code int, text string) {
	fmt.Fprint(os.Stderr, "qreceipt: "+text)
	os.Exit(code)
}

func main() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	sender, ok := os.LookupEnv("SENDER")
	if len(os.Args) < 2 || !ok {
		die(100, "usage: qreceipt deliveryaddress\n")
	}
	notice, err := qreceipt.Notice(os.Stdin, os.Args[1], sender)
	var perr *qreceipt.ParseError
	switch {
	case errors.As(err, &perr):
		// The field is printed as it is, with its own newline.
		die(100, "fatal: "+perr.Error())
	case err != nil:
		die(111, "fatal: read error\n")
	case notice == nil:
		os.Exit(0)
	}
	q, err := qmailq.Open(qmailq.Program())
	if err != nil {
		die(111, "fatal: unable to fork\n")
	}
	q.Write(notice)
	q.From("")
	q.To(sender)
	err = q.Close()
	var qerr *qmailq.Error
	if errors.As(err, &qerr) && qerr.Permanent {
		die(100, "fatal: permanent qmail-queue error\n")
	}
	if err != nil {
		die(111, "fatal: temporary qmail-queue error\n")
	}
	// Read the rest of the message, as the original does.
	io.Copy(io.Discard, os.Stdin)
}
