package qbiff

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNotice(t *testing.T) {
	tests := []struct {
		name, local, sender, msg, want string
	}{
		{"subject and body", "joe", "a@b", "Subject: Hello\nTo: joe\n\nfirst line\nsecond\n",
			"\r\n\a*** TO <joe> FROM <a@b>\r\n    Hello//first line/second/\r\n"},
		{"no subject", "joe-ext", "", "To: joe\n\nbody\n",
			"\r\n\a*** TO <joe-ext> FROM <>\r\n    /body/\r\n"},
		{"non-printables in names", "j\x01oe", "a\xffb", "\n",
			"\r\n\a*** TO <j_oe> FROM <a_b>\r\n    /\r\n"},
		{"cut at 78", "u", "s", "Subject: " + strings.Repeat("x", 100) + "\n\nbody\n",
			"\r\n\a*** TO <u> FROM <s>\r\n    " + strings.Repeat("x", 74) + "\r\n"},
		{"folded subject", "u", "s", "Subject: a\n\tb\n\n",
			"\r\n\a*** TO <u> FROM <s>\r\n    a/\tb//\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Notice(tc.local, tc.sender, strings.NewReader(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tc.want, "\t", "/")
			if string(got) != want {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
	}
}

// utmpRecord is a Linux struct utmp for a login.
func utmpRecord(kind uint16, line, user string) []byte {
	rec := make([]byte, utmpSize)
	binary.NativeEndian.PutUint16(rec, kind)
	copy(rec[utmpLineOff:], line)
	copy(rec[utmpUserOff:], user)
	return rec
}

func TestTerminals(t *testing.T) {
	var utmp bytes.Buffer
	utmp.Write(utmpRecord(userProcess, "pts/3", "joe"))
	utmp.Write(utmpRecord(userProcess, "tty1", "bill"))
	utmp.Write(utmpRecord(8, "pts/4", "joe")) // a dead process
	utmp.Write(utmpRecord(userProcess, "tty2", "joe"))
	utmp.Write(utmpRecord(userProcess, "tty5", "joey"))
	utmp.Write([]byte("partial record"))
	got := Terminals(&utmp, "joe")
	if strings.Join(got, ",") != "pts/3,tty2" {
		t.Fatalf("got %q", got)
	}
}

func TestNotify(t *testing.T) {
	dev := t.TempDir()
	os.Mkdir(filepath.Join(dev, "pts"), 0o755)
	tty := func(name string, mode os.FileMode) string {
		p := filepath.Join(dev, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	biffOn := tty("pts/3", 0o720)
	biffOff := tty("tty2", 0o620)
	dotted := tty("tty.x", 0o720)
	uid := os.Getuid()
	Notify(dev, []string{"pts/3", "tty2", "tty.x", "/etc/passwd", "", "missing"}, uid, []byte("NOTICE"))
	for path, want := range map[string]string{biffOn: "NOTICE", biffOff: "", dotted: ""} {
		if got, _ := os.ReadFile(path); string(got) != want {
			t.Errorf("%s got %q, want %q", path, got, want)
		}
	}
	Notify(dev, []string{"pts/3"}, uid+1, []byte("OTHER"))
	if got, _ := os.ReadFile(biffOn); string(got) != "NOTICE" {
		t.Errorf("a terminal someone else owns was written: %q", got)
	}
}
