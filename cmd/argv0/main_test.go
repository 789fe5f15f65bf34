package main

import (
	"os/exec"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestSetsArgv0: the kernel's record of the program's arguments starts
// with the name given, not the file run.
func TestSetsArgv0(t *testing.T) {
	bin := testenv.Bin(t, "argv0")
	out, err := exec.Command(bin, "cat", "fancy-name", "/proc/self/cmdline").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "fancy-name\x00/proc/self/cmdline\x00" {
		t.Errorf("cmdline %q", out)
	}
	out, err = exec.Command(bin, "sh", "other", "-c", `echo "$0"`).Output()
	if err != nil || string(out) != "other\n" {
		t.Errorf("sh saw $0 = %q, %v", out, err)
	}
}

// TestErrorsAsOriginal compares usage and failure with Debian's argv0.
func TestErrorsAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp", "argv0")
	bin := testenv.Bin(t, "argv0")
	for _, args := range [][]string{{}, {"sh"}, {"./no/such", "x"}, {"no-such-program-anywhere", "x"}, {"/etc/passwd", "x"}} {
		want, wantErr := exec.Command(ref, args...).CombinedOutput()
		got, err := exec.Command(bin, args...).CombinedOutput()
		if string(got) != string(want) || err.Error() != wantErr.Error() {
			t.Errorf("argv0 %q: quail %v %q, C %v %q", args, err, got, wantErr, want)
		}
	}
}
