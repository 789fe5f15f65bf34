package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/mbox"
)

func run(t *testing.T, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "maildir2mbox"))
	cmd.Env = append(testenv.Env("MAIL", "MAILTMP", "MAILDIR"), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func TestMaildir2mbox(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "Maildir")
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		os.Mkdir(filepath.Join(md, sub), 0o700)
	}
	first, second := time.Unix(1795570618, 0), time.Unix(1795570700, 0)
	msgs := map[string]time.Time{
		"cur/2:2,S": second,
		"new/1":     first,
		"new/later": time.Now().Add(time.Hour),
	}
	texts := map[string]string{
		"cur/2:2,S": "Return-Path: <>\nSubject: bounce\n\nFrom me\n",
		"new/1":     "Return-Path: <alice@example.net>\nSubject: hi\n\nbody\n",
		"new/later": "not yet\n",
	}
	for name, mtime := range msgs {
		path := filepath.Join(md, name)
		os.WriteFile(path, []byte(texts[name]), 0o600)
		os.Chtimes(path, mtime, mtime)
	}
	mail := filepath.Join(dir, "mbox")
	os.WriteFile(mail, []byte("old mail\n\n"), 0o600)
	env := []string{"MAIL=" + mail, "MAILTMP=" + mail + ".tmp", "MAILDIR=" + md}
	if out, code := run(t, env...); code != 0 || out != "" {
		t.Fatalf("exit %d %q", code, out)
	}
	got, _ := os.ReadFile(mail)
	want := "old mail\n\n" +
		"From alice@example.net " + mbox.Ctime(first) + texts["new/1"] + "\n" +
		"From MAILER-DAEMON " + mbox.Ctime(second) + "Return-Path: <>\nSubject: bounce\n\n>From me\n\n"
	if string(got) != want {
		t.Errorf("mbox\n%q\nwant\n%q", got, want)
	}
	for name := range msgs {
		_, err := os.Stat(filepath.Join(md, name))
		if exists := err == nil; exists != (name == "new/later") {
			t.Errorf("%s exists: %v", name, exists)
		}
	}
	// Nothing old enough left: the mbox is not touched.
	os.Remove(mail)
	if out, code := run(t, env...); code != 0 || out != "" {
		t.Errorf("nothing to do: exit %d %q", code, out)
	}
	if _, err := os.Stat(mail); err == nil {
		t.Error("mbox created with nothing to move")
	}
}

func TestMaildir2mboxErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		env  []string
		want string
	}{
		{nil, "maildir2mbox: fatal: MAIL not set\n"},
		{[]string{"MAIL=x"}, "maildir2mbox: fatal: MAILTMP not set\n"},
		{[]string{"MAIL=x", "MAILTMP=y"}, "maildir2mbox: fatal: MAILDIR not set\n"},
		{[]string{"MAIL=x", "MAILTMP=y", "MAILDIR=" + dir + "/none"}, "maildir2mbox: fatal: unable to chdir to " + dir + "/none: file does not exist\n"},
		{[]string{"MAIL=x", "MAILTMP=y", "MAILDIR=" + dir}, "maildir2mbox: fatal: unable to scan $MAILDIR/new: file does not exist\n"},
	}
	for _, tt := range tests {
		if out, code := run(t, tt.env...); code != 111 || out != tt.want {
			t.Errorf("%q: exit %d %q, want 111 %q", tt.env, code, out, tt.want)
		}
	}
}
