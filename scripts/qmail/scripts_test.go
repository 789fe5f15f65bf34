// Package qmail holds tests of qmail's mail-reader scripts in this
// directory (elq, pinq, qail), run as installed with quail's
// maildir2mbox.
package qmail

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestReaders: each script moves the Maildir's messages into the mbox
// and then runs its reader (here a stand-in that records its arguments
// and what the mbox holds by then).
func TestReaders(t *testing.T) {
	bin := filepath.Dir(testenv.Bin(t, "maildir2mbox"))
	for script, reader := range map[string]string{"elq": "elm", "pinq": "pine", "qail": "Mail"} {
		t.Run(script, func(t *testing.T) {
			home, dir := t.TempDir(), t.TempDir()
			if err := os.Symlink(bin, filepath.Join(home, "bin")); err != nil {
				t.Fatal(err)
			}
			text, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			installed := filepath.Join(dir, script)
			os.WriteFile(installed, []byte(strings.ReplaceAll(string(text), "QMAILHOME", home)), 0o755)
			readers := filepath.Join(dir, "readers")
			os.Mkdir(readers, 0o755)
			record := filepath.Join(dir, "record")
			stub := "#!/bin/sh\necho \"$@\" > " + record + "\ncat \"$MAIL\" >> " + record + "\n"
			os.WriteFile(filepath.Join(readers, reader), []byte(stub), 0o755)

			maildir := filepath.Join(dir, "Maildir")
			for _, sub := range []string{"tmp", "new", "cur"} {
				os.MkdirAll(filepath.Join(maildir, sub), 0o700)
			}
			msg := "Return-Path: <a@b.test>\nSubject: hello\n\nbody\n"
			path := filepath.Join(maildir, "new", "1.2.host")
			os.WriteFile(path, []byte(msg), 0o600)
			past := time.Now().Add(-time.Hour) // maildir2mbox leaves this second's messages
			os.Chtimes(path, past, past)
			cmd := exec.Command(installed, "-f", "x y")
			cmd.Env = []string{"PATH=" + readers + ":/usr/bin:/bin", "MAILDIR=" + maildir,
				"MAIL=" + filepath.Join(dir, "mbox"), "MAILTMP=" + filepath.Join(dir, "mbox.tmp")}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", script, err, out)
			}
			got, _ := os.ReadFile(record)
			if !strings.HasPrefix(string(got), "-f x y\nFrom a@b.test ") || !strings.Contains(string(got), "Subject: hello\n\nbody\n") {
				t.Errorf("%s ran %s with the mbox as %q", script, reader, got)
			}
			if left, _ := os.ReadDir(filepath.Join(maildir, "new")); len(left) != 0 {
				t.Errorf("%d messages left in the Maildir", len(left))
			}
		})
	}
}
