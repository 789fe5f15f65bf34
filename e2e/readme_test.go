package e2e

import (
	"bufio"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// readmeBlock returns the shell block that follows the install-test
// marker in README.md.
func readmeBlock(t *testing.T) string {
	text, err := os.ReadFile(filepath.Join(testenv.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(text), "<!-- install-test")
	if !ok {
		t.Fatal("README.md has no install-test block")
	}
	_, rest, _ = strings.Cut(rest, "```sh\n")
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("the install-test block is not closed")
	}
	return block
}

// TestReadmeInstall follows the README as a new administrator would: the
// install block as written (with a temporary home for /var/qmail), then
// the rc script and the SMTP service line, and a message to postmaster
// that must reach the alias Maildir the block made.
func TestReadmeInstall(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the README's install runs as root (CI runs as root)")
	}
	home, err := os.MkdirTemp("", "quail-readme-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	os.Chmod(home, 0o755)
	block := strings.NewReplacer("/var/qmail", home, "/etc/tcp.smtp", home+"/etc-tcp.smtp",
		"mail.example.com", "readme.test").Replace(readmeBlock(t))
	install := exec.Command("sh", "-ex")
	install.Stdin = strings.NewReader(block)
	install.Dir = testenv.Root()
	dns := dnstest.Start(t)
	install.Env = append(testenv.Env("QMAILHOME", "DNSCACHEIP"), "DNSCACHEIP="+dns.Addr)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("the README's install block failed: %v\n%s", err, out)
	}

	rc := exec.Command("sh", filepath.Join(home, "rc"))
	rc.Dir = "/"
	rc.Env = install.Env
	if err := rc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Process.Signal(syscall.SIGTERM); rc.Wait() })

	// The service line of the README, on a free port of 127.0.0.1.
	smtpd := exec.Command(filepath.Join(home, "bin", "tcpserver"), "-v", "-R", "-c100",
		"-x", home+"/etc-tcp.smtp.cdb", "-u", "qmaild", "-g", "nofiles", "-1",
		"127.0.0.1", "0", filepath.Join(home, "bin", "qmail-smtpd"))
	smtpd.Env = install.Env
	out, _ := smtpd.StdoutPipe()
	if err := smtpd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtpd.Process.Kill(); smtpd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("tcpserver printed no port: %v", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strings.TrimSpace(port))
	if err := smtp.SendMail(addr, nil, "someone@outside.test", []string{"postmaster@readme.test"},
		[]byte("Subject: readme\r\n\r\nhello postmaster\r\n")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the message in alias/Maildir", time.Minute, func() bool {
		n, _ := filepath.Glob(filepath.Join(home, "alias", "Maildir", "new", "*"))
		return len(n) == 1
	})
}
