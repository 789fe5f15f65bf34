package main

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestGetpw checks the program's plumbing; the rule itself is tested in
// pkg/users with a made-up passwd database.
func TestGetpw(t *testing.T) {
	bin := testenv.Bin(t, "qmail-getpw")
	err := exec.Command(bin).Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 100 {
		t.Errorf("no argument: %v, want exit 100", err)
	}
	// root is never a recipient, so "root" goes to the alias user, or
	// fails with 116 on a machine without one.
	out, err := exec.Command(bin, "root").Output()
	switch {
	case errors.As(err, &exit):
		if exit.ExitCode() != 116 {
			t.Errorf("root: exit %d, want 0 or 116", exit.ExitCode())
		}
	case err != nil:
		t.Fatal(err)
	default:
		if want := "\x00-\x00root\x00"; len(out) < len(want) || string(out[len(out)-len(want):]) != want || string(out[:6]) != "alias\x00" {
			t.Errorf("root: %q, want the alias user with ext root", out)
		}
	}
}
