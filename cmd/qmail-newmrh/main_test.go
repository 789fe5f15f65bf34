package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/cdb"
)

func newmrh(t *testing.T, home string) (string, int) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "qmail-newmrh"))
	cmd.Env = []string{"QMAILHOME=" + home}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return stderr.String(), exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), 0
}

func TestBuildsTheDatabase(t *testing.T) {
	home := t.TempDir()
	control := filepath.Join(home, "control")
	os.Mkdir(control, 0o755)
	text := "More.Example\n# a comment\n\n   \nsub.example.NET \t\n.wild.example\ncr.example\r\nlast.example"
	os.WriteFile(filepath.Join(control, "morercpthosts"), []byte(text), 0o644)
	if stderr, code := newmrh(t, home); code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	db, err := cdb.Open(filepath.Join(control, "morercpthosts.cdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	for rec, err := range db.All() {
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Data) != 0 {
			t.Errorf("key %q has data %q", rec.Key, rec.Data)
		}
		keys = append(keys, string(rec.Key))
	}
	want := []string{"more.example", "sub.example.net", ".wild.example", "cr.example\r", "last.example"}
	if len(keys) != len(want) {
		t.Fatalf("keys %q, want %q", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Errorf("key %d = %q, want %q", i, keys[i], want[i])
		}
	}
	if _, err := os.Stat(filepath.Join(control, "morercpthosts.tmp")); err == nil {
		t.Error("the temporary file was left behind")
	}
	if st, _ := os.Stat(filepath.Join(control, "morercpthosts.cdb")); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestMissingSource(t *testing.T) {
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, "control"), 0o755)
	stderr, code := newmrh(t, home)
	want := "qmail-newmrh: fatal: unable to read control/morercpthosts: file does not exist\n"
	if code != 111 || stderr != want {
		t.Errorf("exit %d, %q; want 111, %q", code, stderr, want)
	}
}

func TestMissingHome(t *testing.T) {
	home := filepath.Join(t.TempDir(), "nowhere")
	stderr, code := newmrh(t, home)
	want := "qmail-newmrh: fatal: unable to chdir to " + home + ": file does not exist\n"
	if code != 111 || stderr != want {
		t.Errorf("exit %d, %q; want 111, %q", code, stderr, want)
	}
}

func TestUnwritableControl(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into a read-only directory anyway")
	}
	home := t.TempDir()
	control := filepath.Join(home, "control")
	os.Mkdir(control, 0o755)
	os.WriteFile(filepath.Join(control, "morercpthosts"), []byte("a.example\n"), 0o644)
	os.Chmod(control, 0o555)
	defer os.Chmod(control, 0o755)
	stderr, code := newmrh(t, home)
	want := "qmail-newmrh: fatal: unable to write to control/morercpthosts.tmp: access denied\n"
	if code != 111 || stderr != want {
		t.Errorf("exit %d, %q; want 111, %q", code, stderr, want)
	}
}
