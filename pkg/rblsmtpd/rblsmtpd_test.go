package rblsmtpd

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/pkg/resolver"

	"github.com/quail-mta/quail/internal/testenv"
)

func TestReverseName(t *testing.T) {
	for ip, want := range map[string]string{
		"1.2.3.4":          "4.3.2.1.",
		"::ffff:1.2.3.4":   "4.3.2.1.",
		"2001:db8::1":      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.",
		"":                 "",
		"a.b":              "b.a.",
		"fe80::1%eth0":     "fe80::1%eth0.",
		"127.0.0.1.extra.": ".extra.1.0.0.127.",
	} {
		if got := ReverseName(ip); got != want {
			t.Errorf("ReverseName(%q) = %q, want %q", ip, got, want)
		}
	}
}

// checker returns a checker for 127.0.0.2 that asks dns, giving up on a
// server after a short while so that the time-out case stays short.
func checker(dns *dnstest.Server, env string, set bool) *Checker {
	client := &resolver.Client{Servers: []string{dns.Addr}, Timeouts: []time.Duration{100 * time.Millisecond}}
	return NewChecker(client, "127.0.0.2", env, set)
}

func TestDecisions(t *testing.T) {
	dns := dnstest.Start(t,
		`2.0.0.127.bl.test. TXT "listed, see http://bl.test/"`,
		`2.0.0.127.multi.test. TXT "part one" " part two"`,
		`2.0.0.127.allow.test. A 127.0.0.2`,
		`2.0.0.127.empty.test. TXT ""`,
	)
	dns.Hang("2.0.0.127.slow.test")
	dns.ServFail("2.0.0.127.broken.test")
	for _, tc := range []struct {
		name   string
		env    string
		envSet bool
		steps  func(c *Checker)
		reply  string // "" means let through
	}{
		{"not listed", "", false, func(c *Checker) { c.RBL("other.test") }, ""},
		{"listed", "", false, func(c *Checker) { c.RBL("bl.test") }, "451 listed, see http://bl.test/"},
		{"listed -b", "", false, func(c *Checker) { c.Bounce = true; c.RBL("bl.test") }, "553 listed, see http://bl.test/"},
		{"-b after the list", "", false, func(c *Checker) { c.RBL("bl.test"); c.Bounce = true }, "451 listed, see http://bl.test/"},
		{"strings joined", "", false, func(c *Checker) { c.RBL("multi.test") }, "451 part one part two"},
		{"empty TXT", "", false, func(c *Checker) { c.RBL("empty.test") }, ""},
		{"anti-RBL first", "", false, func(c *Checker) { c.AntiRBL("allow.test"); c.RBL("bl.test") }, ""},
		{"anti-RBL too late", "", false, func(c *Checker) { c.RBL("bl.test"); c.AntiRBL("allow.test") }, "451 listed, see http://bl.test/"},
		{"first list decides", "", false, func(c *Checker) { c.RBL("multi.test"); c.RBL("bl.test") }, "451 part one part two"},
		{"time-out, fail open", "", false, func(c *Checker) { c.RBL("slow.test") }, ""},
		{"time-out, -c", "", false, func(c *Checker) { c.FailClosed = true; c.RBL("slow.test") }, "451 temporary RBL lookup error"},
		{"servfail -c", "", false, func(c *Checker) { c.FailClosed = true; c.RBL("broken.test") }, "451 temporary RBL lookup error"},
		{"failure keeps -b at 451", "", false, func(c *Checker) { c.Bounce = true; c.RBL("broken.test"); c.RBL("bl.test") }, "451 listed, see http://bl.test/"},
		{"anti-RBL failure lets through", "", false, func(c *Checker) { c.AntiRBL("broken.test"); c.RBL("bl.test") }, ""},
		{"anti-RBL failure -c", "", false, func(c *Checker) { c.FailClosed = true; c.AntiRBL("broken.test"); c.RBL("bl.test") }, "451 listed, see http://bl.test/"},
		{"RBLSMTPD empty", "", true, func(c *Checker) { c.RBL("bl.test") }, ""},
		{"RBLSMTPD text", "go away", true, func(c *Checker) { c.RBL("other.test") }, "451 go away"},
		{"RBLSMTPD -text", "-go away\x01", true, func(c *Checker) {}, "553 go away?"},
		{"RBLSMTPD -", "-", true, func(c *Checker) {}, "553 "},
	} {
		c := checker(dns, tc.env, tc.envSet)
		tc.steps(c)
		reply, refused := c.Refusal()
		if reply != tc.reply || refused != (tc.reply != "") {
			t.Errorf("%s: %q, %v; want %q", tc.name, reply, refused, tc.reply)
		}
	}
}

func TestReplyCut(t *testing.T) {
	c := NewChecker(nil, "", strings.Repeat("x", 300)+"\xff", true)
	reply, _ := c.Refusal()
	if reply != "451 "+strings.Repeat("x", 200) {
		t.Errorf("reply %q", reply)
	}
}

func TestConverse(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"HELO x\r\nQUIT\r\n", "250 R\r\n221 R\r\n"},
		{"ehlo x\nmail from:<a>\r\nRCPT TO:<b>\r\nDATA\r\nRset\r\nnoop\r\nvrfy x\r\n", "250 R\r\n250 R\r\nNO\r\nNO\r\n250 R\r\n250 R\r\nNO\r\n"},
		{"helo\x00x\r\nhelo  x\r\nhelo\r\r\n\r\n", "NO\r\n250 R\r\nNO\r\nNO\r\n"},
		{"quit", ""},
		{"QUIT now\r\nhelo\r\n", "221 R\r\n"},
		{"help " + strings.Repeat("y", 5000) + "\r\nnoop\r\n", "NO\r\n250 R\r\n"},
		{"helo " + strings.Repeat("y", 5000) + "\r\n", "250 R\r\n"},
		{strings.Repeat("h", 5000) + "\r\n", "NO\r\n"},
	} {
		var out bytes.Buffer
		Converse(bufio.NewReaderSize(strings.NewReader(tc.in), 16), &out, "NO")
		got := strings.ReplaceAll(out.String(), "rblsmtpd.local", "R")
		if got != tc.out {
			t.Errorf("%.40q: got %q, want %q", tc.in, got, tc.out)
		}
	}
}

// TestTalkTimeout: a client that says nothing is dropped when the time is
// up, after the greeting.
func TestTalkTimeout(t *testing.T) {
	r, _ := bufioPipe()
	var out testenv.SyncBuffer
	Talk(r, &out, "451 x", 50*time.Millisecond)
	if out.String() != "220 rblsmtpd.local\r\n" {
		t.Errorf("got %q", out.String())
	}
	var once bytes.Buffer
	Talk(strings.NewReader("HELO x\r\n"), &once, "553 y", 0)
	if once.String() != "553 y\r\n" {
		t.Errorf("-t 0: got %q", once.String())
	}
}

// FuzzConverse: whatever a client sends, every answer is one of the four
// and there is at most one per line.
func FuzzConverse(f *testing.F) {
	f.Add([]byte("HELO x\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nQUIT\r\n"))
	f.Add([]byte("helo\x00\r\n\r\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		Converse(bufio.NewReaderSize(bytes.NewReader(in), 16), &out, "451 NO")
		lines := strings.SplitAfter(out.String(), "\r\n")
		if len(lines)-1 > bytes.Count(in, []byte("\n")) {
			t.Fatalf("%d answers to %d lines", len(lines)-1, bytes.Count(in, []byte("\n")))
		}
		for _, l := range lines[:len(lines)-1] {
			switch l {
			case "250 rblsmtpd.local\r\n", "221 rblsmtpd.local\r\n", "451 NO\r\n":
			default:
				t.Fatalf("answer %q", l)
			}
		}
	})
}

// FuzzReverseName: the name part never loses the address's text for
// anything but IP addresses, and always ends in a dot when not empty.
func FuzzReverseName(f *testing.F) {
	f.Add("1.2.3.4")
	f.Add("2001:db8::1")
	f.Fuzz(func(t *testing.T, ip string) {
		name := ReverseName(ip)
		if ip != "" && !strings.HasSuffix(name, ".") {
			t.Fatalf("%q -> %q", ip, name)
		}
		if len(name) > max(len(ip)+1, 64) {
			t.Fatalf("%q -> %q", ip, name)
		}
	})
}

// FuzzRefusal: a list's TXT record (or $RBLSMTPD) comes from elsewhere;
// the reply made of it is one line of printable ASCII, at most 204 bytes.
func FuzzRefusal(f *testing.F) {
	f.Add("-listed\r\n250 ok")
	f.Add("\xff\x00text")
	f.Fuzz(func(t *testing.T, text string) {
		c := NewChecker(nil, "", text, true)
		reply, refused := c.Refusal()
		if !refused {
			if text != "" {
				t.Fatalf("%q not refused", text)
			}
			return
		}
		if len(reply) > 204 || !(strings.HasPrefix(reply, "451 ") || strings.HasPrefix(reply, "553 ")) {
			t.Fatalf("reply %q", reply)
		}
		for _, ch := range []byte(reply) {
			if ch < 32 || ch > 126 {
				t.Fatalf("reply %q", reply)
			}
		}
	})
}
