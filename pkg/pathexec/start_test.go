package pathexec

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestStartAndWait(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	attr := &syscall.ProcAttr{Env: []string{"PATH=/usr/bin:/bin"}, Files: []uintptr{null.Fd(), null.Fd(), 2}}
	for _, c := range []struct {
		argv []string
		code int
	}{
		{[]string{"true"}, 0}, // found in $PATH, as execvp would
		{[]string{"/bin/sh", "-c", "exit 7"}, 7},
		{[]string{"/bin/sh", "-c", "sleep 0.2; exit 3"}, 3}, // Wait before the end
		{[]string{"/bin/sh", "-c", "kill $$"}, -1},          // a signal: no exit code
	} {
		pid, err := Start(c.argv, attr)
		if err != nil {
			t.Fatalf("Start(%q): %v", c.argv, err)
		}
		status, err := Wait(pid)
		if err != nil || status.ExitStatus() != c.code {
			t.Errorf("%q: status %v, %v; want exit %d", c.argv, status, err, c.code)
		}
	}
	pid, err := Start([]string{"/bin/sh", "-c", "exit 5"}, attr)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // ended (a zombie) before Wait
	if status, err := Wait(pid); err != nil || status.ExitStatus() != 5 {
		t.Errorf("a child ended before Wait: status %v, %v; want exit 5", status, err)
	}
	if _, err := Wait(pid); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("Wait again: %v, want ECHILD", err)
	}
	if _, polled, err := waitPolled(os.Getpid()); !polled || !errors.Is(err, syscall.ECHILD) {
		t.Errorf("waitPolled(own pid): polled %v, %v; want a pidfd and ECHILD", polled, err)
	}
	t.Setenv("PATH", "/nonexistent")
	if _, err := Start([]string{"true"}, attr); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("a name not in $PATH: %v, want ENOENT", err)
	}
}

func TestWaitLimit(t *testing.T) {
	attr := &syscall.ProcAttr{Env: []string{"PATH=/usr/bin:/bin"}, Files: []uintptr{0, 1, 2}}
	for _, c := range []struct {
		script  string
		expired bool
		code    int
	}{
		{"exit 4", false, 4},
		{"kill -9 $$", false, -1}, // killed by someone else: not the limit
		{"exec sleep 30", true, -1},
	} {
		pid, err := Start([]string{"/bin/sh", "-c", c.script}, attr)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		status, expired, err := WaitLimit(pid, 300*time.Millisecond)
		if err != nil || expired != c.expired || status.ExitStatus() != c.code {
			t.Errorf("%q: status %v, expired %v, %v; want exit %d, expired %v", c.script, status, expired, err, c.code, c.expired)
		}
		if c.expired && time.Since(start) > 20*time.Second {
			t.Errorf("%q: WaitLimit returned after %v, not at the limit", c.script, time.Since(start))
		}
	}
}
