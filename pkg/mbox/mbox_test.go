package mbox

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

func TestCtime(t *testing.T) {
	tests := map[int64]string{
		0:          "Thu Jan 01 00:00:00 1970\n",
		1795570618: "Wed Nov 25 01:36:58 2026\n",
	}
	for sec, want := range tests {
		if got := Ctime(time.Unix(sec, 0)); got != want {
			t.Errorf("%d: %q, want %q", sec, got, want)
		}
	}
}

func TestCopyQuoted(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a\n", "a\n"},
		{"no newline", "no newline\n"},
		{"From x\n>From y\n>>From z\nFrom\nFromage\n From x\n", ">From x\n>>From y\n>>>From z\nFrom\nFromage\n From x\n"},
		{"From " + strings.Repeat("x", 9000) + "\nFrom y", ">From " + strings.Repeat("x", 9000) + "\n>From y\n"},
		{strings.Repeat("y", 5000) + "From \nFrom ", strings.Repeat("y", 5000) + "From \n>From \n"},
		{strings.Repeat(">", 70000) + "From x\n>", ">" + strings.Repeat(">", 70000) + "From x\n>\n"},
		{strings.Repeat(">", 70000) + "Frog\n", strings.Repeat(">", 70000) + "Frog\n"},
		{strings.Repeat("z", 200000), strings.Repeat("z", 200000) + "\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		w := bufio.NewWriter(&b)
		if err := CopyQuoted(w, strings.NewReader(tt.in)); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if b.String() != tt.want {
			t.Errorf("%.40q: got %.60q, want %.60q", tt.in, b.String(), tt.want)
		}
	}
}

func TestAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	for i := 0; i < 2; i++ {
		if err := Append(path, []byte("From a b\n"), strings.NewReader("From me\nbody"), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	if want := strings.Repeat("From a b\n>From me\nbody\n\n", 2); string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("mode %v, want no group or other bits", fi.Mode())
	}
}

func TestAppendWaitsForTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	holder, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_EX); err != nil {
		t.Skipf("no flock on this filesystem: %v", err)
	}
	err = Append(path, nil, strings.NewReader("x\n"), 50*time.Millisecond)
	if !errors.Is(err, ErrLocked) {
		t.Errorf("locked mailbox: %v, want ErrLocked", err)
	}
	syscall.Flock(int(holder.Fd()), syscall.LOCK_UN)
	if err := Append(path, nil, strings.NewReader("x\n"), time.Second); err != nil {
		t.Errorf("after unlock: %v", err)
	}
}

func TestAppendOpenError(t *testing.T) {
	var oerr *OpenError
	if err := Append(filepath.Join(t.TempDir(), "no", "mbox"), nil, strings.NewReader(""), time.Second); !errors.As(err, &oerr) {
		t.Errorf("missing directory: %v, want OpenError", err)
	}
}

func FuzzCopyQuoted(f *testing.F) {
	f.Add([]byte("From x\n>From y\nz"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var b strings.Builder
		w := bufio.NewWriter(&b)
		// A tiny reader buffer makes lines cross buffer boundaries.
		if err := CopyQuoted(w, iotest.OneByteReader(strings.NewReader(string(in)))); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		out := b.String()
		if want := quoteWholeLines(string(in)); out != want {
			t.Fatalf("%q: got %q, want %q", in, out, want)
		}
		if len(in) > 0 && !strings.HasSuffix(out, "\n") {
			t.Fatalf("output %q does not end in a newline", out)
		}
		for _, line := range strings.SplitAfter(out, "\n") {
			if NeedsQuote([]byte(strings.TrimPrefix(line, ">"))) && !strings.HasPrefix(line, ">") {
				t.Fatalf("unquoted separator %q", line)
			}
		}
	})
}

func TestCopyFromMaildir(t *testing.T) {
	when := time.Unix(1795570618, 0)
	date := "Wed Nov 25 01:36:58 2026\n"
	tests := []struct{ in, want string }{
		{"Return-Path: <alice@example.net>\nFrom x\n\nbody\n", "From alice@example.net " + date + "Return-Path: <alice@example.net>\n>From x\n\nbody\n\n"},
		{"Return-Path: <>\nx\n", "From MAILER-DAEMON " + date + "Return-Path: <>\nx\n\n"},
		{"Return-Path: <a b\tc@d>\nx\n", "From a-b-c@d " + date + "Return-Path: <a b\tc@d>\nx\n\n"},
		{"Subject: no return path\n\nx\n", "From XXX " + date + "Subject: no return path\n\nx\n\n"},
		{"Return-Path: <a@b>", "From XXX " + date + "\n"},
		// qmail's maildir2mbox leaves out a last line without a newline.
		{"Return-Path: <a@b>\nbody\npartial", "From a@b " + date + "Return-Path: <a@b>\nbody\n\n"},
		{"", "From XXX " + date + "\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		w := bufio.NewWriter(&b)
		if err := CopyFromMaildir(w, strings.NewReader(tt.in), when); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if b.String() != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

// quoteWholeLines is the obvious line-at-a-time version of CopyQuoted.
func quoteWholeLines(in string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(in, "\n") {
		if line == "" {
			continue
		}
		if NeedsQuote([]byte(line)) {
			b.WriteByte('>')
		}
		b.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
