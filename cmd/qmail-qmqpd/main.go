// qmail-qmqpd receives one message by QMQP on descriptors 0 and 1, as
// run by tcpserver, and queues it with a Received line. It trusts its
// client completely: run it only for the front ends allowed to relay.
// See pkg/qmqp.
package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/qmqp"
	"github.com/quail-mta/quail/pkg/received"
)

// sessionLimit is qmail-qmqpd's alarm: after an hour it gives up.
const sessionLimit = time.Hour

func main() {
	// Like the original, survive a client gone away (exit 0 on the write
	// error) rather than die of SIGPIPE; Notify, unlike Ignore, is not
	// inherited by qmail-queue.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	time.AfterFunc(sessionLimit, func() { os.Exit(111) })
	s := &qmqp.Server{
		In:   os.Stdin,
		Out:  os.Stdout,
		Open: openQueue,
		Peer: received.FromEnv(),
	}
	os.Exit(qmqp.ExitCode(s.Serve()))
}

// openQueue starts qmail-queue from the qmail home, as the original does
// once it knows the request's length.
func openQueue() (qmqp.Queue, error) {
	if err := os.Chdir(qhome.Dir()); err != nil {
		return nil, err
	}
	q, err := qmailq.Open(qmailq.Program())
	if err != nil {
		return nil, err
	}
	return q, nil
}
