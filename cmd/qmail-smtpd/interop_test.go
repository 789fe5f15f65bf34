package main

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestPostfixSMTPSource: Postfix's smtp-source, a client qmail-smtpd did
// not grow up with, sends messages through tcpserver; every one must
// reach qmail-queue with the envelope it gave.
func TestPostfixSMTPSource(t *testing.T) {
	source := testenv.Tool(t, "smtp-source")
	const messages = 20
	h := newHome(t, baseControl)
	port := underTCPServer(t, h, "127.0.0.1")
	cmd := exec.Command(source, "-m", strconv.Itoa(messages), "-l", "3000",
		"-f", "a@example.net", "-t", "u@example.com", "127.0.0.1:"+port)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("smtp-source: %v\n%s", err, out)
	}
	files := h.captured(t)
	envelopes := 0
	for name, data := range files {
		if !strings.HasPrefix(name, "queue.envelope") {
			continue
		}
		envelopes++
		if string(data) != "Fa@example.net\x00Tu@example.com\x00\x00" {
			t.Errorf("%s = %q", name, data)
		}
	}
	if envelopes != messages {
		t.Errorf("%d messages queued, want %d", envelopes, messages)
	}
}
