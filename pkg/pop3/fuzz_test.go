package pop3

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func FuzzCommand(f *testing.F) {
	for _, seed := range []string{"USER alice\r\n", "pass  x y\r\n", "\r\n", "top 1 2\n", "a\x00b c\r\n", "no end"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c := newConn(strings.NewReader(in), &bytes.Buffer{})
		for {
			verb, arg, err := c.command()
			if err != nil {
				return
			}
			if strings.ContainsAny(verb, " \x00\n") || strings.HasPrefix(arg, " ") || len(verb)+len(arg) > maxLine {
				t.Fatalf("verb %q, arg %q from %q", verb, arg, in)
			}
		}
	})
}

// FuzzServe runs qmail-pop3d's dialogue on a small Maildir: whatever the
// client sends, every reply line ends in CR LF and nothing panics.
func FuzzServe(f *testing.F) {
	for _, seed := range []string{"STAT\r\nLIST\r\nRETR 1\r\nTOP 2 1\r\nDELE 1\r\nRSET\r\nUIDL\r\nLAST\r\n", "LIST 99999999999999999999999\r\n", "TOP 1 18446744073709551615\r\n"} {
		f.Add(seed)
	}
	dir := f.TempDir()
	for _, sub := range []string{"tmp", "new", "cur"} {
		os.Mkdir(filepath.Join(dir, sub), 0o700)
	}
	os.WriteFile(filepath.Join(dir, "cur", "1.a:2,S"), []byte("Subject: x\n\n.body\nend"), 0o600)
	os.WriteFile(filepath.Join(dir, "cur", "2.b:2,"), []byte("\n\n\n"), 0o600)
	for _, name := range []string{"cur/1.a:2,S", "cur/2.b:2,"} {
		os.Chtimes(filepath.Join(dir, name), now.Add(-time.Hour), now.Add(-time.Hour))
	}
	f.Fuzz(func(t *testing.T, client string) {
		if strings.Contains(strings.ToLower(client), "quit") {
			t.Skip("QUIT changes the Maildir the other inputs share")
		}
		t.Chdir(dir)
		var out bytes.Buffer
		Serve(strings.NewReader(client), &out, now)
		if text := out.String(); !strings.HasSuffix(text, "\r\n") || strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
			t.Fatalf("reply %q", text)
		}
	})
}
