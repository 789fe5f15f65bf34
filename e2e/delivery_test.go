package e2e

import (
	"crypto/tls"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/smtptest"
	"github.com/quail-mta/quail/internal/testcert"
	"github.com/quail-mta/quail/internal/testenv"
)

// localSystem is a system with the local accounts the tests use:
// alice (the default ./Maildir/), bob (an mbox), carol (a program),
// dave (a forward to alice), list-* (an extension with -default) and a
// catch-all alias account whose only file is .qmail-postmaster.
func localSystem(t testing.TB, controls map[string]string) *system {
	s := newSystem(t, controls)
	s.addUser("alice", nil)
	s.addUser("bob", map[string]string{"": "./mbox\n"})
	s.addUser("carol", map[string]string{"": "|env > \"$HOME/env.$$\"; cat > \"$HOME/msg.$$\"\n"})
	s.addUser("dave", map[string]string{"": "&alice@e2e.test\n"})
	s.addUser("list", map[string]string{"default": "./Maildir/\n"})
	s.addUser("alias", map[string]string{"postmaster": "./Maildir/\n"})
	for _, name := range []string{"alice", "list", "alias"} {
		s.must("maildirmake", filepath.Join(s.dir, "home", name, "Maildir"))
	}
	s.assign(
		s.exact("alice", "alice"), s.exact("bob", "bob"), s.exact("carol", "carol"),
		s.exact("dave", "dave"), s.wild("list-", "list", "-"), s.wild("", "alias", "-"),
	)
	return s
}

func (s *system) homeFile(user, rel string) string {
	return filepath.Join(s.dir, "home", user, rel)
}

func TestLocalDeliveries(t *testing.T) {
	s := localSystem(t, nil)
	s.start()
	msg := "From: tester@outside.test\nSubject: e2e\n\nhello, world\n"
	for _, to := range []string{"alice@e2e.test", "bob@e2e.test", "carol@e2e.test", "dave@e2e.test", "list-news@e2e.test"} {
		if err := s.mail("tester@outside.test", []string{to}, msg); err != nil {
			t.Fatalf("sending to %s: %v", to, err)
		}
	}
	s.waitFor("alice's two messages (direct and forwarded)", time.Minute, func() bool {
		return len(maildir(s.homeFile("alice", "Maildir"))) == 2
	})
	for _, m := range maildir(s.homeFile("alice", "Maildir")) {
		if !strings.HasPrefix(m, "Return-Path: <tester@outside.test>\nDelivered-To: ") || !strings.HasSuffix(m, "\nhello, world\n") {
			t.Errorf("alice's Maildir message:\n%s", m)
		}
	}
	s.waitFor("bob's mbox", time.Minute, func() bool {
		b, _ := os.ReadFile(s.homeFile("bob", "mbox"))
		return strings.Contains(string(b), "hello, world")
	})
	mbox, _ := os.ReadFile(s.homeFile("bob", "mbox"))
	if !strings.HasPrefix(string(mbox), "From tester@outside.test ") {
		t.Errorf("bob's mbox does not start with a From_ line:\n%s", mbox)
	}
	s.waitFor("carol's program", time.Minute, func() bool {
		m, _ := filepath.Glob(s.homeFile("carol", "msg.*"))
		return len(m) == 1
	})
	envs, _ := filepath.Glob(s.homeFile("carol", "env.*"))
	env, _ := os.ReadFile(envs[0])
	for _, want := range []string{"RECIPIENT=carol@e2e.test", "SENDER=tester@outside.test", "LOCAL=carol", "HOST=e2e.test"} {
		if !strings.Contains(string(env), want+"\n") {
			t.Errorf("carol's program environment lacks %s", want)
		}
	}
	s.waitFor("the list's extension delivery", time.Minute, func() bool {
		return len(maildir(s.homeFile("list", "Maildir"))) == 1
	})
	if m := maildir(s.homeFile("list", "Maildir"))[0]; !strings.Contains(m, "Delivered-To: list-news@e2e.test\n") {
		t.Errorf("list's message:\n%s", m)
	}
}

func TestBounces(t *testing.T) {
	s := localSystem(t, nil)
	s.start()
	// An unknown user: the bounce goes back to alice.
	if err := s.mail("alice@e2e.test", []string{"nosuch@e2e.test"}, "Subject: lost\n\nto nobody\n"); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the bounce to alice", time.Minute, func() bool { return len(maildir(s.homeFile("alice", "Maildir"))) == 1 })
	bounce := maildir(s.homeFile("alice", "Maildir"))[0]
	for _, want := range []string{"Subject: failure notice", "<nosuch@e2e.test>:", "Sorry, no mailbox here by that name. (#5.1.1)", "Return-Path: <>"} {
		if !strings.Contains(bounce, want) {
			t.Errorf("bounce lacks %q:\n%s", want, bounce)
		}
	}
	// An unknown sender too: the bounce bounces, and postmaster gets it.
	if err := s.mail("ghost@e2e.test", []string{"nosuch@e2e.test"}, "Subject: lost\n\nto nobody\n"); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the double bounce to postmaster", time.Minute, func() bool { return len(maildir(s.homeFile("alias", "Maildir"))) == 1 })
	double := maildir(s.homeFile("alias", "Maildir"))[0]
	if !strings.Contains(double, "the bounce bounced") || !strings.Contains(double, "<ghost@e2e.test>:") {
		t.Errorf("double bounce:\n%s", double)
	}
}

func TestRemoteDeliveries(t *testing.T) {
	good := startSink(t, "250 ok")
	flaky := startSink(t, "451 try later", "250 ok")
	bad := startSink(t, "550 no such user")
	s := localSystem(t, map[string]string{"smtproutes": strings.Join([]string{
		"good.test:127.0.0.1:" + good.port(),
		"flaky.test:127.0.0.1:" + flaky.port(),
		"bad.test:127.0.0.1:" + bad.port(),
	}, "\n")})
	s.start()
	for _, to := range []string{"someone@good.test", "someone@flaky.test", "someone@bad.test"} {
		if err := s.mail("alice@e2e.test", []string{to}, "Subject: out\n\nto "+to+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	s.waitFor("delivery to good.test", time.Minute, func() bool { return len(good.Messages()) == 1 })
	if m := good.Messages()[0]; !strings.Contains(m, "to someone@good.test\r\n") || !strings.Contains(m, "Received: ") {
		t.Errorf("good.test got:\n%s", m)
	}
	s.waitFor("the first, deferred, attempt at flaky.test", time.Minute, func() bool {
		return strings.Contains(s.sendLog.String(), "deferral: ")
	})
	s.send.Process.Signal(syscall.SIGALRM) // retry now
	s.waitFor("the retry at flaky.test", time.Minute, func() bool { return len(flaky.Messages()) == 1 })
	s.waitFor("the bounce from bad.test", time.Minute, func() bool { return len(maildir(s.homeFile("alice", "Maildir"))) == 1 })
	if b := maildir(s.homeFile("alice", "Maildir"))[0]; !strings.Contains(b, "<someone@bad.test>:") || !strings.Contains(b, "550 no such user") {
		t.Errorf("bounce for bad.test:\n%s", b)
	}
}

// TestRemoteToSmtpSink delivers through smtproutes to Postfix's
// smtp-sink on loopback, which writes each transaction to a file.
func TestRemoteToSmtpSink(t *testing.T) {
	sinkBin := testenv.Tool(t, "smtp-sink")
	dump, err := os.MkdirTemp("", "quail-sink-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dump) })
	os.Chmod(dump, 0o777)
	port := freePort(t)
	args := []string{"-d", dump + "/%H%M%S.", "127.0.0.1:" + port, "10"}
	if os.Getuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	sink := exec.Command(sinkBin, args...)
	if err := sink.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Process.Kill(); sink.Wait() })
	s := localSystem(t, map[string]string{"smtproutes": "sink.test:127.0.0.1:" + port})
	s.start()
	if err := s.mail("alice@e2e.test", []string{"someone@sink.test"}, "Subject: to the sink\n\nhello sink\n"); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the message in smtp-sink's dump", time.Minute, func() bool {
		files, _ := filepath.Glob(filepath.Join(dump, "*"))
		return len(files) == 1
	})
	files, _ := filepath.Glob(filepath.Join(dump, "*"))
	got, _ := os.ReadFile(files[0])
	for _, want := range []string{"X-Mail-Args: <alice@e2e.test>", "X-Rcpt-Args: <someone@sink.test>", "Subject: to the sink", "hello sink"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("smtp-sink's file lacks %q:\n%s", want, got)
		}
	}
	s.waitFor("qmail-send's success line", time.Minute, func() bool {
		return strings.Contains(s.sendLog.String(), ": success: ")
	})
}

// TestSmarthostWithLogin: smtproutes sends a domain's mail to a relay with
// a user name and password; qmail-remote logs in over STARTTLS.
func TestSmarthostWithLogin(t *testing.T) {
	cert, _ := testcert.Server(t, "relay.test")
	relay := sink{smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{
		TLS:  &tls.Config{Certificates: []tls.Certificate{cert}},
		Auth: "PLAIN LOGIN", Users: map[string]string{"alice@isp.test": "open sesame"},
	})}
	s := localSystem(t, map[string]string{"smtproutes": "isp.test:127.0.0.1:" + relay.port() + " alice@isp.test open sesame"})
	s.start()
	if err := s.mail("alice@e2e.test", []string{"friend@isp.test"}, "Subject: via the smarthost\n\nhello\n"); err != nil {
		t.Fatal(err)
	}
	s.waitFor("delivery through the smarthost", time.Minute, func() bool { return len(relay.Messages()) == 1 })
	plain := "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00alice@isp.test\x00open sesame"))
	commands := strings.Join(relay.Commands(), "\n")
	if !strings.Contains(commands, "STARTTLS\nEHLO ") || !strings.Contains(commands, "\n"+plain+"\nMAIL FROM:<alice@e2e.test>") {
		t.Errorf("the relay saw:\n%s", commands)
	}
	if used := relay.UsedTLS(); len(used) != 1 || !used[0] {
		t.Errorf("message over TLS: %v", used)
	}
}
