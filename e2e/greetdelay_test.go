package e2e

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestGreetDelayBehindTcpserver: GREETDELAY and DROP_PRE_GREET from the
// rules, on real sockets: a client that waits for the greeting gets it
// after the delay and is served; one that talks first is refused.
func TestGreetDelayBehindTcpserver(t *testing.T) {
	s := newSystem(t, nil)
	rules := s.write("tcp.smtp", ":allow,GREETDELAY=\"1\",DROP_PRE_GREET=\"1\"\n")
	s.compileRules(rules)
	s.startServer(s.command("tcpserver", "-1", "-H", "-R", "-l", "e2e.test", "-x", rules+".cdb",
		"127.0.0.1", "0", "qmail-smtpd"))

	dial := func() (net.Conn, *bufio.Reader) {
		conn, err := net.Dial("tcp", s.smtp)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		return conn, bufio.NewReader(conn)
	}

	polite, in := dial()
	start := time.Now()
	greeting, err := in.ReadString('\n')
	if waited := time.Since(start); err != nil || !strings.HasPrefix(greeting, "220 ") || waited < time.Second {
		t.Errorf("greeting %q, %v after %v; want 220 after at least 1s", greeting, err, waited)
	}
	io.WriteString(polite, "QUIT\r\n")
	if bye, err := in.ReadString('\n'); err != nil || !strings.HasPrefix(bye, "221 ") {
		t.Errorf("QUIT: %q, %v", bye, err)
	}

	eager, in := dial()
	io.WriteString(eager, "HELO eager.test\r\n")
	all, err := io.ReadAll(in)
	if err != nil || string(all) != "554 SMTP protocol violation\r\n" {
		t.Errorf("eager client got %q, %v", all, err)
	}
}
