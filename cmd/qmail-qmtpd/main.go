// qmail-qmtpd receives mail by QMTP on descriptors 0 and 1, as run by
// tcpserver: any number of messages per connection, each checked against
// RELAYCLIENT or control/rcpthosts and control/databytes (or $DATABYTES)
// and queued with a Received line. See pkg/qmtp.
package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/qmqp"
	"github.com/quail-mta/quail/pkg/qmtp"
	"github.com/quail-mta/quail/pkg/received"
)

// sessionLimit is qmail-qmtpd's alarm: after an hour it gives up.
const sessionLimit = time.Hour

func main() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	time.AfterFunc(sessionLimit, func() { os.Exit(111) })
	if err := os.Chdir(qhome.Dir()); err != nil {
		os.Exit(111)
	}
	cfg, err := config(control.Open("control"))
	if err != nil {
		os.Exit(111)
	}
	s := &qmtp.Server{
		In:     os.Stdin,
		Out:    os.Stdout,
		Open:   openQueue,
		Peer:   received.FromEnv(),
		Config: cfg,
	}
	os.Exit(qmqp.ExitCode(s.Serve()))
}

// config reads what the original reads before its first message.
func config(ctl *control.Dir) (qmtp.Config, error) {
	var cfg qmtp.Config
	var err error
	if cfg.RcptHosts, err = qmtp.LoadRcptHosts(ctl); err != nil {
		return cfg, err
	}
	cfg.RelayClient, cfg.HasRelayClient = os.LookupEnv("RELAYCLIENT")
	if cfg.Databytes, err = ctl.Int("databytes", 0); err != nil {
		return cfg, err
	}
	if v, ok := os.LookupEnv("DATABYTES"); ok {
		cfg.Databytes, _ = control.LeadingUint(v)
	}
	return cfg, nil
}

func openQueue() (qmqp.Queue, error) {
	q, err := qmailq.Open(qmailq.Program())
	if err != nil {
		return nil, err
	}
	return q, nil
}
