package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

func TestMaildirmake(t *testing.T) {
	bin := testenv.Bin(t, "maildirmake")
	dir := filepath.Join(t.TempDir(), "Maildir")
	if out, err := exec.Command(bin, dir).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		st, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v", sub, st.Mode(), err)
		}
	}
	cmd := exec.Command(bin, dir)
	out, _ := cmd.CombinedOutput()
	if want := "maildirmake: fatal: unable to mkdir " + dir + ": file already exists\n"; string(out) != want || cmd.ProcessState.ExitCode() != 111 {
		t.Errorf("second run: %q exit %d", out, cmd.ProcessState.ExitCode())
	}
	cmd = exec.Command(bin)
	out, _ = cmd.CombinedOutput()
	if string(out) != "maildirmake: usage: maildirmake name\n" || cmd.ProcessState.ExitCode() != 100 {
		t.Errorf("no argument: %q exit %d", out, cmd.ProcessState.ExitCode())
	}
}
