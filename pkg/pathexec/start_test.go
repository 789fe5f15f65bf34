package pathexec

import (
	"errors"
	"os"
	"syscall"
	"testing"
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
	t.Setenv("PATH", "/nonexistent")
	if _, err := Start([]string{"true"}, attr); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("a name not in $PATH: %v, want ENOENT", err)
	}
}
