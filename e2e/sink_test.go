package e2e

import (
	"net"
	"strconv"
	"testing"

	"github.com/quail-mta/quail/internal/smtptest"
)

// sink is an SMTP server on loopback that answers RCPT as told (the
// replies in turn, the last repeating) and keeps what it accepted.
type sink struct{ *smtptest.Server }

func startSink(t testing.TB, rcptReplies ...string) sink {
	return sink{smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{RcptReplies: rcptReplies})}
}

// startSink starts a sink in the system's network namespace, if any.
func (s *system) startSink(rcptReplies ...string) sink {
	var ln net.Listener
	var err error
	s.inNet(func() { ln, err = net.Listen("tcp", "127.0.0.1:0") })
	if err != nil {
		s.t.Fatal(err)
	}
	return sink{smtptest.Serve(s.t, ln, &smtptest.Server{RcptReplies: rcptReplies})}
}

func (s sink) port() string { return strconv.Itoa(s.Port) }
