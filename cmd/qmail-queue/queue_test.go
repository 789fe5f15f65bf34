package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// newHome makes a private home with qmail-install -u.
func newHome(t testing.TB, dir string) string {
	t.Helper()
	out, err := exec.Command(testenv.Bin(t, "qmail-install"), "-u", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("qmail-install: %v\n%s", err, out)
	}
	return dir
}

// start runs qmail-queue on home and returns it with its message and
// envelope pipes.
func start(t *testing.T, home string) (*exec.Cmd, *os.File, *os.File) {
	t.Helper()
	msgR, msgW, _ := os.Pipe()
	envR, envW, _ := os.Pipe()
	cmd := exec.Command(testenv.Bin(t, "qmail-queue"))
	cmd.Env = append(testenv.Env("QMAILHOME"), "QMAILHOME="+home)
	cmd.Stdin, cmd.Stdout = msgR, envR
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	msgR.Close()
	envR.Close()
	return cmd, msgW, envW
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws := exit.Sys().(syscall.WaitStatus); ws.Signaled() {
			return -1
		}
		return exit.ExitCode()
	}
	if err != nil {
		return -2
	}
	return 0
}

func TestQueueAndTrigger(t *testing.T) {
	home := newHome(t, t.TempDir())
	trigger, err := os.OpenFile(filepath.Join(home, "queue/lock/trigger"), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer trigger.Close()
	cmd, msg, env := start(t, home)
	msg.WriteString("Subject: test\n\nhello\n")
	msg.Close()
	env.WriteString("Fme@here\x00Tyou@there\x00\x00")
	env.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("qmail-queue: %v", err)
	}
	todo, _ := filepath.Glob(filepath.Join(home, "queue/todo/*"))
	if len(todo) != 1 {
		t.Fatalf("todo: %v", todo)
	}
	got, _ := os.ReadFile(todo[0])
	want := fmt.Sprintf("u%d\x00p%d\x00Fme@here\x00Tyou@there\x00", os.Getuid(), cmd.Process.Pid)
	if string(got) != want {
		t.Errorf("todo %q, want %q", got, want)
	}
	b := make([]byte, 4)
	if n, _ := trigger.Read(b); n != 1 || b[0] != 0 {
		t.Errorf("trigger got %q, want one NUL", b[:n])
	}
}

func TestUnknownHomeIsExit61(t *testing.T) {
	cmd, msg, env := start(t, filepath.Join(t.TempDir(), "none"))
	msg.Close()
	env.Close()
	if code := exitCode(cmd.Wait()); code != 61 {
		t.Errorf("exit %d, want 61", code)
	}
}

// TestCrashSafety kills qmail-queue at random instants: whatever it
// left in todo/ is complete, and every run that exited 0 is in todo/.
func TestCrashSafety(t *testing.T) {
	runs := 300
	if testing.Short() {
		runs = 50
	}
	home := newHome(t, t.TempDir())
	body := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 2048)
	exited := map[int]bool{}
	killed := 0
	for i := 0; i < runs; i++ {
		cmd, msg, env := start(t, home)
		done := make(chan error, 1)
		go func() {
			msg.WriteString(body)
			msg.Close()
			env.WriteString("Fa@b\x00Tc@d\x00Te@f\x00\x00")
			env.Close()
		}()
		go func() { done <- cmd.Wait() }()
		delay := time.Duration(rand.IntN(4000)) * time.Microsecond
		select {
		case err := <-done:
			if exitCode(err) == 0 {
				exited[cmd.Process.Pid] = true
			}
			continue
		case <-time.After(delay):
		}
		cmd.Process.Signal(syscall.SIGKILL)
		if err := <-done; exitCode(err) == 0 {
			exited[cmd.Process.Pid] = true
		} else {
			killed++
		}
	}
	inTodo := checkTodo(t, home, body)
	for pid := range exited {
		if !inTodo[pid] {
			t.Errorf("qmail-queue %d exited 0 but its message is not in todo", pid)
		}
	}
	t.Logf("%d runs: %d killed before exiting, %d exited 0, %d complete messages in todo", runs, killed, len(exited), len(inTodo))
	if killed == 0 {
		t.Log("no run was killed before it finished; the delays were too long for this machine")
	}
}

// checkTodo verifies every todo entry is a complete envelope whose
// message is complete, and returns the pids of their qmail-queues.
func checkTodo(t *testing.T, home, body string) map[int]bool {
	pids := map[int]bool{}
	todo, _ := filepath.Glob(filepath.Join(home, "queue/todo/*"))
	for _, path := range todo {
		env, _ := os.ReadFile(path)
		fields := bytes.Split(env, []byte{0})
		if len(fields) != 6 || string(fields[2]) != "Fa@b" || string(fields[3]) != "Tc@d" || string(fields[4]) != "Te@f" {
			t.Errorf("%s: incomplete envelope %q", path, env)
			continue
		}
		pid, _ := strconv.Atoi(string(fields[1][1:]))
		pids[pid] = true
		id, _ := strconv.Atoi(filepath.Base(path))
		mess, err := os.ReadFile(filepath.Join(home, "queue/mess", strconv.Itoa(id%23), strconv.Itoa(id)))
		if err != nil || !strings.HasSuffix(string(mess), "\n"+body) || !strings.HasPrefix(string(mess), "Received: (qmail "+strconv.Itoa(pid)+" invoked ") {
			t.Errorf("%s: message incomplete (%d bytes, %v)", path, len(mess), err)
		}
	}
	return pids
}

// TestDiskFull fills a small tmpfs: qmail-queue exits 53 and leaves no
// partial message behind.
func TestDiskFull(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a small tmpfs needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		if testenv.InCI() {
			t.Fatalf("mount tmpfs: %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	home := newHome(t, filepath.Join(dir, "home"))
	cmd, msg, env := start(t, home)
	go func() {
		msg.WriteString(strings.Repeat("x", 1<<20))
		msg.Close()
		env.WriteString("Fa@b\x00Tc@d\x00\x00")
		env.Close()
	}()
	if code := exitCode(cmd.Wait()); code != 53 {
		t.Errorf("exit %d, want 53", code)
	}
	for _, pattern := range []string{"mess/*/*", "intd/*", "todo/*", "pid/*"} {
		if left, _ := filepath.Glob(filepath.Join(home, "queue", pattern)); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
	}
}
