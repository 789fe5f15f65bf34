package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/hier"
)

// install builds a correct tree owned by the caller.
func install(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "qmail")
	source := func(e hier.Entry) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("x")), nil }
	for _, e := range hier.Entries() {
		if err := hier.Create(home, e, hier.OwnerIDs{Owner: os.Getuid()}, source); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func run(t *testing.T, home string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "qmail-instcheck"), args...)
	cmd.Env = []string{"QMAILHOME=" + home}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stderr.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), 0
}

func TestCorrectTreePasses(t *testing.T) {
	home := install(t)
	if out, code := run(t, home, "-u"); code != 0 || out != "" {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// TestBrokenModesNamed breaks one entry of each sort at a time (pkg/hier
// tests every entry).
func TestBrokenModesNamed(t *testing.T) {
	home := install(t)
	for _, p := range []string{"", "alias", "queue/mess/22", "queue/lock/tcpto", "queue/lock/trigger", "bin/qmail-queue", "boot/home"} {
		t.Run(p, func(t *testing.T) {
			var e hier.Entry
			for _, e = range hier.Entries() {
				if e.Path == p {
					break
				}
			}
			full := filepath.Join(home, e.Path)
			if err := os.Chmod(full, e.FileMode()^0o020); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(full, e.FileMode())
			want := "qmail-instcheck: warning: " + hier.Name(home, e) + " has wrong permissions\n"
			if out, code := run(t, home, "-u"); code != 111 || out != want {
				t.Fatalf("exit %d, said %q, want %q", code, out, want)
			}
		})
	}
}

func TestMissingAndFatal(t *testing.T) {
	home := install(t)
	os.Remove(filepath.Join(home, "queue/lock/trigger"))
	out, code := run(t, home, "-u")
	if want := "qmail-instcheck: warning: " + home + "/queue/lock/trigger does not exist\n"; code != 111 || out != want {
		t.Fatalf("exit %d, said %q, want %q", code, out, want)
	}
	os.RemoveAll(filepath.Join(home, "boot"))
	out, code = run(t, home, "-u")
	if code != 111 || !strings.HasSuffix(out, "qmail-instcheck: fatal: unable to switch to "+home+"/boot: file does not exist\n") {
		t.Fatalf("exit %d, said %q", code, out)
	}
}

func TestWithoutDashUNotRoot(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("as root the tree built here has the right owner only for root's entries")
	}
	home := install(t)
	out, code := run(t, home)
	// Without qmail's users on this machine the lookup is fatal;
	// with them, every entry has the wrong owner.
	if code != 111 || (!strings.Contains(out, "has wrong owner") && !strings.Contains(out, "fatal: unable to find user")) {
		t.Fatalf("exit %d, said %q", code, out)
	}
}

func TestUsage(t *testing.T) {
	if out, code := run(t, t.TempDir(), "-x"); code != 100 || !strings.Contains(out, "usage") {
		t.Fatalf("exit %d, said %q", code, out)
	}
}
