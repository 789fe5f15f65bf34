package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestThroughInject runs the built mailsubj with the built qmail-inject:
// the recipients, written space-separated into To, become two recipients.
func TestThroughInject(t *testing.T) {
	home, capture := t.TempDir(), t.TempDir()
	os.Mkdir(filepath.Join(home, "bin"), 0o755)
	os.Mkdir(filepath.Join(home, "control"), 0o755)
	os.WriteFile(filepath.Join(home, "control", "me"), []byte("mx.example.com\n"), 0o644)
	if err := os.Symlink(testenv.Bin(t, "qmail-inject"), filepath.Join(home, "bin", "qmail-inject")); err != nil {
		t.Fatal(err)
	}
	queue := filepath.Join(home, "bin", "queue")
	os.WriteFile(queue, []byte("#!/bin/sh\ncat > "+capture+"/message\ncat <&1 > "+capture+"/envelope\n"), 0o755)

	cmd := exec.Command(testenv.Bin(t, "mailsubj"), "disk full", "root", "ops@example.org")
	cmd.Env = []string{"QMAILHOME=" + home, "QMAILQUEUE=" + queue, "USER=cron"}
	cmd.Stdin = strings.NewReader("/var is at 99%\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	env, _ := os.ReadFile(filepath.Join(capture, "envelope"))
	if want := "Fcron@mx.example.com\x00Tops@example.org\x00Troot@mx.example.com\x00\x00"; string(env) != want {
		t.Errorf("envelope %q, want %q", env, want)
	}
	msg, _ := os.ReadFile(filepath.Join(capture, "message"))
	if !strings.Contains(string(msg), "\nSubject: disk full\nTo: root@mx.example.com, ops@example.org\n\n/var is at 99%\n") {
		t.Errorf("message:\n%s", msg)
	}
}
