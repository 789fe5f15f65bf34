// Package e2e tests quail as a whole mail system: tcpserver and
// qmail-smtpd on loopback, qmail-queue, qmail-send with its helpers,
// local delivery into Maildirs, mboxes and programs, and remote delivery
// to SMTP servers on loopback. Everything runs as one unprivileged user
// in a private home (qmail-install -u); when the tests run as root they
// run the system as the user nobody.
package e2e

import (
	"fmt"
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

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// system is one running mail system.
type system struct {
	t       testing.TB
	dir     string // everything lives below
	home    string // the qmail home
	uid     int
	gid     int
	env     []string
	netns   string    // a network namespace the network programs run in
	send    *exec.Cmd // qmail-start, which became qmail-send
	sendLog *testenv.SyncBuffer
	smtp    string // address of tcpserver + qmail-smtpd
}

// runAs is who the system runs as: the test's user, or nobody for root.
func runAs(t testing.TB) (int, int) {
	if os.Getuid() != 0 {
		return os.Getuid(), os.Getgid()
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("running as root without a user nobody to run the system as")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// newSystem makes a home with control files, users and their homes, and
// starts nothing yet. controls adds or replaces control files.
func newSystem(t testing.TB, controls map[string]string) *system {
	t.Helper()
	uid, gid := runAs(t)
	dir, err := os.MkdirTemp("", "quail-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	os.Chown(dir, uid, gid)
	dns := dnstest.Start(t)
	s := &system{t: t, dir: dir, home: filepath.Join(dir, "qmail"), uid: uid, gid: gid}
	s.env = append(testenv.Env("QMAILHOME", "QMAILQUEUE", "DNSCACHEIP", "RELAYCLIENT"),
		"QMAILHOME="+s.home, "DNSCACHEIP="+dns.Addr,
		"PATH="+filepath.Join(s.home, "bin")+":/usr/bin:/bin")
	s.must("qmail-install", "-u", s.home)
	s.linkPrograms()
	base := map[string]string{
		"me":               "e2e.test",
		"locals":           "e2e.test\nlocalhost",
		"rcpthosts":        "e2e.test\nlocalhost",
		"defaultdomain":    "e2e.test",
		"plusdomain":       "e2e.test",
		"concurrencylocal": "10",
	}
	for name, text := range controls {
		base[name] = text
	}
	for name, text := range base {
		s.write(filepath.Join("qmail", "control", name), text+"\n")
	}
	return s
}

// linkPrograms puts every built program into the home's bin, where
// qmail's programs find each other.
func (s *system) linkPrograms() {
	bins, _ := os.ReadDir(testenv.BinDir(s.t))
	for _, b := range bins {
		os.Symlink(filepath.Join(testenv.BinDir(s.t), b.Name()), filepath.Join(s.home, "bin", b.Name()))
	}
}

// write creates a file below dir, owned by the system's user.
func (s *system) write(rel, text string) string {
	path := filepath.Join(s.dir, rel)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.chownAll()
	return path
}

func (s *system) chownAll() {
	if os.Getuid() != 0 {
		return
	}
	filepath.Walk(s.dir, func(path string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(path, s.uid, s.gid)
		}
		return nil
	})
}

// command prepares a quail program run as the system's user.
func (s *system) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(testenv.BinDir(s.t), name), args...)
	cmd.Env = s.env
	cmd.Dir = s.dir
	if os.Getuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: uint32(s.uid), Gid: uint32(s.gid), Groups: []uint32{uint32(s.gid)}}}
	}
	return cmd
}

func (s *system) must(name string, args ...string) string {
	s.t.Helper()
	out, err := s.command(name, args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// addUser gives a local name an account under dir/home/<name> with the
// given .qmail files (name → contents, "" for .qmail itself).
func (s *system) addUser(name string, dotQmail map[string]string) string {
	home := filepath.Join(s.dir, "home", name)
	os.MkdirAll(home, 0o755)
	for ext, text := range dotQmail {
		file := ".qmail"
		if ext != "" {
			file += "-" + ext
		}
		os.WriteFile(filepath.Join(home, file), []byte(text), 0o644)
	}
	s.chownAll()
	return home
}

// assign writes users/assign from lines and compiles it with qmail-newu.
func (s *system) assign(lines ...string) {
	s.write("qmail/users/assign", strings.Join(lines, "\n")+"\n.\n")
	s.must("qmail-newu")
}

// exact and wild are users/assign lines for a name and a prefix.
func (s *system) exact(local, name string) string {
	return fmt.Sprintf("=%s:%s:%d:%d:%s:::", local, name, s.uid, s.gid, filepath.Join(s.dir, "home", name))
}

func (s *system) wild(prefix, name, dash string) string {
	return fmt.Sprintf("+%s:%s:%d:%d:%s:%s::", prefix, name, s.uid, s.gid, filepath.Join(s.dir, "home", name), dash)
}

// start runs qmail-start ./Maildir/ and tcpserver with qmail-smtpd.
func (s *system) start() {
	s.startSend()
	s.startSMTP()
}

func (s *system) startSend() {
	s.sendLog = &testenv.SyncBuffer{}
	s.send = s.netCommand("qmail-start", "./Maildir/")
	s.send.Stdout, s.send.Stderr = s.sendLog, s.sendLog
	if s.send.SysProcAttr == nil {
		s.send.SysProcAttr = &syscall.SysProcAttr{}
	}
	s.send.SysProcAttr.Pdeathsig = syscall.SIGKILL // a test binary that times out takes it along
	if err := s.send.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(s.stopSend)
}

// stopSend ends qmail-send with TERM and waits for it.
func (s *system) stopSend() {
	if s.send == nil || s.send.ProcessState != nil {
		return
	}
	s.send.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.send.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.send.Process.Kill()
		<-done
		s.t.Errorf("qmail-send did not exit within 30s of TERM; log:\n%s", s.sendLog)
	}
}

func (s *system) startSMTP() {
	rules := s.write("tcp.smtp", "127.:allow,RELAYCLIENT=\"\"\n:allow\n")
	s.compileRules(rules)
	host := "127.0.0.1"
	if s.netns != "" {
		host = "0" // outsiders come from another address of the namespace
	}
	cmd := s.netCommand("tcpserver", "-1", "-H", "-R", "-l", "e2e.test", "-x", rules+".cdb",
		host, "0", "qmail-smtpd")
	s.startServer(cmd)
}

// compileRules runs tcprules on a rules file, as tcprules rules.cdb
// rules.tmp < rules.
func (s *system) compileRules(rules string) {
	cmd := s.command("tcprules", rules+".cdb", rules+".tmp")
	in, err := os.Open(rules)
	if err != nil {
		s.t.Fatal(err)
	}
	defer in.Close()
	cmd.Stdin = in
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("tcprules: %v\n%s", err, out)
	}
}

// startServer starts a tcpserver command with -1 and learns its port.
func (s *system) startServer(cmd *exec.Cmd) {
	cmd.Stdin = strings.NewReader("")
	cmd.Stderr = os.Stderr
	port, _ := testenv.StartServer(s.t, cmd)
	s.smtp = net.JoinHostPort("127.0.0.1", port)
}

// mail sends one message through SMTP.
func (s *system) mail(from string, to []string, text string) error {
	var err error
	s.inNet(func() {
		err = smtp.SendMail(s.smtp, nil, from, to, []byte(strings.ReplaceAll(text, "\n", "\r\n")))
	})
	return err
}

// waitFor polls cond until it holds, for at most limit.
func (s *system) waitFor(what string, limit time.Duration, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("gave up waiting for %s after %v; qmail-send's log:\n%s", what, limit, s.sendLog)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// maildir returns the messages delivered to a Maildir, oldest first.
func maildir(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
	var out []string
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err == nil {
			out = append(out, string(b))
		}
	}
	return out
}
