package qmtp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/pkg/cdb"
	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/netstring"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/qmqp"
	"github.com/quail-mta/quail/pkg/received"
)

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
func (q *fakeQueue) Pid() int                    { return 77 }
func (q *fakeQueue) Close() error {
	if q.failed {
		return &qmailq.Error{Code: 54, Text: "qq read error (#4.3.0)"}
	}
	return q.err
}

var testTime = time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)

const testReceived = "Received: from client (10.0.0.9)\n  by mx.example with QMTP; 26 Nov 2026 01:02:03 -0000\n"

func ns(s string) string { return string(netstring.Encode([]byte(s))) }

// msg is one QMTP message: mode byte and text, sender, recipients.
func msg(mode byte, text, sender string, rcpts ...string) string {
	var list string
	for _, r := range rcpts {
		list += ns(r)
	}
	return ns(string(mode)+text) + ns(sender) + ns(list)
}

func serve(t *testing.T, in string, cfg Config, qerr error) (string, []*fakeQueue, error) {
	t.Helper()
	var out bytes.Buffer
	var queues []*fakeQueue
	s := &Server{
		In:  strings.NewReader(in),
		Out: &out,
		Open: func() (qmqp.Queue, error) {
			q := &fakeQueue{err: qerr}
			queues = append(queues, q)
			return q, nil
		},
		Peer:   received.Peer{Local: "mx.example", RemoteIP: "10.0.0.9", RemoteHost: "client"},
		Config: cfg,
		Now:    func() time.Time { return testTime },
	}
	err := s.Serve()
	return out.String(), queues, err
}

func rcptHosts(t *testing.T, lines string, more ...string) *RcptHosts {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rcpthosts"), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(more) > 0 {
		fw, err := cdb.Create(filepath.Join(dir, "morercpthosts.tmp"))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range more {
			fw.Add([]byte(h), nil)
		}
		if err := fw.Commit(filepath.Join(dir, "morercpthosts.cdb")); err != nil {
			t.Fatal(err)
		}
	}
	rh, err := LoadRcptHosts(control.Open(dir))
	if err != nil {
		t.Fatal(err)
	}
	return rh
}

const ok = "Kok 1795654923 qp 77"

func TestServe(t *testing.T) {
	hosts := rcptHosts(t, "mx.example\n.sub.example\n")
	tests := []struct {
		name    string
		in      string
		cfg     Config
		qerr    error
		reply   string
		err     error
		message string // of the first message
		to      string // recipients of the first message, joined by |
		failed  bool
	}{
		{name: "LF message", in: msg('\n', "Subject: x\n\nhi\r\n", "a@b", "u@mx.example"), cfg: Config{RcptHosts: hosts},
			reply: ns(ok), message: testReceived + "Subject: x\n\nhi\r\n", to: "u@mx.example"},
		{name: "CRLF message converted", in: msg('\r', "Subject: x\r\n\r\nhi\rthere\r\r\n\r", "a@b", "u@mx.example"), cfg: Config{RcptHosts: hosts},
			reply: ns(ok), message: testReceived + "Subject: x\n\nhi\rthere\r\n\r", to: "u@mx.example"},
		{name: "domain not in rcpthosts", in: msg('\n', "x", "a@b", "u@mx.example", "v@elsewhere", "w@deep.sub.example"), cfg: Config{RcptHosts: hosts},
			reply: ns(ok) + ns(RejectedDomain) + ns(ok), to: "u@mx.example|w@deep.sub.example"},
		{name: "no acceptable recipient", in: msg('\n', "x", "a@b", "v@elsewhere"), cfg: Config{RcptHosts: hosts},
			reply: ns(RejectedDomain), failed: true},
		{name: "RELAYCLIENT appended and no rcpthosts check", in: msg('\n', "x", "a@b", "v@elsewhere"),
			cfg: Config{RcptHosts: hosts, HasRelayClient: true, RelayClient: ".relay"}, reply: ns(ok), to: "v@elsewhere.relay"},
		{name: "recipient too long with RELAYCLIENT", in: msg('\n', "x", "a@b", strings.Repeat("r", 995), "ok@x"),
			cfg: Config{HasRelayClient: true, RelayClient: "12345"}, reply: ns(RejectedRecipient) + ns(ok), to: "ok@x12345"},
		{name: "recipient of 999 bytes", in: msg('\n', "x", "a@b", strings.Repeat("r", 999)),
			reply: ns(ok), to: strings.Repeat("r", 999)},
		{name: "NUL in recipient", in: msg('\n', "x", "a@b", "u\x00@mx.example", "u@mx.example"), cfg: Config{RcptHosts: hosts},
			reply: ns(RejectedRecipient) + ns(ok), to: "u@mx.example"},
		{name: "NUL in recipient of a foreign domain", in: msg('\n', "x", "a@b", "u\x00@elsewhere", "u@mx.example"), cfg: Config{RcptHosts: hosts},
			reply: ns(RejectedDomain) + ns(ok), to: "u@mx.example"},
		{name: "sender too long", in: msg('\n', "x", strings.Repeat("s", 1000), "u@x", "v@y"),
			reply: ns(UnacceptableSender) + ns(UnacceptableSender), to: "u@x|v@y", failed: true},
		{name: "NUL in sender", in: msg('\n', "x", "a\x00b", "u@x"), reply: ns(UnacceptableSender), to: "u@x", failed: true},
		{name: "queue fails", in: msg('\n', "x", "a@b", "u@x"), qerr: &qmailq.Error{Code: 53, Text: "qq write error or disk full (#4.3.0)"},
			reply: ns("Zqq write error or disk full (#4.3.0)"), to: "u@x"},
		{name: "LF over databytes", in: msg('\n', "12345", "a@b", "u@x", "v@elsewhere"), cfg: Config{Databytes: 4, RcptHosts: hosts},
			reply: ns(RejectedDomain) + ns(RejectedDomain), failed: true},
		{name: "LF over databytes, rcpt ok", in: msg('\n', "12345", "a@b", "u@mx.example"), cfg: Config{Databytes: 4, RcptHosts: hosts},
			reply: ns(DatabytesExceeded), to: "u@mx.example", failed: true},
		{name: "LF at databytes", in: msg('\n', "1234", "a@b", "u@x"), cfg: Config{Databytes: 4}, reply: ns(ok), to: "u@x"},
		{name: "CRLF counted after conversion", in: msg('\r', "12\r\n", "a@b", "u@x"), cfg: Config{Databytes: 3}, reply: ns(ok), to: "u@x"},
		{name: "CRLF over databytes", in: msg('\r', "123\r\n", "a@b", "u@x"), cfg: Config{Databytes: 3}, reply: ns(DatabytesExceeded), to: "u@x", failed: true},
		{name: "two messages", in: msg('\n', "one", "a@b", "u@x") + msg('\r', "two\r\n", "", "v@y", "w@z"),
			reply: ns(ok) + ns(ok) + ns(ok), message: testReceived + "one", to: "u@x"},
		{name: "empty message netstring", in: "0:," + ns("a") + ns(ns("u@x")), err: ErrProtocol},
		{name: "bad mode byte", in: msg('x', "abc", "a@b", "u@x"), err: ErrProtocol},
		{name: "bad comma after message", in: "2:\nx;", err: ErrProtocol},
		{name: "recipient past list", in: ns("\nx") + ns("a") + "4:9:u@x,,", err: ErrProtocol},
		{name: "recipient prefix past list", in: ns("\nx") + ns("a") + "2:99", err: ErrProtocol},
		{name: "letter in length", in: "x:", err: ErrProtocol},
		{name: "huge length", in: "9999999999:", err: ErrResources},
		// Replies go out when the server next waits for input; a bad
		// message already buffered ends the session first, as in qmail.
		{name: "replies pending when a buffered bad message follows", in: msg('\n', "x", "a", "u@x") + "0:", err: ErrProtocol},
		{name: "hangup mid-message", in: "10:\nabc"},
		{name: "nothing", in: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reply, queues, err := serve(t, tc.in, tc.cfg, tc.qerr)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if reply != tc.reply {
				t.Fatalf("reply %q, want %q", reply, tc.reply)
			}
			if tc.reply == "" {
				return
			}
			q := queues[0]
			if got := strings.Join(q.to, "|"); got != tc.to || q.failed != tc.failed {
				t.Fatalf("recipients %q failed %v, want %q %v", got, q.failed, tc.to, tc.failed)
			}
			if tc.message != "" && q.msg.String() != tc.message {
				t.Fatalf("message %q, want %q", q.msg.String(), tc.message)
			}
		})
	}
}

func TestRcptHosts(t *testing.T) {
	rh := rcptHosts(t, "# comment\nExample.COM\n.sub.example\nlocalhost\n", "more.example", ".moresub.example")
	tests := map[string]bool{
		"u@example.com":         true,
		"u@EXAMPLE.com":         true,
		"u@x.example.com":       false,
		"u@a.sub.example":       true,
		"u@sub.example":         false,
		"u@more.example":        true,
		"u@a.b.moresub.example": true,
		"u@other.example":       false,
		"no-at-sign":            true,
		"a@b@localhost":         true,
		"u@":                    false,
	}
	for addr, want := range tests {
		got, err := rh.Allowed(addr)
		if err != nil || got != want {
			t.Errorf("Allowed(%q) = %v %v, want %v", addr, got, err, want)
		}
	}
	open, err := LoadRcptHosts(control.Open(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := open.Allowed("u@anywhere"); !ok {
		t.Error("without control/rcpthosts every domain is accepted, as in qmail")
	}
}

// FuzzServe feeds arbitrary sessions to the server: it must not panic,
// every reply must be a K/Z/D netstring, and no address of 1000 bytes or
// more may reach qmail-queue.
func FuzzServe(f *testing.F) {
	f.Add([]byte(msg('\n', "x", "a@b", "u@mx.example", "v@elsewhere")))
	f.Add([]byte(msg('\r', "a\r\nb\r", "", "u@x") + msg('\n', "y", "s", "t")))
	f.Add([]byte("4:9:u@x,,"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		var queues []*fakeQueue
		s := &Server{
			In:  bytes.NewReader(in),
			Out: &out,
			Open: func() (qmqp.Queue, error) {
				q := &fakeQueue{}
				queues = append(queues, q)
				return q, nil
			},
			Config: Config{Databytes: 100, HasRelayClient: len(in)%2 == 0, RelayClient: "+r"},
			Now:    time.Now,
		}
		s.Serve()
		r := netstring.NewReader(&out)
		for {
			body, err := r.Read(1000)
			if err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("bad reply stream %q: %v", out.String(), err)
				}
				break
			}
			if len(body) == 0 || !strings.Contains("KZD", string(body[:1])) {
				t.Fatalf("reply %q", body)
			}
		}
		for _, q := range queues {
			for _, a := range append(q.to, q.from) {
				if len(a) > MaxAddress {
					t.Fatalf("address of %d bytes queued", len(a))
				}
			}
		}
	})
}

// dropCRBeforeLF is qmail-qmtpd's conversion, byte by byte.
func dropCRBeforeLF(in []byte) []byte {
	var out []byte
	for i := 0; i < len(in); i++ {
		if in[i] == '\r' && i+1 < len(in) && in[i+1] == '\n' {
			continue
		}
		out = append(out, in[i])
	}
	return out
}

// FuzzCRLF checks the chunked conversion against the byte-wise one for
// every split of the input into two chunks.
func FuzzCRLF(f *testing.F) {
	f.Add([]byte("a\r\nb\r\r\nc\rd\r"), 3)
	f.Fuzz(func(t *testing.T, in []byte, split int) {
		if split < 0 || split > len(in) {
			return
		}
		var c crlf
		out := c.convert(nil, in[:split])
		out = c.convert(out, in[split:])
		if c.pendingCR {
			out = append(out, '\r')
		}
		if want := dropCRBeforeLF(in); !bytes.Equal(out, want) {
			t.Fatalf("%q split at %d: got %q, want %q", in, split, out, want)
		}
	})
}
