package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestDiskFullIs451 gives qmail-smtpd a queue on a small tmpfs and a
// message that does not fit: the client gets 451 and nothing, complete or
// partial, stays in the queue.
func TestDiskFullIs451(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a small tmpfs needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	home := filepath.Join(dir, "qmail")
	if out, err := exec.Command(testenv.Bin(t, "qmail-install"), "-u", home).CombinedOutput(); err != nil {
		t.Fatalf("qmail-install: %v %s", err, out)
	}
	os.Symlink(testenv.Bin(t, "qmail-queue"), filepath.Join(home, "bin", "qmail-queue"))
	os.WriteFile(filepath.Join(home, "control", "me"), []byte("full.test\n"), 0o644)
	os.WriteFile(filepath.Join(home, "control", "rcpthosts"), []byte("full.test\n"), 0o644)

	body := strings.Repeat(strings.Repeat("x", 76)+"\r\n", 16000) // about 1.2 MB
	cmd := exec.Command(testenv.Bin(t, "qmail-smtpd"))
	cmd.Env = append(testenv.Env("QMAILHOME", "QMAILQUEUE", "RELAYCLIENT"), "QMAILHOME="+home,
		"TCPREMOTEIP=127.0.0.1", "TCPLOCALIP=127.0.0.1", "TCPLOCALHOST=full.test")
	cmd.Stdin = strings.NewReader("HELO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<u@full.test>\r\nDATA\r\n" +
		body + ".\r\nQUIT\r\n")
	out, _ := cmd.Output()
	replies := strings.Split(strings.TrimSpace(string(out)), "\r\n")
	if len(replies) < 6 || replies[5] != "451 qq write error or disk full (#4.3.0)" {
		t.Errorf("replies:\n%s", out)
	}
	for _, pattern := range []string{"mess/*/*", "intd/*", "todo/*", "pid/*"} {
		if left, _ := filepath.Glob(filepath.Join(home, "queue", pattern)); len(left) != 0 {
			t.Errorf("left in the queue: %v", left)
		}
	}
}
