package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRcptCheckOutputGoesToTheLog: what the RCPTCHECK program prints, on
// either descriptor, ends up in qmail-smtpd's log (its stderr), never in
// the reply stream to the client, which is the real binary's descriptor 1.
func TestRcptCheckOutputGoesToTheLog(t *testing.T) {
	h := newHome(t, baseControl)
	check := filepath.Join(t.TempDir(), "check")
	script := "#!/bin/sh\necho \"out: $SENDER $RECIPIENT\"\necho \"err: checked\" >&2\n" +
		"case \"$RECIPIENT\" in nobody@*) exit 100 ;; esac\n"
	if err := os.WriteFile(check, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	client := "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nRCPT TO:<nobody@example.com>\r\nQUIT\r\n"
	r := h.smtpd(t, append(baseEnv, "RCPTCHECK="+check), []byte(client), false)
	want := "220 mx.example.com ESMTP\r\n250 ok\r\n250 ok\r\n553 sorry, no mailbox here by that name. (#5.1.1)\r\n221 mx.example.com\r\n"
	if string(r.out) != want || r.exit != 0 {
		t.Errorf("client got %q (exit %d), want %q", r.out, r.exit, want)
	}
	for _, line := range []string{"out: a@example.net u@example.com\n", "err: checked\n", "out: a@example.net nobody@example.com\n"} {
		if !strings.Contains(string(r.stderr), line) {
			t.Errorf("log %q lacks %q", r.stderr, line)
		}
	}
}
