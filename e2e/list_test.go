package e2e

import (
	"bufio"
	"io"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary double as the mailing-list program a
// .qmail file runs (a stand-in for fml): QUAIL_E2E_LIST=1 list.conf.
func TestMain(m *testing.M) {
	if os.Getenv("QUAIL_E2E_LIST") != "" {
		os.Exit(runList(os.Args[1], os.Stdin))
	}
	os.Exit(m.Run())
}

// runList sends the message on stdin to every subscriber through SMTP
// as fml does: to the server in list.conf, from the list's owner, with
// list headers added. Exit codes are qmail's: 0 done, 111 try again.
func runList(conf string, in io.Reader) int {
	text, err := os.ReadFile(conf)
	if err != nil {
		return 111
	}
	var server, owner string
	var subscribers []string
	for _, line := range strings.Split(string(text), "\n") {
		key, value, _ := strings.Cut(line, " ")
		switch key {
		case "server":
			server = value
		case "owner":
			owner = value
		case "sub":
			subscribers = append(subscribers, value)
		}
	}
	msg, err := io.ReadAll(in)
	if err != nil {
		return 111
	}
	out := "Precedence: list\nList-Id: <test.e2e.test>\nX-ML-Name: test\n" + string(msg)
	if err := smtp.SendMail(server, nil, owner, subscribers, []byte(strings.ReplaceAll(out, "\n", "\r\n"))); err != nil {
		os.Stderr.WriteString("list: " + err.Error() + "\n")
		return 111
	}
	return 0
}

// TestMailingListRelaysOnlyForLocalSenders is the mission's fml setup: a
// list whose program sends through SMTP to 127.0.0.1, where the rules
// give 127.0.0.0/8 RELAYCLIENT and nobody else. The list reaches its
// outside subscriber; an outside client cannot relay through the same
// server. As root the system runs in a network namespace with a second,
// non-local address for the outsider.
func TestMailingListRelaysOnlyForLocalSenders(t *testing.T) {
	s := localSystem(t, nil)
	if os.Getuid() == 0 {
		s.useNetns()
	}
	outside := s.startSink("250 ok")
	s.write("qmail/control/smtproutes", "outside.test:127.0.0.1:"+outside.port()+"\n")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	prog := s.copyExecutable(self, "listprog")
	conf := filepath.Join(s.dir, "list.conf")
	s.addUser("test", map[string]string{
		"":      "|QUAIL_E2E_LIST=1 exec " + prog + " " + conf + "\n",
		"owner": "&alice@e2e.test\n",
	})
	s.assign(
		s.exact("alice", "alice"), s.exact("test", "test"), s.wild("test-", "test", "-"), s.wild("", "alias", "-"),
	)
	s.start()
	s.write("list.conf", "server "+s.smtp+"\nowner test-owner@e2e.test\nsub alice@e2e.test\nsub someone@outside.test\n")

	// A post from outside to the list (a local address) is accepted.
	if err := s.mail("poster@outside.test", []string{"test@e2e.test"}, "From: poster@outside.test\nSubject: news\n\nlist post\n"); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the list's copy at the outside subscriber", time.Minute, func() bool { return len(outside.Messages()) == 1 })
	if from := outside.Senders()[0]; from != "<test-owner@e2e.test>" {
		t.Errorf("envelope sender at the outside subscriber: %s", from)
	}
	copyOut := outside.Messages()[0]
	for _, want := range []string{"Precedence: list\r\n", "List-Id: <test.e2e.test>\r\n", "Subject: news\r\n", "list post\r\n"} {
		if !strings.Contains(copyOut, want) {
			t.Errorf("outside copy lacks %q:\n%s", want, copyOut)
		}
	}
	s.waitFor("the list's copy for alice", time.Minute, func() bool { return len(maildir(s.homeFile("alice", "Maildir"))) == 1 })
	if m := maildir(s.homeFile("alice", "Maildir"))[0]; !strings.HasPrefix(m, "Return-Path: <test-owner@e2e.test>\n") {
		t.Errorf("alice's copy:\n%s", m)
	}

	if s.netns == "" {
		t.Skip("the outsider's part needs a second address in a network namespace, which needs root (CI runs as root)")
	}
	reply := s.outsiderRCPT(t, "someone@outside.test")
	if !strings.HasPrefix(reply, "553 ") {
		t.Errorf("an outsider relaying got %q, want 553", reply)
	}
	if local := s.outsiderRCPT(t, "test@e2e.test"); !strings.HasPrefix(local, "250 ") {
		t.Errorf("an outsider posting to the list got %q, want 250", local)
	}
}

// outsiderRCPT connects from outsiderIP and returns the reply to one RCPT.
func (s *system) outsiderRCPT(t *testing.T, rcpt string) string {
	_, port, _ := net.SplitHostPort(s.smtp)
	var reply string
	s.inNet(func() {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(outsiderIP)}, Timeout: 10 * time.Second}
		c, err := d.Dial("tcp", net.JoinHostPort(outsiderIP, port))
		if err != nil {
			reply = err.Error()
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		r := bufio.NewReader(c)
		for _, cmd := range []string{"", "HELO outside.test", "MAIL FROM:<spammer@outside.test>", "RCPT TO:<" + rcpt + ">"} {
			if cmd != "" {
				c.Write([]byte(cmd + "\r\n"))
			}
			if reply, err = r.ReadString('\n'); err != nil {
				return
			}
		}
	})
	return strings.TrimSpace(reply)
}

// copyExecutable copies a program where the system's user can run it.
func (s *system) copyExecutable(src, name string) string {
	b, err := os.ReadFile(src)
	if err != nil {
		s.t.Fatal(err)
	}
	dst := filepath.Join(s.dir, name)
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		s.t.Fatal(err)
	}
	s.chownAll()
	return dst
}
