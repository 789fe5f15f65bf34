package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/qqtest"
	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/netstring"
)

// client is a QMTP client speaking to qmail-qmtpd through tcpserver.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *netstring.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn, r: netstring.NewReader(bufio.NewReader(conn))}
}

// send sends one message and returns one reply per recipient.
func (c *client) send(mode byte, text, sender string, rcpts ...string) []string {
	c.t.Helper()
	var list []byte
	for _, r := range rcpts {
		list = netstring.AppendString(list, r)
	}
	req := netstring.AppendString(nil, string(mode)+text)
	req = netstring.AppendString(req, sender)
	req = netstring.Append(req, list)
	if _, err := c.conn.Write(req); err != nil {
		c.t.Fatal(err)
	}
	var replies []string
	for range rcpts {
		body, err := c.r.Read(1000)
		if err != nil {
			c.t.Fatalf("reading reply: %v", err)
		}
		replies = append(replies, string(body))
	}
	return replies
}

type mx struct {
	capture *qqtest.Capture
	server  *qqtest.Server
}

// startMX runs qmail-qmtpd behind tcpserver with rcpthosts and extra
// environment.
func startMX(t *testing.T, rcpthosts string, env ...string) *mx {
	t.Helper()
	capture := qqtest.NewCapture(t)
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, "control"), 0o755)
	if rcpthosts != "" {
		os.WriteFile(filepath.Join(home, "control", "rcpthosts"), []byte(rcpthosts), 0o644)
	}
	env = append(env, "QMAILQUEUE="+capture.Script, "QMAILHOME="+home)
	server := qqtest.StartServer(t, env, []string{"-l", "mx.example", "-H", "-R"}, testenv.Bin(t, "qmail-qmtpd"))
	return &mx{capture: capture, server: server}
}

var okReply = regexp.MustCompile(`^Kok [0-9]+ qp [0-9]+$`)
var receivedLine = regexp.MustCompile(`^Received: from unknown \(127\.0\.0\.1\)\n  by mx\.example with QMTP; [1-9][0-9]? [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} -0000\n`)

func body(t *testing.T, m qqtest.Message) string {
	t.Helper()
	loc := receivedLine.FindStringIndex(m.Data)
	if loc == nil {
		t.Fatalf("no Received line in %q", m.Data)
	}
	return m.Data[loc[1]:]
}

// TestSeveralMessages sends three messages on one connection: LF mode,
// CRLF mode and one for a domain not in rcpthosts.
func TestSeveralMessages(t *testing.T) {
	m := startMX(t, "mx.example\n")
	c := dial(t, m.server.Addr())
	lf := "Subject: one\n\nbody \r\x00\xff\n"
	if r := c.send('\n', lf, "a@b", "u@mx.example"); !okReply.MatchString(r[0]) {
		t.Fatalf("LF message: %q", r)
	}
	crlf := "Subject: two\r\n\r\nline\r\nbare\rcr\r\r\n"
	if r := c.send('\r', crlf, "", "v@mx.example", "w@MX.EXAMPLE"); !okReply.MatchString(r[0]) || r[0] != r[1] {
		t.Fatalf("CRLF message: %q", r)
	}
	r := c.send('\n', "three\n", "a@b", "x@elsewhere", "y@mx.example")
	if r[0] != "Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)" || !okReply.MatchString(r[1]) {
		t.Fatalf("relay attempt: %q", r)
	}
	if r := c.send('\n', "four\n", "a@b", "x@elsewhere"); r[0] != "Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)" {
		t.Fatalf("relay only: %q", r)
	}
	c.conn.Close()
	msgs := m.capture.Messages(t)
	want := map[string]string{
		lf:                                   "Fa@b\x00Tu@mx.example\x00\x00",
		"Subject: two\n\nline\nbare\rcr\r\n": "F\x00Tv@mx.example\x00Tw@MX.EXAMPLE\x00\x00",
		"three\n":                            "Fa@b\x00Ty@mx.example\x00\x00",
	}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages queued, want %d", len(msgs), len(want))
	}
	for _, msg := range msgs {
		b := body(t, msg)
		if env, ok := want[b]; !ok || env != msg.Envelope {
			t.Errorf("unexpected message %q envelope %q", b, msg.Envelope)
		}
	}
}

func TestRelayClientAndDatabytes(t *testing.T) {
	m := startMX(t, "mx.example\n", "RELAYCLIENT=", "DATABYTES=10")
	c := dial(t, m.server.Addr())
	if r := c.send('\n', "0123456789", "a@b", "x@elsewhere"); !okReply.MatchString(r[0]) {
		t.Fatalf("RELAYCLIENT set: %q", r)
	}
	if r := c.send('\n', "0123456789A", "a@b", "x@elsewhere"); r[0] != "Dsorry, that message size exceeds my databytes limit (#5.3.4)" {
		t.Fatalf("over databytes: %q", r)
	}
	if r := c.send('\r', "01234567\r\n", "a@b", "x@elsewhere"); !okReply.MatchString(r[0]) {
		t.Fatalf("CRLF within databytes after conversion: %q", r)
	}
	if r := c.send('\n', "x", strings.Repeat("s", 1000), "x@y"); r[0] != "Dunacceptable sender (#5.1.7)" {
		t.Fatalf("long sender: %q", r)
	}
	if r := c.send('\n', "x", "a@b", strings.Repeat("r", 1000), "ok@y"); r[0] != "Dsorry, I can't handle that recipient (#5.1.3)" || !okReply.MatchString(r[1]) {
		t.Fatalf("long recipient: %q", r)
	}
	c.conn.Close()
	if n := len(m.capture.Messages(t)); n != 3 {
		t.Fatalf("%d messages queued, want 3", n)
	}
}

func TestQueueFailure(t *testing.T) {
	m := startMX(t, "")
	m.capture.SetExit(t, "53")
	c := dial(t, m.server.Addr())
	if r := c.send('\n', "x", "a@b", "u@x", "v@y"); r[0] != "Zqq write error or disk full (#4.3.0)" || r[1] != r[0] {
		t.Fatalf("%q", r)
	}
}

// TestProtocolErrors checks that qmail-qmtpd hangs up without a word on
// a protocol violation, after answering the messages before it.
func TestProtocolErrors(t *testing.T) {
	m := startMX(t, "")
	for name, request := range map[string]string{
		"empty message":     "0:,",
		"bad mode byte":     "2:Xa,1:a,0:,",
		"bad comma":         "2:\na;",
		"recipient overrun": "2:\na,1:a,4:9:u@x,,",
		"smtp":              "HELO x\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, m.server.Addr())
			if r := c.send('\n', "first\n", "a@b", "u@x"); !okReply.MatchString(r[0]) {
				t.Fatalf("first message: %q", r)
			}
			io.WriteString(c.conn, request)
			rest, _ := io.ReadAll(c.conn)
			if len(rest) != 0 {
				t.Fatalf("answered %q", rest)
			}
		})
	}
}
