package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/cdb"
)

func newu(t *testing.T, home string) (string, int) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "qmail-newu"))
	cmd.Env = append(testenv.Env("QMAILHOME"), "QMAILHOME="+home)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func TestNewu(t *testing.T) {
	home := t.TempDir()
	if out, code := newu(t, home+"/none"); code != 111 || out != "qmail-newu: fatal: unable to chdir\n" {
		t.Errorf("missing home: %d %q", code, out)
	}
	if out, code := newu(t, home); code != 111 || out != "qmail-newu: fatal: unable to open users/assign\n" {
		t.Errorf("no assign: %d %q", code, out)
	}
	os.Mkdir(filepath.Join(home, "users"), 0o755)
	assign := filepath.Join(home, "users", "assign")
	os.WriteFile(assign, []byte("=joe:joe:1:2:/home/joe:::\n"), 0o644)
	if out, code := newu(t, home); code != 111 || out != "qmail-newu: fatal: bad format in users/assign\n" {
		t.Errorf("no dot line: %d %q", code, out)
	}
	os.WriteFile(assign, []byte("=joe:joe:1:2:/home/joe:::\n+:alias:3:4:/a:-::\n.\n"), 0o644)
	if out, code := newu(t, home); code != 0 || out != "" {
		t.Fatalf("good assign: %d %q", code, out)
	}
	db, err := cdb.Open(filepath.Join(home, "users", "cdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if data, ok, _ := db.Get([]byte("!joe\x00")); !ok || string(data) != "joe\x001\x002\x00/home/joe\x00\x00" {
		t.Errorf("!joe: %q %v", data, ok)
	}
	if fi, _ := os.Stat(filepath.Join(home, "users", "cdb")); fi.Mode().Perm() != 0o644 {
		t.Errorf("users/cdb mode %v, want 0644 (umask 033)", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(home, "users", "cdb.tmp")); err == nil {
		t.Error("users/cdb.tmp left behind")
	}
}
