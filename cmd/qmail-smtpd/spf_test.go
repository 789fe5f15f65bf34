package main

import (
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/dnstest"
)

// TestSPF runs the binary with control/spfbehavior 3 against a DNS server
// of the test's own (DNSCACHEIP): a sender whose domain does not allow
// the client is refused at RCPT, one whose domain allows it gets a
// Received-SPF line, and SPFBEHAVIOR=0 turns the check off.
func TestSPF(t *testing.T) {
	srv := dnstest.Start(t,
		`allowed.test. TXT "v=spf1 ip4:192.0.2.10 -all"`,
		`refused.test. TXT "v=spf1 ip4:192.0.2.99 -all"`,
	)
	control := map[string]string{"spfbehavior": "3\n", "spfexp": "%{d} does not send from %{i}\n"}
	for name, text := range baseControl {
		control[name] = text
	}
	h := newHome(t, control)
	env := append([]string{"DNSCACHEIP=" + srv.Addr}, baseEnv...)
	env = append(env, "TCPREMOTEIP=192.0.2.10") // later entries win

	r := h.smtpd(t, env, []byte("MAIL FROM:<a@refused.test>\r\nRCPT TO:<u@example.com>\r\nQUIT\r\n"), false)
	if !strings.Contains(string(r.out), "250 ok\r\n550 refused.test does not send from 192.0.2.10 (#5.7.1)\r\n221 ") {
		t.Errorf("refused sender:\n%s", r.out)
	}

	r = h.smtpd(t, env, []byte("MAIL FROM:<a@allowed.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n"), false)
	if !strings.Contains(string(r.out), "250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok ") {
		t.Fatalf("allowed sender:\n%s", r.out)
	}
	msg := string(h.captured(t)["queue.message"])
	want := "\nReceived-SPF: pass (mx.example.com: SPF record at allowed.test designates 192.0.2.10 as permitted sender)\nhi\n"
	if !strings.Contains(msg, want) {
		t.Errorf("queued message %q, want %q in it", msg, want)
	}

	off := append(env, "SPFBEHAVIOR=0")
	r = h.smtpd(t, off, []byte("MAIL FROM:<a@refused.test>\r\nRCPT TO:<u@example.com>\r\nQUIT\r\n"), false)
	if !strings.Contains(string(r.out), "250 ok\r\n250 ok\r\n221 ") {
		t.Errorf("SPFBEHAVIOR=0:\n%s", r.out)
	}
}
