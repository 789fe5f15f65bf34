package e2e

import (
	"bufio"
	"io"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestMakeRun runs scripts/run (what make run runs after building) from
// a copy of the tree holding just the script and the built programs, as
// the test's user and, when that is root, also as the ordinary user
// nobody. It sends a message over IPv4 and one over IPv6 to the invoking
// user, finds both in the Maildir the script names, and stops the system
// with Ctrl-C.
func TestMakeRun(t *testing.T) {
	users := []string{""}
	if os.Getuid() == 0 {
		users = append(users, "nobody")
	}
	for _, as := range users {
		name := as
		if name == "" {
			name = "self"
		}
		t.Run(name, func(t *testing.T) { runMakeRun(t, as) })
	}
}

func runMakeRun(t *testing.T, as string) {
	top, err := os.MkdirTemp("", "quail-make-run-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	os.Chmod(top, 0o755)
	os.MkdirAll(filepath.Join(top, "scripts"), 0o755)
	script, _ := os.ReadFile(filepath.Join(testenv.Root(), "scripts", "run"))
	os.WriteFile(filepath.Join(top, "scripts", "run"), script, 0o755)
	os.Symlink(testenv.BinDir(t), filepath.Join(top, "bin"))
	port := freePort(t)
	cmd := exec.Command(filepath.Join(top, "scripts", "run"))
	cmd.Env = append(testenv.Env("QMAILHOME", "RUNDIR", "PORT", "DNSCACHEIP"), "PORT="+port)
	me := currentUser(t)
	if as != "" {
		u, err := user.Lookup(as)
		if err != nil {
			t.Skipf("no user %s", as)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chown(top, uid, gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		me = as
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := bufio.NewReader(out)
	var maildir string
	deadline := time.Now().Add(2 * time.Minute)
	for maildir == "" && time.Now().Before(deadline) {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("make run ended early: %v", err)
		}
		if rest, ok := strings.CutPrefix(line, "It arrives in "); ok {
			maildir = strings.Fields(rest)[0]
		}
	}
	go io.Copy(io.Discard, lines)
	for _, host := range []string{"127.0.0.1", "::1"} {
		msg := "Subject: via " + host + "\r\n\r\nhello\r\n"
		if err := smtp.SendMail(net.JoinHostPort(host, port), nil, "tester@outside.test", []string{me + "@localhost"}, []byte(msg)); err != nil {
			t.Fatalf("SMTP to %s: %v", host, err)
		}
	}
	waitUntil(t, "both messages in "+maildir, time.Minute, func() bool {
		n, _ := filepath.Glob(filepath.Join(maildir, "*"))
		return len(n) == 2
	})
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		stopped = true
	case <-time.After(30 * time.Second):
		t.Error("make run did not stop within 30s of Ctrl-C")
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func currentUser(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
