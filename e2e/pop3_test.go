package e2e

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestSMTPInPOP3Out: a message comes in over SMTP, lands in alice's
// Maildir, and she fetches and deletes it over POP3 through tcpserver,
// qmail-popup, a checkpassword stand-in and qmail-pop3d.
func TestSMTPInPOP3Out(t *testing.T) {
	s := localSystem(t, nil)
	s.start()
	if err := s.mail("tester@outside.test", []string{"alice@e2e.test"}, "Subject: by POP\n\n.hello over POP3\n"); err != nil {
		t.Fatal(err)
	}
	box := s.homeFile("alice", "Maildir")
	s.waitFor("the message in alice's Maildir", time.Minute, func() bool { return len(maildir(box)) == 1 })
	time.Sleep(1100 * time.Millisecond) // qmail-pop3d skips files of the current second

	checkpw := s.write("checkpw", "#!/bin/sh\n"+
		`[ "$(tr '\000' ' ' <&3 | cut -d' ' -f1,2)" = "alice open-sesame" ] || exit 1`+"\n"+
		"cd "+filepath.Dir(box)+" && exec \"$@\"\n")
	os.Chmod(checkpw, 0o755)
	s.chownAll()
	cmd := s.command("tcpserver", "-1", "-H", "-R", "-l", "e2e.test", "127.0.0.1", "0",
		"qmail-popup", "e2e.test", checkpw, "qmail-pop3d", "Maildir")
	cmd.Stderr = os.Stderr
	port, _ := testenv.StartServer(t, cmd)

	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	in := bufio.NewReader(conn)
	if greeting, _ := in.ReadString('\n'); !strings.HasPrefix(greeting, "+OK <") {
		t.Fatalf("greeting %q", greeting)
	}
	step := func(command string) string {
		io.WriteString(conn, command)
		line, _ := in.ReadString('\n')
		return line
	}
	for _, c := range []struct{ command, want string }{
		{"USER alice\r\n", "+OK \r\n"},
		{"PASS open-sesame\r\n", "+OK \r\n"},
		{"STAT\r\n", "+OK 1 "},
		{"RETR 1\r\n", "+OK \r\n"},
	} {
		if got := step(c.command); !strings.HasPrefix(got, c.want) {
			t.Fatalf("%q: %q, want %q", c.command, got, c.want)
		}
	}
	var message strings.Builder
	for {
		line, err := in.ReadString('\n')
		if err != nil || line == ".\r\n" {
			break
		}
		message.WriteString(line)
	}
	if m := message.String(); !strings.HasPrefix(m, "Return-Path: <tester@outside.test>\r\nDelivered-To: alice@e2e.test\r\n") ||
		!strings.HasSuffix(m, "Subject: by POP\r\n\r\n..hello over POP3\r\n\r\n") {
		t.Errorf("the message over POP3:\n%q", m)
	}
	for _, c := range []string{"DELE 1\r\n", "QUIT\r\n"} {
		if got := step(c); got != "+OK \r\n" {
			t.Fatalf("%q: %q", c, got)
		}
	}
	conn.Close()
	s.waitFor("the Maildir emptied by DELE and QUIT", 10*time.Second, func() bool {
		left, _ := filepath.Glob(filepath.Join(box, "*", "*"))
		return len(left) == 0
	})
}
