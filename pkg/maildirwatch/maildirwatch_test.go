package maildirwatch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/pkg/maildir"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// makeMaildir makes a maildir with files in new/ written age ago.
func makeMaildir(t *testing.T, files map[string]time.Duration, contents map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"tmp", "new", "cur"} {
		os.Mkdir(filepath.Join(dir, sub), 0o700)
	}
	for name, age := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(contents[name]), 0o600); err != nil {
			t.Fatal(err)
		}
		at := now.Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Example is the screen for the messages of TestScreen.
var Example = ClearScreen +
	"FROM <a@b> TO <me@here>\n\033[1mFrom: Alice <a@b>\033[0m\nHello there//first line/\n\n" +
	"FROM ? TO <?>\n/second/\n\n" +
	"FROM <x?y> TO <m?e>\n\033[1mFrom: x/ (folded)\033[0m\n" + "s//" + strings.Repeat("b", 155) + "\n\n"

func TestScreen(t *testing.T) {
	dir := makeMaildir(t, map[string]time.Duration{
		"new/2.msg":  time.Hour,
		"new/1.msg":  2 * time.Hour,
		"new/3.msg":  time.Minute,
		"new/.dot":   2 * time.Hour,
		"new/4.msg":  0, // modified this second: left for the next screen
		"cur/5.msg":  3 * time.Hour,
		"tmp/old":    37 * time.Hour,
		"tmp/recent": 35 * time.Hour,
	}, map[string]string{
		"new/1.msg": "Return-Path: <a@b>\nDelivered-To: me@here\nFrom: Alice <a@b>\nSubject: Hello there\n\nfirst line\n",
		"new/2.msg": "Return-Path:\nSubject:\n\nsecond\n",
		"new/3.msg": "Return-Path: <x\x01y>\nDelivered-To: m\xffe\nFrom: x\n (folded)\nSubject: s\n\n" + strings.Repeat("b", 300) + "\n",
	})
	var out bytes.Buffer
	if err := Screen(&out, dir, now); err != nil {
		t.Fatal(err)
	}
	if out.String() != Example {
		t.Fatalf("got  %q\nwant %q", out.String(), Example)
	}
	if _, err := os.Stat(filepath.Join(dir, "tmp/old")); !os.IsNotExist(err) {
		t.Error("tmp/old, unread for 37 hours, is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "tmp/recent")); err != nil {
		t.Errorf("tmp/recent was removed: %v", err)
	}
}

func TestScreenErrors(t *testing.T) {
	var out bytes.Buffer
	err := Screen(&out, t.TempDir(), now)
	var scan *maildir.ScanError
	if !errors.As(err, &scan) || scan.Error() != "unable to scan $MAILDIR/new: file does not exist" || out.Len() != 0 {
		t.Fatalf("%v, wrote %q", err, out.String())
	}
	dir := makeMaildir(t, map[string]time.Duration{"new/1": time.Hour}, nil)
	os.Remove(filepath.Join(dir, "new/1"))
	os.Mkdir(filepath.Join(dir, "new/1"), 0o700)
	os.Chtimes(filepath.Join(dir, "new/1"), now.Add(-time.Hour), now.Add(-time.Hour))
	out.Reset()
	if err := Screen(&out, dir, now); !errors.Is(err, ErrRead) {
		t.Fatalf("a directory in new/: %v", err)
	}
}
