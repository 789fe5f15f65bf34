package remote

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/smtptest"
	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/resolver"
)

// controlDir makes a control directory with the given files.
func controlDir(t testing.TB, files map[string]string) *control.Dir {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "control")
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(dir, 0o755)
	return control.Open(dir)
}

func testDNS(t *testing.T, zone ...string) (*dnstest.Server, *resolver.Client) {
	srv := dnstest.Start(t, zone...)
	return srv, &resolver.Client{Servers: []string{srv.Addr}, Timeouts: []time.Duration{300 * time.Millisecond}}
}

func notMe(netip.Addr) bool { return false }

func deliver(cfg Config, host, sender string, recips []string, msg string) string {
	var out bytes.Buffer
	Deliver(cfg, host, sender, recips, strings.NewReader(msg), &out)
	return out.String()
}

// routed is a config whose smtproutes sends example.test to the server.
func routed(t *testing.T, s *smtptest.Server, extra map[string]string) Config {
	files := map[string]string{
		"me":         "me.test\n",
		"smtproutes": "example.test:[127.0.0.1]:" + fmt.Sprint(s.Port) + "\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	_, dns := testDNS(t)
	return Config{Control: controlDir(t, files), DNS: dns, IsMe: notMe}
}

func TestReports(t *testing.T) {
	const ip = "127.0.0.1"
	tests := []struct {
		name   string
		reply  map[string]string
		recips []string
		msg    string
		want   string
	}{
		{"accepted", nil, []string{"a@example.test"}, "Subject: x\n\nhi\n",
			"r\x00K" + ip + " accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"},
		{"greeting", map[string]string{}, []string{"a@example.test"}, "x\n", ""}, // filled below
		{"helo rejected", map[string]string{"EHLO": "502 no", "HELO": "501 bad name"}, []string{"a@example.test"}, "x\n",
			"ZConnected to " + ip + " but my name was rejected.\nRemote host said: 501 bad name\n\x00"},
		{"sender 553", map[string]string{"MAIL": "553 sender refused"}, []string{"a@example.test"}, "x\n",
			"DConnected to " + ip + " but sender was rejected.\nRemote host said: 553 sender refused\n\x00"},
		{"sender 451", map[string]string{"MAIL": "451 later"}, []string{"a@example.test"}, "x\n",
			"ZConnected to " + ip + " but sender was rejected.\nRemote host said: 451 later\n\x00"},
		{"rcpt 550", map[string]string{"RCPT": "550 no such user"}, []string{"a@example.test"}, "x\n",
			"h" + ip + " does not like recipient.\nRemote host said: 550 no such user\n\x00DGiving up on " + ip + ".\n\x00"},
		{"rcpt 451", map[string]string{"RCPT": "451 greylisted"}, []string{"a@example.test"}, "x\n",
			"s" + ip + " does not like recipient.\nRemote host said: 451 greylisted\n\x00DGiving up on " + ip + ".\n\x00"},
		{"one of two refused", map[string]string{"RCPT TO:<b@example.test>": "550 5.1.1 unknown"}, []string{"a@example.test", "b@example.test"}, "x\n",
			"r\x00h" + ip + " does not like recipient.\nRemote host said: 550 5.1.1 unknown\n\x00K" + ip + " accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"},
		{"data 554", map[string]string{"DATA": "554 no data"}, []string{"a@example.test"}, "x\n",
			"r\x00D" + ip + " failed on DATA command.\nRemote host said: 554 no data\n\x00"},
		{"data 451", map[string]string{"DATA": "451 busy"}, []string{"a@example.test"}, "x\n",
			"r\x00Z" + ip + " failed on DATA command.\nRemote host said: 451 busy\n\x00"},
		{"after data 552", map[string]string{"END": "552 too big"}, []string{"a@example.test"}, "x\n",
			"r\x00D" + ip + " failed after I sent the message.\nRemote host said: 552 too big\n\x00"},
		{"after data 451", map[string]string{"END": "451 try later"}, []string{"a@example.test"}, "x\n",
			"r\x00Z" + ip + " failed after I sent the message.\nRemote host said: 451 try later\n\x00"},
		{"multiline", map[string]string{"END": "250-first\n250 second"}, []string{"a@example.test"}, "x\n",
			"r\x00K" + ip + " accepted message.\nRemote host said: 250-first\n250 second\n\x00"},
		{"dropped on rcpt", map[string]string{"RCPT": "DROP"}, []string{"a@example.test"}, "x\n",
			"ZConnected to " + ip + " but connection died. (#4.4.2)\n\x00"},
		{"dropped after dot", map[string]string{"END": "DROP"}, []string{"a@example.test"}, "x\n",
			"r\x00ZConnected to " + ip + " but connection died. Possible duplicate! (#4.4.2)\n\x00"},
		{"partial line", nil, []string{"a@example.test"}, "no newline",
			"r\x00DSMTP cannot transfer messages with partial final lines. (#5.6.2)\n\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &smtptest.Server{Reply: tt.reply}
			want := tt.want
			if tt.name == "greeting" {
				s.Greet = "554 go away"
				want = "ZConnected to " + ip + " but greeting failed.\nRemote host said: 554 go away\n\x00"
			}
			smtptest.Start(t, "tcp", "127.0.0.1:0", s)
			got := deliver(routed(t, s, nil), "example.test", "me@me.test", tt.recips, tt.msg)
			if got != want {
				t.Errorf("report\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestDialogue(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})
	cfg := routed(t, s, map[string]string{"helohost": "helo.test\n"})
	msg := "Subject: dots\n\n.leading dot\n..two\nCRLF line\r\nend\n"
	got := deliver(cfg, "example.test", "a b@me.test", []string{"x@example.test", "noat"}, msg)
	if !strings.HasPrefix(got, "r\x00r\x00K") {
		t.Fatalf("report %q", got)
	}
	s.WaitEnd(t)
	want := []string{"EHLO helo.test", `MAIL FROM:<"a b"@me.test>`, "RCPT TO:<x@example.test>", "RCPT TO:<noat>", "DATA", "QUIT"}
	if got := s.Commands(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("commands\n got %q\nwant %q", got, want)
	}
	body := "Subject: dots\r\n\r\n..leading dot\r\n...two\r\nCRLF line\r\nend\r\n"
	if got := s.Messages(); len(got) != 1 || got[0] != body {
		t.Errorf("body\n got %q\nwant %q", got, body)
	}
}

// TestLineBreakInAddress: an address with CR or LF would let its author
// add SMTP commands; the delivery fails before any connection.
func TestLineBreakInAddress(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})
	cfg := routed(t, s, nil)
	for _, env := range [][]string{{"a@me.test\r\nRCPT TO:<x@y.test>", "u@example.test"}, {"", "u\n@example.test"}} {
		if got := deliver(cfg, "example.test", env[0], env[1:], "x\n"); got != textLineBreak+"\x00" {
			t.Errorf("%q: %q", env, got)
		}
	}
	if n := s.Conns(); n != 0 {
		t.Errorf("%d connections made", n)
	}
}

func TestHeloFallback(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{Reply: map[string]string{"EHLO": "500 what"}})
	got := deliver(routed(t, s, nil), "example.test", "", []string{"x@example.test"}, "x\n")
	if !strings.Contains(got, "K127.0.0.1 accepted") {
		t.Fatalf("report %q", got)
	}
	s.WaitEnd(t)
	if cmds := s.Commands(); cmds[0] != "EHLO me.test" || cmds[1] != "HELO me.test" || cmds[2] != "MAIL FROM:<>" {
		t.Errorf("commands %q", cmds)
	}
}

func TestTimeoutRemote(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{Delay: time.Minute})
	got := deliver(routed(t, s, map[string]string{"timeoutremote": "1\n"}), "example.test", "", []string{"x@example.test"}, "x\n")
	if want := "ZConnected to 127.0.0.1 but connection died. (#4.4.2)\n\x00"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestIPv6Route(t *testing.T) {
	s := smtptest.Start(t, "tcp6", "[::1]:0", &smtptest.Server{})
	cfg := routed(t, s, map[string]string{"smtproutes": fmt.Sprintf("example.test:[::1]:%d\n", s.Port)})
	got := deliver(cfg, "example.test", "", []string{"x@example.test"}, "x\n")
	if want := "r\x00K::1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestNoConnection(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})
	cfg := routed(t, s, nil)
	// Port 1 on loopback: nothing listens there, the connection is refused.
	cfg.Control = controlDir(t, map[string]string{"me": "me.test\n", "smtproutes": "example.test:127.0.0.1:1\n"})
	got := deliver(cfg, "example.test", "", []string{"x@example.test"}, "x\n")
	if got != textNoConn+"\x00" {
		t.Errorf("got %q", got)
	}
}

func TestControls(t *testing.T) {
	_, dns := testDNS(t)
	cfg := Config{Control: controlDir(t, map[string]string{}), DNS: dns, IsMe: notMe}
	if got := deliver(cfg, "example.test", "", []string{"x@example.test"}, "x\n"); got != textControl+"\x00" {
		t.Errorf("without me or helohost: %q", got)
	}
	var out bytes.Buffer
	Usage(&out)
	if out.String() != "DI (qmail-remote) was invoked improperly. (#5.3.5)\n\x00" {
		t.Errorf("usage %q", out.String())
	}
}

func TestMX(t *testing.T) {
	lo := &smtptest.Server{}
	smtptest.Start(t, "tcp", "127.0.0.1:0", lo)
	six := &smtptest.Server{}
	smtptest.Start(t, "tcp6", "[::1]:"+fmt.Sprint(lo.Port), six)
	dnsSrv, dns := testDNS(t,
		"mx.test. MX 20 b.mx.test.",
		"mx.test. MX 10 a.mx.test.",
		"a.mx.test. AAAA ::1",
		"b.mx.test. A 127.0.0.1",
		"plain.test. A 127.0.0.1",
		"noaddr.test. TXT \"x\"",
		"soft.test. MX 10 broken.test.",
		"self.test. MX 10 a.mx.test.",
	)
	dnsSrv.ServFail("broken.test")
	dnsSrv.Hang("hang.test")
	dnsSrv.ServFail("fail.test")
	cfgFor := func(isMe func(netip.Addr) bool) Config {
		return Config{Control: controlDir(t, map[string]string{"me": "me.test"}), DNS: dns, IsMe: isMe, Port: lo.Port,
			Rand: rand.New(rand.NewPCG(1, 2))}
	}
	tests := []struct {
		host string
		isMe func(netip.Addr) bool
		want string
	}{
		{"mx.test", notMe, "r\x00K::1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"},
		{"plain.test", notMe, "r\x00K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"},
		{"[127.0.0.1]", notMe, "r\x00K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"},
		{"nxdomain.test", notMe, "DSorry, I couldn't find any host named nxdomain.test. (#5.1.2)\n\x00"},
		{"noaddr.test", notMe, textNoMX + "\x00"},
		{"fail.test", notMe, textTempDNS + "\x00"},
		{"hang.test", notMe, textTempDNS + "\x00"},
		{"soft.test", notMe, textTempDNS + "\x00"},
		// ::1 (pref 10) is ours: only addresses better than 10 qualify.
		{"mx.test", func(a netip.Addr) bool { return a == netip.IPv6Loopback() }, textAmbigMX + "\x00"},
		{"self.test", func(netip.Addr) bool { return true }, textAmbigMX + "\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := deliver(cfgFor(tt.isMe), tt.host, "", []string{"x@" + tt.host}, "x\n"); got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	// With ::1 ours at preference 10 and b.mx.test at 20, nothing is
	// better than us; with only 127.0.0.1 ours (pref 20), a.mx.test wins.
	got := deliver(cfgFor(func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }), "mx.test", "", []string{"x@mx.test"}, "x\n")
	if !strings.Contains(got, "K::1 accepted") {
		t.Errorf("lower-preference self: %q", got)
	}
}

func TestShuffleTies(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(0); seed < 50; seed++ {
		mxs := []resolver.MX{{Pref: 10, Host: "a"}, {Pref: 10, Host: "b"}, {Pref: 10, Host: "c"}, {Pref: 20, Host: "d"}}
		shuffleTies(mxs, rand.New(rand.NewPCG(seed, 0)))
		if mxs[3].Host != "d" {
			t.Fatalf("preference order broken: %v", mxs)
		}
		seen[mxs[0].Host+mxs[1].Host+mxs[2].Host] = true
	}
	if len(seen) < 3 {
		t.Errorf("equal preferences not shuffled: %v", seen)
	}
}
