package e2e

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"path/filepath"
	"testing"
	"time"
)

// TestRealRcptTo: with qmail-rcptcheck-realrcptto as RCPTCHECK (set by a
// tcprules rule), qmail-smtpd refuses at RCPT the local addresses that
// would bounce for want of a .qmail file, accepts the rest, and the
// accepted message is delivered as usual.
func TestRealRcptTo(t *testing.T) {
	s := localSystem(t, nil)
	s.startSend()
	check := filepath.Join(s.home, "bin", "qmail-rcptcheck-realrcptto")
	rules := s.write("tcp.smtp", "127.:allow,RCPTCHECK=\""+check+"\"\n")
	s.compileRules(rules)
	s.startServer(s.command("tcpserver", "-1", "-H", "-R", "-l", "e2e.test", "-x", rules+".cdb",
		"127.0.0.1", "0", "qmail-smtpd"))

	c, err := smtp.Dial(s.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("tester@outside.test"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		to   string
		code int // 0: accepted
	}{
		{"alice@e2e.test", 0},          // a user without extension
		{"list-news@e2e.test", 0},      // ~list/.qmail-default
		{"postmaster@e2e.test", 0},     // ~alias/.qmail-postmaster
		{"alice-nosuch@e2e.test", 553}, // the alias account has no .qmail-alice-nosuch or -default
		{"nosuch@e2e.test", 553},
		{"far@elsewhere.test", 553}, // not in rcpthosts: refused before any check
	} {
		err := c.Rcpt(r.to)
		var reply *textproto.Error
		switch {
		case r.code == 0 && err != nil:
			t.Errorf("RCPT %s: %v, want it accepted", r.to, err)
		case r.code != 0 && (!errors.As(err, &reply) || reply.Code != r.code):
			t.Errorf("RCPT %s: %v, want %d", r.to, err, r.code)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: checked\r\n\r\nfor the ones that exist\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	s.waitFor("the message in three Maildirs", time.Minute, func() bool {
		return len(maildir(s.homeFile("alice", "Maildir"))) == 1 &&
			len(maildir(s.homeFile("list", "Maildir"))) == 1 && len(maildir(s.homeFile("alias", "Maildir"))) == 1
	})
}
