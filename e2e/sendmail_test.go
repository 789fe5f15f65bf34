package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSendmailBs speaks SMTP to sendmail -bs on its standard input, as
// some mail clients do: it runs qmail-smtpd, and the message lands in the
// queue through qmail-queue.
func TestSendmailBs(t *testing.T) {
	s := newSystem(t, nil)
	cmd := s.command("sendmail", "-bs")
	cmd.Stdin = strings.NewReader("HELO client\r\nMAIL FROM:<me@e2e.test>\r\nRCPT TO:<someone@far.test>\r\n" +
		"DATA\r\nSubject: bs\r\n\r\nthrough sendmail -bs\r\n.\r\nQUIT\r\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sendmail -bs: %v\n%s", err, out)
	}
	replies := strings.Split(strings.TrimSpace(string(out)), "\r\n")
	var codes []string
	for _, r := range replies {
		codes = append(codes, r[:3])
	}
	// Greeting, HELO, MAIL, RCPT (relaying: sendmail -bs sets RELAYCLIENT), DATA, end of data, QUIT.
	if strings.Join(codes, " ") != "220 250 250 250 354 250 221" {
		t.Errorf("replies:\n%s", out)
	}
	todo, _ := filepath.Glob(filepath.Join(s.home, "queue", "todo", "*"))
	if len(todo) != 1 {
		t.Fatalf("todo holds %d messages, want 1", len(todo))
	}
	env, _ := os.ReadFile(todo[0])
	if !strings.HasSuffix(string(env), "\x00Fme@e2e.test\x00Tsomeone@far.test\x00") {
		t.Errorf("envelope %q", env)
	}
	queued := s.queued()
	if len(queued) != 1 || !strings.HasSuffix(queued[0], "Subject: bs\n\nthrough sendmail -bs\n") {
		t.Errorf("queued %q", queued)
	}
}
