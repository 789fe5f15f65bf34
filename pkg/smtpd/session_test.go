package smtpd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/pkg/cdb"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/spf"
)

// fakeQueue records what a session hands to qmail-queue.
type fakeQueue struct {
	msg       bytes.Buffer
	from      string
	to        []string
	failed    bool
	aborted   bool
	closeErr  error
	keepBytes bool // false: count message bytes, keep none
	bytes     int64
}

func (q *fakeQueue) Write(p []byte) (int, error) {
	if !q.failed {
		q.bytes += int64(len(p))
		if q.keepBytes {
			q.msg.Write(p)
		}
	}
	return len(p), nil
}
func (q *fakeQueue) From(s string) { q.from = s }
func (q *fakeQueue) To(s string)   { q.to = append(q.to, s) }
func (q *fakeQueue) Fail()         { q.failed = true }
func (q *fakeQueue) Abort()        { q.aborted = true }
func (q *fakeQueue) Pid() int      { return 4242 }
func (q *fakeQueue) Close() error {
	if q.closeErr != nil {
		return q.closeErr
	}
	if q.failed {
		return &qmailq.Error{Code: 54, Text: "qq read error (#4.3.0)"}
	}
	return nil
}

// testConfig is the recording's usual setup, queueing into fake queues.
func testConfig(queues *[]*fakeQueue) *Config {
	return &Config{
		Greeting:    "mx.example.com",
		LocalIPHost: "mx.example.com",
		HasLIPHost:  true,
		Timeout:     time.Minute,
		RcptHosts: &RcptHosts{hosts: map[string]bool{
			"example.com": true, "mx.example.com": true, ".example.org": true,
		}},
		RemoteIP:   "127.0.0.1",
		RemoteHost: "client.example.net",
		Local:      "mx.example.com",
		IsMe:       func(ip [4]byte) bool { return ip == [4]byte{127, 0, 0, 1} },
		OpenQueue: func() (Queue, error) {
			q := &fakeQueue{keepBytes: true}
			*queues = append(*queues, q)
			return q, nil
		},
		Now: func() time.Time { return time.Unix(1795600000, 0) },
	}
}

func serve(cfg *Config, client string) (string, int) {
	var out bytes.Buffer
	code := Serve(cfg, strings.NewReader(client), &out)
	return out.String(), code
}

func TestAddressLengthLimit(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	ok := strings.Repeat("a", 899-len("@example.com")) + "@example.com"
	long := "a" + ok
	out, _ := serve(cfg, "MAIL FROM:<"+long+">\r\nMAIL FROM:<"+ok+">\r\nRCPT TO:<"+long+">\r\nRCPT TO:<"+ok+">\r\nQUIT\r\n")
	want := "220 mx.example.com ESMTP\r\n555 syntax error (#5.5.4)\r\n250 ok\r\n555 syntax error (#5.5.4)\r\n250 ok\r\n221 mx.example.com\r\n"
	if out != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}

func TestMoreRcptHostsCDB(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rcpthosts"), []byte("example.com\n"), 0o644)
	w, err := cdb.Create(filepath.Join(dir, "more.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	w.Add([]byte("more.example"), nil)
	w.Add([]byte(".wild.example"), nil)
	if err := w.Commit(filepath.Join(dir, "morercpthosts.cdb")); err != nil {
		t.Fatal(err)
	}
	rh, err := LoadRcptHosts(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rh.Close()
	for addr, want := range map[string]bool{
		"u@example.com":      true,
		"u@MORE.example":     true,
		"u@sub.more.example": false,
		"u@a.wild.example":   true,
		"u@wild.example":     false,
		"u@other.net":        false,
		"no-at-sign":         true,
	} {
		if got, err := rh.Allowed(addr); err != nil || got != want {
			t.Errorf("Allowed(%q) = %v, %v; want %v", addr, got, err, want)
		}
	}
}

func TestNoRcptHostsMeansEveryDomain(t *testing.T) {
	rh, err := LoadRcptHosts(t.TempDir())
	if err != nil || rh != nil {
		t.Fatalf("LoadRcptHosts without the file = %v, %v", rh, err)
	}
	if ok, _ := rh.Allowed("u@anywhere.example"); !ok {
		t.Error("refused without rcpthosts")
	}
}

func TestEnvelopeLimit(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.Relay = true
	rcpt := "RCPT TO:<" + strings.Repeat("r", 800) + "@example.com>\r\n"
	n := MaxEnvelope/800 + 10
	out, _ := serve(cfg, "MAIL FROM:<a@b>\r\n"+strings.Repeat(rcpt, n)+"QUIT\r\n")
	if !strings.Contains(out, "452 sorry, too many recipients (#4.5.3)\r\n") {
		t.Fatal("no refusal after the envelope limit")
	}
	if accepted := strings.Count(out, "250 ok\r\n") - 1; accepted*812 > MaxEnvelope {
		t.Errorf("%d recipients kept", accepted)
	}
}

func TestQueueFailures(t *testing.T) {
	msg := "MAIL FROM:<a@b>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	cases := []struct {
		name  string
		open  func() (Queue, error)
		reply string
	}{
		{"no pipes", func() (Queue, error) { return nil, errors.New("pipe2: too many open files") },
			"451 qqt failure (#4.3.0)"},
		{"exec fails", func() (Queue, error) { return nil, &fs.PathError{Op: "fork/exec", Path: "/x", Err: fs.ErrNotExist} },
			"354 go ahead\r\n451 unable to exec qq (#4.3.0)"},
		{"permanent", func() (Queue, error) {
			return &fakeQueue{closeErr: &qmailq.Error{Permanent: true, Text: "mail server permanently rejected message (#5.3.0)"}}, nil
		}, "354 go ahead\r\n554 mail server permanently rejected message (#5.3.0)"},
	}
	for _, c := range cases {
		var queues []*fakeQueue
		cfg := testConfig(&queues)
		cfg.OpenQueue = c.open
		out, code := serve(cfg, msg)
		if !strings.Contains(out, "250 ok\r\n"+c.reply+"\r\n") || code != 0 {
			t.Errorf("%s: %q, exit %d", c.name, out, code)
		}
	}
}

func TestReceivedLine(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.RemoteIP, cfg.RemoteHost, cfg.Local = "2001:db8::25", "v6 host\x01", "mx6.example.com"
	cfg.RemoteInfo, cfg.HasRemoteInfo = "ident(user)", true
	serve(cfg, "HELO my helo\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nx\r\n.\r\n")
	want := "Received: from v6?host? (HELO my?helo) (ident?user?@2001:db8::25)\n" +
		"  by mx6.example.com with SMTP; 25 Nov 2026 09:46:40 -0000\nx\n"
	if len(queues) != 1 || queues[0].msg.String() != want {
		t.Fatalf("message %q, want %q", queues[0].msg.String(), want)
	}
}

func TestDataBytesCountsTheMessageNotTheReceivedLine(t *testing.T) {
	for size, reply := range map[int]string{10: "250 ok 1795600000 qp 4242", 11: "552 sorry, that message size exceeds my databytes limit (#5.3.4)"} {
		var queues []*fakeQueue
		cfg := testConfig(&queues)
		cfg.DataBytes = 10
		body := strings.Repeat("b", size-1) + "\r\n" // size bytes once decoded
		out, _ := serve(cfg, "MAIL FROM:<a@b>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n"+body+".\r\n")
		if !strings.Contains(out, "354 go ahead\r\n"+reply+"\r\n") {
			t.Errorf("%d bytes: %q", size, out)
		}
	}
}

func TestBareLFAbortsTheQueue(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	out, code := serve(cfg, "MAIL FROM:<a@b>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nx\n.\r\nQUIT\r\n")
	if !strings.HasSuffix(out, "354 go ahead\r\n451 See https://cr.yp.to/docs/smtplf.html.\r\n") || code != 1 {
		t.Errorf("%q, exit %d", out, code)
	}
	if len(queues) != 1 || !queues[0].aborted || queues[0].from != "" {
		t.Error("the queue was not aborted")
	}
}

// TestTimeout: a client that goes silent on a connection with deadlines
// (a socket) gets 451 and the session ends.
func TestTimeout(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.Timeout = 100 * time.Millisecond
	server, client := net.Pipe()
	replies := make(chan []byte)
	go func() {
		data, _ := io.ReadAll(client)
		replies <- data
	}()
	code := Serve(cfg, server, server)
	server.Close()
	if want := "220 mx.example.com ESMTP\r\n451 timeout (#4.4.2)\r\n"; string(<-replies) != want || code != 1 {
		t.Errorf("exit %d; want 1 and %q", code, want)
	}
}

func TestTimeoutWithoutDeadlines(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.Timeout = 100 * time.Millisecond
	pr, pw := io.Pipe() // no deadlines: the session reads through its pump
	defer pw.Close()
	go pw.Write([]byte("HELO x\r\n"))
	var out bytes.Buffer
	if code := Serve(cfg, pr, &out); code != 1 {
		t.Errorf("exit %d", code)
	}
	if want := "220 mx.example.com ESMTP\r\n250 mx.example.com\r\n451 timeout (#4.4.2)\r\n"; out.String() != want {
		t.Errorf("%q, want %q", out.String(), want)
	}
}

func TestSplitCommand(t *testing.T) {
	cases := []struct{ line, verb, arg string }{
		{"MAIL FROM:<a@b>", "mail", "FROM:<a@b>"},
		{"HELO  x", "helo", "x"},
		{" HELO x", "", "HELO x"},
		{"QUIT", "quit", ""},
		{"HELO x\x00y z", "helo", "x"},
		{"NO\x00OP", "no", ""},
		{"QUI\u212a", "qui\u212a", ""}, // no Unicode folding: the Kelvin sign is not a k
	}
	for _, c := range cases {
		if verb, arg := SplitCommand([]byte(c.line)); verb != c.verb || arg != c.arg {
			t.Errorf("SplitCommand(%q) = %q, %q; want %q, %q", c.line, verb, arg, c.verb, c.arg)
		}
	}
}

// FuzzSplitCommand checks the verb and argument against a transliteration
// of qmail's commands(): C string functions on a NUL-terminated line.
func FuzzSplitCommand(f *testing.F) {
	for _, seed := range []string{"MAIL FROM:<a>", " x", "a  b", "x\x00 y", ""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		verb, arg := SplitCommand(line)
		s := append(append([]byte{}, line...), 0)
		i := 0
		for s[i] != 0 && s[i] != ' ' {
			i++
		}
		a := i
		for s[a] == ' ' {
			a++
		}
		end := a
		for s[end] != 0 {
			end++
		}
		wantArg := string(s[a:end])
		if s[i] == 0 { // the verb ran to the NUL: the argument is empty
			wantArg = ""
		}
		if !strings.EqualFold(verb, string(s[:i])) || arg != wantArg {
			t.Fatalf("SplitCommand(%q) = %q, %q; C-like %q, %q", line, verb, arg, s[:i], wantArg)
		}
	})
}

// TestSessionsLeaveNoReader checks that a session on input without
// deadlines (a pipe, a strings.Reader) ends its read helper when it ends.
// Each one once kept a goroutine and a 16 KB buffer for good, so a fuzz
// run of FuzzSession grew by 1.6 GB in its first 100000 sessions.
func TestSessionsLeaveNoReader(t *testing.T) {
	const sessions = 200
	before := runtime.NumGoroutine()
	for _, client := range []string{"QUIT\r\n", "HELO x\r\n", "", "DATA\r\nx\n"} {
		for i := 0; i < sessions/4; i++ {
			var queues []*fakeQueue
			serve(testConfig(&queues), client)
		}
	}
	// The helpers end on their own schedule; give them a bounded while.
	left := runtime.NumGoroutine() - before
	for i := 0; i < 500 && left > 0; i++ {
		time.Sleep(10 * time.Millisecond)
		left = runtime.NumGoroutine() - before
	}
	if left >= sessions/2 {
		t.Errorf("%d goroutines left behind by %d sessions", left, sessions)
	}
}

// FuzzSession runs whole sessions on arbitrary input: every reply must be
// a well-formed SMTP line and the exit code 0 or 1.
// failingSPF gives every domain the policy "-all".
type failingSPF struct{}

func (failingSPF) TXT(context.Context, string) ([]string, error) { return []string{"v=spf1 -all"}, nil }
func (failingSPF) MX(context.Context, string) ([]resolver.MX, error) {
	return nil, nil
}
func (failingSPF) Addrs(context.Context, string, bool) ([]netip.Addr, error) { return nil, nil }
func (failingSPF) PTRNames(context.Context, netip.Addr) ([]string, error)    { return nil, nil }

func FuzzSession(f *testing.F) {
	f.Add("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nSubject: s\r\n\r\n..\r\n.\r\nQUIT\r\n")
	f.Add("MAIL a\r\nRCPT <@x:y@[127.0.0.1]>\r\nDATA\r\nx\n")
	f.Add("EHLO x\r\nAUTH LOGIN\r\nYQ==\r\n*\r\nAUTH PLAIN AGEAYg==\r\nAUTH PLAIN\r\n!\r\nSTARTTLS\r\n")
	f.Add("HELO a\rb\r\nMAIL FROM:<x\ry@z>\r\nRCPT TO:<u@example.com>\r\nAUTH CRAM-MD5\r\nYSBi\r\n")
	f.Fuzz(func(t *testing.T, client string) {
		var queues []*fakeQueue
		cfg := testConfig(&queues)
		cfg.BadMailFrom = map[string]bool{"@evil.example": true}
		// AUTH's dialogue is parsed; the password check fails at once
		cfg.Checkpassword, cfg.InsecureAuth = []string{"/nonexistent/checkpassword"}, true
		cfg.AllowCram, cfg.AuthHost = true, "mx.example.com"
		// every sender fails SPF, with the client's words in the 550
		cfg.RemoteIP, cfg.SPFBehavior = "192.0.2.1", 3
		cfg.SPF = &spf.Policy{DNS: failingSPF{}, Receiver: "mx.example.com", Explanation: "%{s} %{l} %{h} %{d}"}
		out, code := serve(cfg, client)
		if code != 0 && code != 1 {
			t.Fatalf("exit %d", code)
		}
		for _, line := range strings.SplitAfter(out, "\r\n") {
			if line == "" {
				continue
			}
			if len(line) < 6 || !strings.HasSuffix(line, "\r\n") || strings.ContainsAny(line[:len(line)-2], "\r\n") ||
				line[0] < '2' || line[0] > '5' || (line[3] != ' ' && line[3] != '-') {
				t.Fatalf("malformed reply %q", line)
			}
		}
		for _, q := range queues {
			if int64(q.msg.Len()) > 2*int64(len(client))+500 { // a HELO name may be in both Received and Received-SPF
				t.Fatalf("queued %d bytes from %d of input", q.msg.Len(), len(client))
			}
		}
	})
}
