// qmail-qmqpc sends a message to a QMQP server instead of queueing it:
// it reads the message on descriptor 0 and the envelope on descriptor 1,
// exactly as qmail-queue does, and tries the servers listed in
// control/qmqpservers in order. Its exit code is qmail-queue's. See
// pkg/qmqp.
package main

import (
	"errors"
	"io"
	"os"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/qmqp"
)

func main() {
	if err := os.Chdir(qhome.Dir()); err != nil {
		os.Exit(qmqp.ExitHome)
	}
	servers, ok, err := control.Open("control").Lines("qmqpservers")
	if err != nil || !ok {
		os.Exit(qmqp.ExitControl)
	}
	message, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Exit(qmqp.ExitRead)
	}
	// The envelope comes in on descriptor 1, qmail-queue's convention.
	env, err := qmqp.ReadEnvelope(os.NewFile(1, "envelope"))
	if errors.Is(err, qmqp.ErrEnvelope) {
		os.Exit(qmqp.ExitEnvFormat)
	}
	if err != nil {
		os.Exit(qmqp.ExitRead)
	}
	os.Exit(qmqp.Client{}.Send(servers, qmqp.Request(message, env)))
}
