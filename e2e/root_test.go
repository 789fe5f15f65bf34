package e2e

import (
	"bufio"
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

// TestInstallAndRunAsRoot installs quail with make install and make
// setup into a temporary home, checks it with qmail-instcheck, starts it
// with qmail-start as root and checks that every process runs as the
// user qmail runs it as. CI runs as root; elsewhere it is skipped.
func TestInstallAndRunAsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to create qmail's users and switch to them (CI runs as root)")
	}
	home, err := os.MkdirTemp("", "quail-root-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	os.Chmod(home, 0o755)
	for _, target := range []string{"install", "setup"} {
		cmd := exec.Command("make", "-C", testenv.Root(), target, "QMAILHOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, out)
		}
	}
	if out, err := exec.Command(filepath.Join(home, "bin", "qmail-instcheck")).CombinedOutput(); err != nil {
		t.Fatalf("qmail-instcheck: %v\n%s", err, out)
	}
	qmailq := lookupUID(t, "qmailq")
	if fi, err := os.Stat(filepath.Join(home, "bin", "qmail-queue")); err != nil ||
		fi.Mode()&os.ModeSetuid == 0 || int(fi.Sys().(*syscall.Stat_t).Uid) != qmailq {
		t.Errorf("qmail-queue is not setuid qmailq: %v %v", fi.Mode(), err)
	}
	os.WriteFile(filepath.Join(home, "control", "me"), []byte("root.test\n"), 0o644)
	os.WriteFile(filepath.Join(home, "control", "locals"), []byte("root.test\n"), 0o644)

	cmd := exec.Command(filepath.Join(home, "bin", "qmail-start"), "./Maildir/", "cat")
	cmd.Env = append(testenv.Env("QMAILHOME"), "PATH="+filepath.Join(home, "bin")+":/usr/bin:/bin")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	// qmail-send logs its status line once it runs and talks to its helpers.
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "status: ") {
		t.Fatalf("first log line %q", line)
	}
	want := map[string]string{
		"qmail-send": "qmails", "qmail-lspawn": "root", "qmail-rspawn": "qmailr",
		"qmail-clean": "qmailq", "cat": "qmaill",
	}
	procs := processesUnder(cmd.Process.Pid)
	for name, userName := range want {
		uid, ok := procs[name]
		if !ok {
			t.Errorf("no process %s found (have %v)", name, procs)
			continue
		}
		if uid != lookupUID(t, userName) {
			t.Errorf("%s runs as uid %d, want %s", name, uid, userName)
		}
	}
}

func lookupUID(t *testing.T, name string) int {
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid
}

// processesUnder maps the command names of pid and its children (and
// the logger, a sibling started by the same qmail-start) to their uids.
func processesUnder(pid int) map[string]int {
	procs := map[string]int{}
	deadline := time.Now().Add(5 * time.Second)
	for len(procs) < 5 && time.Now().Before(deadline) {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			n, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			status, err := os.ReadFile("/proc/" + e.Name() + "/status")
			if err != nil {
				continue
			}
			name, ppid, uid := parseStatus(string(status))
			if n == pid || ppid == pid {
				procs[name] = uid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return procs
}

func parseStatus(status string) (name string, ppid, uid int) {
	for _, line := range strings.Split(status, "\n") {
		k, v, _ := strings.Cut(line, ":\t")
		switch k {
		case "Name":
			name = v
		case "PPid":
			ppid, _ = strconv.Atoi(v)
		case "Uid":
			uid, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	return name, ppid, uid
}
