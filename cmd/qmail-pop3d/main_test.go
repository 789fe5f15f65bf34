package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestUnderTCPServer runs qmail's POP3 server as sites do, on loopback:
// tcpserver, qmail-popup, a checkpassword stand-in, qmail-pop3d.
func TestUnderTCPServer(t *testing.T) {
	home, err := os.MkdirTemp("", "quail-pop3-") // not t.TempDir: its parent is 0700, closed to nobody
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	os.Chmod(home, 0o755)
	maildir := filepath.Join(home, "Maildir")
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		os.Mkdir(filepath.Join(maildir, sub), 0o700)
	}
	message := "Subject: hello\n\n.dotted\n"
	path := filepath.Join(maildir, "new", "1.2.host")
	os.WriteFile(path, []byte(message), 0o600)
	old := time.Now().Add(-time.Minute)
	os.Chtimes(path, old, old)
	// A checkpassword stand-in: the password "sesame" lets the user in,
	// in her home directory, as checkpassword would.
	checkpw := filepath.Join(home, "checkpw")
	os.WriteFile(checkpw, []byte("#!/bin/sh\n"+
		`[ "$(tr '\000' ' ' <&3 | cut -d' ' -f1,2)" = "alice sesame" ] || exit 1`+"\n"+
		"cd "+home+" && exec \"$@\"\n"), 0o755)
	args := []string{"-1", "-H", "-R", "-l", "pop.test"}
	if os.Getuid() == 0 { // qmail-pop3d refuses to run as root
		args = append(args, "-u", "65534", "-g", "65534")
		filepath.Walk(home, func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, 65534, 65534) })
	}
	args = append(args, "127.0.0.1", "0", testenv.Bin(t, "qmail-popup"), "pop.test", checkpw,
		testenv.Bin(t, "qmail-pop3d"), "Maildir")
	cmd := exec.Command(testenv.Bin(t, "tcpserver"), args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	port, _ := testenv.StartServer(t, cmd)

	talk := func(client string) string {
		conn, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		in := bufio.NewReader(conn)
		greeting, _ := in.ReadString('\n')
		if !strings.HasPrefix(greeting, "+OK <") || !strings.HasSuffix(greeting, "@pop.test>\r\n") {
			t.Fatalf("greeting %q", greeting)
		}
		io.WriteString(conn, client)
		rest, _ := io.ReadAll(in)
		return string(rest)
	}
	size := strconv.Itoa(len(message))
	if got := talk("USER alice\r\nPASS wrong\r\n"); got != "+OK \r\n-ERR authorization failed\r\n" {
		t.Errorf("wrong password: %q", got)
	}
	// QUIT moves the unread message from new/ to cur/.
	if got := talk("USER alice\r\nPASS sesame\r\nQUIT\r\n"); got != "+OK \r\n+OK \r\n+OK \r\n" {
		t.Errorf("login and QUIT: %q", got)
	}
	if _, err := os.Stat(filepath.Join(maildir, "cur", "1.2.host:2,")); err != nil {
		t.Errorf("the message did not move to cur/: %v", err)
	}
	want := "+OK \r\n+OK \r\n+OK 1 " + size + "\r\n+OK \r\nSubject: hello\r\n\r\n..dotted\r\n\r\n.\r\n+OK \r\n+OK \r\n"
	if got := talk("USER alice\r\nPASS sesame\r\nSTAT\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n"); got != want {
		t.Errorf("session:\n%q\nwant\n%q", got, want)
	}
	if entries, _ := os.ReadDir(filepath.Join(maildir, "cur")); len(entries) != 0 {
		t.Errorf("cur/ still holds %d messages after DELE and QUIT", len(entries))
	}
}

func TestRefusesRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("qmail-pop3d's refusal to run as root needs root to be seen")
	}
	out, err := exec.Command(testenv.Bin(t, "qmail-pop3d"), t.TempDir()).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || string(out) != "qmail-pop3d invoked as uid 0, terminating\n" {
		t.Errorf("as root: %v %q", err, out)
	}
}
