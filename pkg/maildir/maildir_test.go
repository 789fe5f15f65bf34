package maildir

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func makeMaildir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "Maildir")
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDeliver(t *testing.T) {
	dir := makeMaildir(t)
	name, err := Deliver(dir, []byte("Return-Path: <a@b>\n"), strings.NewReader("Subject: x\n\nbody"), func() { t.Error("timed out") })
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(name, ".", 3)
	if len(parts) != 3 || parts[1] != strconv.Itoa(os.Getpid()) || parts[2] != hostname() {
		t.Errorf("name %q, want time.pid.host", name)
	}
	if sec, err := strconv.ParseInt(parts[0], 10, 64); err != nil || time.Since(time.Unix(sec, 0)) > time.Hour {
		t.Errorf("name %q does not start with the time", name)
	}
	got, err := os.ReadFile(filepath.Join(dir, "new", name))
	if err != nil || string(got) != "Return-Path: <a@b>\nSubject: x\n\nbody" {
		t.Errorf("delivered %q %v", got, err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Errorf("tmp/ still holds %v", left)
	}
}

func TestDeliverFailures(t *testing.T) {
	dir := makeMaildir(t)
	never := func() { t.Error("timed out") }
	if _, err := Deliver(filepath.Join(dir, "missing"), nil, strings.NewReader(""), never); !errors.Is(err, ErrDir) {
		t.Errorf("missing maildir: %v, want ErrDir", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Deliver(file, nil, strings.NewReader(""), never); !errors.Is(err, ErrDir) {
		t.Errorf("a file: %v, want ErrDir", err)
	}
	os.Remove(filepath.Join(dir, "new"))
	if _, err := Deliver(dir, nil, strings.NewReader("x"), never); !errors.Is(err, ErrWrite) {
		t.Errorf("no new/: %v, want ErrWrite", err)
	}
	os.Mkdir(filepath.Join(dir, "new"), 0o700)
	if _, err := Deliver(dir, nil, iotest.ErrReader(errors.New("boom")), never); !errors.Is(err, ErrRead) {
		t.Errorf("read error: %v, want ErrRead", err)
	}
	for _, sub := range []string{"tmp", "new"} {
		if left, _ := os.ReadDir(filepath.Join(dir, sub)); len(left) != 0 {
			t.Errorf("%s/ holds %v after failures", sub, left)
		}
	}
}

func TestScanAndClean(t *testing.T) {
	dir := makeMaildir(t)
	now := time.Now()
	files := map[string]time.Duration{
		"new/b":     -2 * time.Hour,
		"new/c":     -2 * time.Hour,
		"cur/z:2,":  -2 * time.Hour,
		"cur/a:2,S": -3 * time.Hour,
		"new/.x":    -4 * time.Hour,
		"new/fresh": time.Minute,
		"tmp/old":   -48 * time.Hour,
		"tmp/young": -time.Hour,
	}
	for name, age := range files {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(name), 0o600)
		os.Chtimes(path, now.Add(age), now.Add(age))
	}
	msgs, err := Scan(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	if names := messageNames(msgs); names != "cur/a:2,S cur/z:2, new/b new/c" {
		t.Errorf("Scan: %s, want the oldest first, by name within a second", names)
	}
	if msgs, err := ScanNew(dir, now); err != nil || messageNames(msgs) != "new/b new/c" {
		t.Errorf("ScanNew: %s, %v; want new/b new/c", messageNames(msgs), err)
	}
	Clean(dir, now)
	if _, err := os.Stat(filepath.Join(dir, "tmp", "old")); !os.IsNotExist(err) {
		t.Error("Clean kept a 48-hour-old tmp file")
	}
	if _, err := os.Stat(filepath.Join(dir, "tmp", "young")); err != nil {
		t.Error("Clean removed a recent tmp file")
	}
	os.RemoveAll(filepath.Join(dir, "cur"))
	var serr *ScanError
	if _, err := Scan(dir, now); !errors.As(err, &serr) || serr.Error() != "unable to scan $MAILDIR/cur: file does not exist" {
		t.Errorf("no cur/: %v", err)
	}
}

func BenchmarkDeliver(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "Maildir")
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		os.Mkdir(filepath.Join(dir, sub), 0o700)
	}
	msg := strings.Repeat("a line of a typical message body, about sixty bytes long\n", 80)
	for i := 0; b.Loop(); i++ {
		// One name per second and process: use a fresh directory
		// per delivery to measure the write, not the 2 s wait.
		sub := filepath.Join(dir, strconv.Itoa(i))
		for _, s := range []string{"", "tmp", "new"} {
			os.Mkdir(filepath.Join(sub, s), 0o700)
		}
		if _, err := Deliver(sub, []byte("Return-Path: <a@b>\n"), strings.NewReader(msg), func() {}); err != nil {
			b.Fatal(err)
		}
	}
}

func messageNames(msgs []Message) string {
	var names []string
	for _, m := range msgs {
		names = append(names, m.Name)
	}
	return strings.Join(names, " ")
}
