package qmqp

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/pkg/netstring"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/received"
)

// fakeQueue records what a server hands qmail-queue.
type fakeQueue struct {
	msg    bytes.Buffer
	from   string
	to     []string
	failed bool
	err    error
}

func (q *fakeQueue) Write(p []byte) (int, error) { return q.msg.Write(p) }
func (q *fakeQueue) From(s string)               { q.from = s }
func (q *fakeQueue) To(s string)                 { q.to = append(q.to, s) }
func (q *fakeQueue) Fail()                       { q.failed = true }
func (q *fakeQueue) Pid() int                    { return 4321 }
func (q *fakeQueue) Close() error {
	if q.failed {
		return &qmailq.Error{Code: 54, Text: "qq read error (#4.3.0)"}
	}
	return q.err
}

var testPeer = received.Peer{Local: "hub.example", RemoteIP: "127.0.0.1", RemoteHost: "front"}
var testTime = time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)

const testReceived = "Received: from front (127.0.0.1)\n  by hub.example with QMQP; 26 Nov 2026 01:02:03 -0000\n"

func serve(t *testing.T, in string, q *fakeQueue) (string, error) {
	t.Helper()
	var out bytes.Buffer
	s := &Server{
		In:   strings.NewReader(in),
		Out:  &out,
		Open: func() (Queue, error) { return q, nil },
		Peer: testPeer,
		Now:  func() time.Time { return testTime },
	}
	err := s.Serve()
	return out.String(), err
}

func ns(s string) string { return string(netstring.Encode([]byte(s))) }

func TestServe(t *testing.T) {
	long := strings.Repeat("a", 1000)
	tests := []struct {
		name    string
		in      string
		qerr    error
		reply   string
		err     error
		from    string
		to      []string
		failed  bool
		message string
	}{
		{name: "one recipient",
			in:    ns(ns("Subject: x\n\nhi\n") + ns("a@b") + ns("c@d")),
			reply: ns("Kok 1795654923 qp 4321"), from: "a@b", to: []string{"c@d"},
			message: testReceived + "Subject: x\n\nhi\n"},
		{name: "several recipients and empty sender",
			in:    ns(ns("x") + ns("") + ns("c@d") + ns("e@f") + ns("g")),
			reply: ns("Kok 1795654923 qp 4321"), from: "", to: []string{"c@d", "e@f", "g"},
			message: testReceived + "x"},
		{name: "no recipients",
			in:    ns(ns("x") + ns("a@b")),
			reply: ns("Kok 1795654923 qp 4321"), from: "a@b"},
		{name: "temporary queue failure",
			in:    ns(ns("x") + ns("a@b") + ns("c@d")),
			qerr:  &qmailq.Error{Code: 53, Text: "qq write error or disk full (#4.3.0)"},
			reply: ns("Zqq write error or disk full (#4.3.0)"), from: "a@b", to: []string{"c@d"}},
		{name: "permanent queue failure",
			in:    ns(ns("x") + ns("a@b") + ns("c@d")),
			qerr:  &qmailq.Error{Code: 31, Permanent: true, Text: "mail server permanently rejected message (#5.3.0)"},
			reply: ns("Dmail server permanently rejected message (#5.3.0)"), from: "a@b", to: []string{"c@d"}},
		{name: "long sender",
			in:    ns(ns("x") + ns(long) + ns("c@d")),
			reply: ns(BadAddressReply), from: "", to: []string{"c@d"}, failed: true},
		{name: "999 bytes is fine",
			in:    ns(ns("x") + ns(long[1:]) + ns("c@d")),
			reply: ns("Kok 1795654923 qp 4321"), from: long[1:], to: []string{"c@d"}},
		{name: "NUL in recipient",
			in:    ns(ns("x") + ns("a@b") + ns("c\x00d") + ns("e@f")),
			reply: ns(BadAddressReply), from: "a@b", to: []string{"e@f"}, failed: true},
		{name: "no-digit length is zero",
			in:    ns(ns("x") + ":," + ns("c@d")),
			reply: ns("Kok 1795654923 qp 4321"), from: "", to: []string{"c@d"}},
		{name: "bad comma after message", in: "12:1:x;3:a@b,,", err: ErrProtocol},
		{name: "outer length too short", in: "4:1:x,3:a@b,,", err: ErrProtocol},
		{name: "inner length past outer", in: "5:9:x,", err: ErrProtocol},
		{name: "bad outer comma", in: ns(ns("x") + ns("a@b"))[:13] + ";", err: ErrProtocol},
		{name: "letter in length", in: "1x:", err: ErrProtocol},
		{name: "endless length prefix", in: strings.Repeat("0", 101), err: ErrProtocol},
		{name: "huge length", in: "9999999999:", err: ErrResources},
		{name: "hangup before anything", in: "", err: ErrHangup},
		{name: "hangup in message", in: "100:50:abc", err: ErrHangup},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := &fakeQueue{err: tc.qerr}
			reply, err := serve(t, tc.in, q)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if reply != tc.reply {
				t.Fatalf("reply %q, want %q", reply, tc.reply)
			}
			if err != nil {
				return
			}
			if q.from != tc.from || strings.Join(q.to, ",") != strings.Join(tc.to, ",") || q.failed != tc.failed {
				t.Fatalf("envelope F%q T%q failed %v", q.from, q.to, q.failed)
			}
			if tc.message != "" && q.msg.String() != tc.message {
				t.Fatalf("message %q, want %q", q.msg.String(), tc.message)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	for err, want := range map[error]int{nil: 0, ErrHangup: 0, ErrProtocol: 100, ErrResources: 111} {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestReadEnvelope(t *testing.T) {
	tests := []struct {
		in   string
		want Envelope
		err  error
	}{
		{"Fa@b\x00Tc@d\x00Te@f\x00\x00", Envelope{"a@b", []string{"c@d", "e@f"}}, nil},
		{"F\x00T\x00\x00", Envelope{"", []string{""}}, nil},
		{"Fa@b\x00\x00", Envelope{"a@b", nil}, nil},
		{"Fa@b\x00Tc@d\x00", Envelope{}, ErrEnvelope},
		{"\x00", Envelope{}, ErrEnvelope},
		{"Ta@b\x00\x00", Envelope{}, ErrEnvelope},
		{"Fa@b\x00Xc@d\x00\x00", Envelope{}, ErrEnvelope},
		{"", Envelope{}, ErrEnvelope},
	}
	for _, tc := range tests {
		got, err := ReadEnvelope(strings.NewReader(tc.in))
		if !errors.Is(err, tc.err) {
			t.Errorf("%q: error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && (got.Sender != tc.want.Sender || strings.Join(got.Recipients, "|") != strings.Join(tc.want.Recipients, "|")) {
			t.Errorf("%q: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestRequestRoundTrip(t *testing.T) {
	env := Envelope{"a@b", []string{"c@d", "e@f"}}
	req := Request([]byte("msg\n"), env)
	if want := "25:4:msg\n,3:a@b,3:c@d,3:e@f,,"; string(req) != want {
		t.Fatalf("request %q, want %q", req, want)
	}
	q := &fakeQueue{}
	if _, err := serve(t, string(req), q); err != nil {
		t.Fatal(err)
	}
	if q.msg.String() != testReceived+"msg\n" || q.from != "a@b" || len(q.to) != 2 {
		t.Fatalf("got %q %q %q", q.msg.String(), q.from, q.to)
	}
}

func TestServerAddress(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1":      "127.0.0.1:628",
		"::1":            "[::1]:628",
		"10.0.0.1:2628":  "10.0.0.1:2628",
		"[::1]:2628":     "[::1]:2628",
		"hub.example":    "",
		"10.0.0.1:99999": "",
		"10.0.0.1:x":     "",
	}
	for in, want := range tests {
		got, ok := ServerAddress(in)
		if ok != (want != "") || got != want {
			t.Errorf("ServerAddress(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

// TestSend runs the client against servers on loopback: one that
// refuses, then one that answers with each of K, Z and D after noise.
func TestSend(t *testing.T) {
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := refused.Addr().String()
	refused.Close()
	for reply, want := range map[string]int{"2:Kx,": ExitOK, "4:..Zx,": ExitTemp, "2:Dx,": ExitPerm, "2:xx,": ExitConn} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				got <- ""
				return
			}
			defer conn.Close()
			var q fakeQueue
			s := &Server{In: conn, Out: &bytes.Buffer{}, Open: func() (Queue, error) { return &q, nil }, Now: time.Now}
			s.Serve()
			conn.Write([]byte(reply))
			got <- q.msg.String()
		}()
		code := Client{}.Send([]string{"# comment", "hub.example", deadAddr, ln.Addr().String()}, Request([]byte("m"), Envelope{"a", []string{"b"}}))
		if code != want {
			t.Errorf("reply %q: exit %d, want %d", reply, code, want)
		}
		if msg := <-got; !strings.HasSuffix(msg, "\nm") {
			t.Errorf("server got %q", msg)
		}
		ln.Close()
	}
	if code := (Client{}).Send([]string{deadAddr}, nil); code != ExitRefused {
		t.Errorf("only a dead server: exit %d, want %d", code, ExitRefused)
	}
	if code := (Client{}).Send(nil, nil); code != ExitControl {
		t.Errorf("no servers: exit %d, want %d", code, ExitControl)
	}
}

// FuzzServe feeds arbitrary requests to the server: it must not panic,
// must answer at most once with a well-formed netstring, and must hand
// qmail-queue no address of MaxAddress+1 bytes or more.
func FuzzServe(f *testing.F) {
	f.Add([]byte("25:4:msg\n,3:a@b,3:c@d,3:e@f,,"))
	f.Add([]byte("12:1:x;3:a@b,,"))
	f.Add([]byte("5:9:x,"))
	f.Add([]byte(":"))
	f.Fuzz(func(t *testing.T, in []byte) {
		q := &fakeQueue{}
		var out bytes.Buffer
		s := &Server{In: bytes.NewReader(in), Out: &out, Open: func() (Queue, error) { return q, nil }, Now: time.Now}
		err := s.Serve()
		if err != nil && out.Len() > 0 {
			t.Fatalf("answered %q and failed with %v", out.String(), err)
		}
		if err == nil {
			body, rerr := netstring.NewReader(&out).Read(1000)
			if rerr != nil || len(body) == 0 || !strings.Contains("KZD", string(body[:1])) {
				t.Fatalf("reply %q: %v", out.String(), rerr)
			}
		}
		for _, a := range append(q.to, q.from) {
			if len(a) > MaxAddress {
				t.Fatalf("address of %d bytes queued", len(a))
			}
		}
	})
}
