package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/smtptest"
	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/tcpto"
)

// home makes a qmail home with control files and an empty tcpto table.
func home(t *testing.T, control map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "control"), 0o755)
	os.MkdirAll(filepath.Join(dir, "queue", "lock"), 0o755)
	for name, text := range control {
		if err := os.WriteFile(filepath.Join(dir, "control", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "queue", "lock", "tcpto"), make([]byte, tcpto.Size), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func run(t *testing.T, qhome, dnsAddr, msg string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "qmail-remote"), args...)
	cmd.Env = append(testenv.Env("QMAILHOME", "DNSCACHEIP"), "QMAILHOME="+qhome, "DNSCACHEIP="+dnsAddr)
	cmd.Stdin = strings.NewReader(msg)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("qmail-remote %q: %v (stderr %q)", args, err, errOut.String())
	}
	if errOut.Len() > 0 {
		t.Errorf("qmail-remote wrote to stderr: %q", errOut.String())
	}
	return out.String()
}

func TestUsageAndHome(t *testing.T) {
	dns := dnstest.Start(t)
	if got := run(t, t.TempDir(), dns.Addr, "", "host", "sender"); got != "DI (qmail-remote) was invoked improperly. (#5.3.5)\n\x00" {
		t.Errorf("usage: %q", got)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if got := run(t, missing, dns.Addr, "", "h", "s", "r@h"); got != "ZUnable to switch to home directory. (#4.3.0)\n\x00" {
		t.Errorf("missing home: %q", got)
	}
	if got := run(t, t.TempDir(), dns.Addr, "", "h", "s", "r@h"); got != "ZUnable to read control files. (#4.3.0)\n\x00" {
		t.Errorf("no me, no helohost: %q", got)
	}
}

func TestDeliverThroughRoute(t *testing.T) {
	dns := dnstest.Start(t)
	for _, network := range []struct{ net, listen, relay, ip string }{
		{"tcp", "127.0.0.1:0", "[127.0.0.1]", "127.0.0.1"},
		{"tcp6", "[::1]:0", "[::1]", "::1"},
	} {
		s := smtptest.Start(t, network.net, network.listen, &smtptest.Server{
			Reply: map[string]string{"RCPT TO:<bad@example.test>": "550 no such user"},
		})
		q := home(t, map[string]string{"me": "me.test\n", "smtproutes": fmt.Sprintf(".example.test:nowhere.test\nexample.test:%s:%d\n", network.relay, s.Port)})
		got := run(t, q, dns.Addr, "Subject: hi\n\n.body\n", "example.test", "me@me.test", "good@example.test", "bad@example.test")
		want := "r\x00h" + network.ip + " does not like recipient.\nRemote host said: 550 no such user\n\x00K" +
			network.ip + " accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"
		if got != want {
			t.Errorf("%s: got %q\nwant %q", network.net, got, want)
		}
		if msgs := s.Messages(); len(msgs) != 1 || msgs[0] != "Subject: hi\r\n\r\n..body\r\n" {
			t.Errorf("%s: messages %q", network.net, msgs)
		}
	}
}

func TestDNS(t *testing.T) {
	dns := dnstest.Start(t,
		"loop.test. MX 10 mx.loop.test.",
		"mx.loop.test. A 127.0.0.1",
		"empty.test. TXT \"no addresses\"",
	)
	dns.ServFail("fail.test")
	q := home(t, map[string]string{"me": "me.test\n"})
	tests := []struct{ host, want string }{
		// 127.0.0.1 is this machine's: qmail refuses to mail itself.
		{"loop.test", "DSorry. Although I'm listed as a best-preference MX or A for that host,\nit isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n\x00"},
		{"nx.test", "DSorry, I couldn't find any host named nx.test. (#5.1.2)\n\x00"},
		{"empty.test", "DSorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n\x00"},
		{"fail.test", "ZSorry, I couldn't find any host by that name. (#4.1.2)\n\x00"},
	}
	for _, tt := range tests {
		if got := run(t, q, dns.Addr, "x\n", tt.host, "", "u@"+tt.host); got != tt.want {
			t.Errorf("%s: got %q\nwant %q", tt.host, got, tt.want)
		}
	}
}

// TestTCPTO: an address with two recent timeouts is skipped; qmail-tcpto
// lists it and qmail-tcpok clears it, after which delivery works.
func TestTCPTO(t *testing.T) {
	dns := dnstest.Start(t)
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})
	q := home(t, map[string]string{"me": "me.test\n", "smtproutes": fmt.Sprintf(":127.0.0.1:%d\n", s.Port)})
	table := make([]byte, tcpto.Size)
	copy(table, []byte{127, 0, 0, 1, 2})
	binary.LittleEndian.PutUint32(table[8:], uint32(time.Now().Unix()-5))
	if err := os.WriteFile(filepath.Join(q, "queue", "lock", "tcpto"), table, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run(t, q, dns.Addr, "x\n", "any.test", "", "u@any.test"); got != "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n\x00" {
		t.Errorf("down host: %q", got)
	}
	env := append(testenv.Env("QMAILHOME"), "QMAILHOME="+q)
	list := exec.Command(testenv.Bin(t, "qmail-tcpto"))
	list.Env = env
	out, err := list.Output()
	if err != nil {
		t.Fatalf("qmail-tcpto: %v", err)
	}
	if !strings.HasPrefix(string(out), "127.0.0.1 timed out ") || !strings.HasSuffix(string(out), " seconds ago; # recent timeouts: 2\n") {
		t.Errorf("qmail-tcpto: %q", out)
	}
	ok := exec.Command(testenv.Bin(t, "qmail-tcpok"))
	ok.Env = env
	if out, err := ok.CombinedOutput(); err != nil || len(out) != 0 {
		t.Fatalf("qmail-tcpok: %v %q", err, out)
	}
	if got := run(t, q, dns.Addr, "x\n", "any.test", "", "u@any.test"); !strings.HasPrefix(got, "r\x00K127.0.0.1 accepted") {
		t.Errorf("after qmail-tcpok: %q", got)
	}
	list = exec.Command(testenv.Bin(t, "qmail-tcpto"))
	list.Env = env
	if out, _ := list.Output(); len(out) != 0 {
		t.Errorf("qmail-tcpto after qmail-tcpok: %q", out)
	}
}

func TestToolErrors(t *testing.T) {
	q := t.TempDir()
	env := append(testenv.Env("QMAILHOME"), "QMAILHOME="+q)
	list := exec.Command(testenv.Bin(t, "qmail-tcpto"))
	list.Env = env
	out, err := list.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 111 || string(out) != "fatal: unable to chdir: file does not exist\n" {
		t.Errorf("qmail-tcpto without queue: %v %q", err, out)
	}
	ok := exec.Command(testenv.Bin(t, "qmail-tcpok"))
	ok.Env = env
	out, err = ok.CombinedOutput()
	if ee, isExit := err.(*exec.ExitError); !isExit || ee.ExitCode() != 111 ||
		string(out) != "qmail-tcpok: fatal: unable to chdir to "+q+"/queue/lock: file does not exist\n" {
		t.Errorf("qmail-tcpok without queue: %v %q", err, out)
	}
}

// BenchmarkSMTPSink measures messages per second with one qmail-remote
// process per message, qmail's architecture, delivering to smtp-sink.
func BenchmarkSMTPSink(b *testing.B) {
	port, _ := smtptest.Sink(b, false)
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "control"), 0o755)
	os.MkdirAll(filepath.Join(dir, "queue", "lock"), 0o755)
	os.WriteFile(filepath.Join(dir, "control", "me"), []byte("me.test\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "control", "smtproutes"), []byte(fmt.Sprintf(":127.0.0.1:%d\n", port)), 0o644)
	os.WriteFile(filepath.Join(dir, "queue", "lock", "tcpto"), make([]byte, tcpto.Size), 0o644)
	bin := testenv.Bin(b, "qmail-remote")
	env := append(testenv.Env("QMAILHOME"), "QMAILHOME="+dir)
	msg := "Subject: bench\n\n" + strings.Repeat("a line of text in the body of the message\n", 100)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "sink.test", "from@me.test", "to@sink.test")
		cmd.Env = env
		cmd.Stdin = strings.NewReader(msg)
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), "K127.0.0.1") {
			b.Fatalf("qmail-remote: %v %q", err, out)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
