package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/maildirwatch"
)

// TestOneScreen runs maildirwatch, reads its first screen and stops it
// before the second, 30 seconds later.
func TestOneScreen(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"tmp", "new", "cur"} {
		os.Mkdir(filepath.Join(dir, sub), 0o700)
	}
	msgs := map[string]string{
		"new/100.1.host": "Return-Path: <a@b>\nDelivered-To: me@here\nFrom: A <a@b>\nSubject: first\n\nhello\n",
		"new/200.2.host": "Subject: second\n\nbye\n",
	}
	for name, text := range msgs {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o600)
		age := time.Hour
		if strings.HasPrefix(name, "new/200") {
			age = time.Minute
		}
		os.Chtimes(p, time.Now().Add(-age), time.Now().Add(-age))
	}
	want := maildirwatch.ClearScreen +
		"FROM <a@b> TO <me@here>\n\033[1mFrom: A <a@b>\033[0m\nfirst//hello/\n\n" +
		"FROM ? TO <?>\nsecond//bye/\n\n"
	cmd := exec.Command(testenv.Bin(t, "maildirwatch"))
	cmd.Env = []string{"MAILDIR=" + dir}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(out, got); err != nil {
		t.Fatalf("read %q: %v", got, err)
	}
	if string(got) != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestFatal(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{nil, "maildirwatch: fatal: MAILDIR not set\n"},
		{[]string{"MAILDIR=/nonexistent/quail"}, "maildirwatch: fatal: unable to chdir to /nonexistent/quail: file does not exist\n"},
		{[]string{"MAILDIR=" + t.TempDir()}, "maildirwatch: fatal: unable to scan $MAILDIR/new: file does not exist\n"},
	} {
		cmd := exec.Command(testenv.Bin(t, "maildirwatch"))
		cmd.Env = tc.env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 111 || stderr.String() != tc.want {
			t.Errorf("%v: %v, said %q, want %q", tc.env, err, stderr.String(), tc.want)
		}
	}
}
