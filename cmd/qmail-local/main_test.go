package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

const message = "Received: (qmail 1 invoked by uid 0); 25 Nov 2026 01:36:58 -0000\n" +
	"From: Alice <alice@example.net>\nSubject: test\n\nFrom here on.\nbody\n"

// newHome makes a home directory with the given files (a name ending
// in "/" is a Maildir).
func newHome(t testing.TB, files map[string]string) string {
	t.Helper()
	home := t.TempDir()
	for name, text := range files {
		path := filepath.Join(home, name)
		if strings.HasSuffix(name, "/") {
			for _, sub := range []string{"", "tmp", "new", "cur"} {
				os.MkdirAll(filepath.Join(path, sub), 0o700)
			}
			continue
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

type result struct {
	out  string
	code int
}

// deliver runs qmail-local with msg on its input; args are the eight
// arguments after any options, with "HOME" standing for home.
func deliver(t *testing.T, home, msg string, env []string, args ...string) result {
	t.Helper()
	mf := filepath.Join(t.TempDir(), "msg")
	os.WriteFile(mf, []byte(msg), 0o600)
	in, err := os.Open(mf)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for i, a := range args {
		if a == "HOME" {
			args[i] = home
		}
	}
	cmd := exec.Command(testenv.Bin(t, "qmail-local"), args...)
	cmd.Stdin = in
	cmd.Env = append(testenv.Env("QMAILQUEUE", "DEFAULT"), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return result{string(out), cmd.ProcessState.ExitCode()}
}

func (r result) want(t *testing.T, code int, out string) {
	t.Helper()
	if r.code != code || r.out != out {
		t.Errorf("got exit %d %q, want %d %q", r.code, r.out, code, out)
	}
}

// base is the delivery to joe's own address with the given default.
func base(aliasempty string) []string {
	return []string{"joe", "HOME", "joe", "", "", "example.com", "alice@example.net", aliasempty}
}

func onlyFile(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%s holds %v (%v), want one file", dir, entries, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	return string(data)
}

// TestGoldenMaildir delivers the golden message as notqmail did and
// compares the Maildir file byte for byte.
func TestGoldenMaildir(t *testing.T) {
	golden, err := os.ReadFile(testenv.Golden(t, "qmail", "queue", "files", "maildir-delivered"))
	if err != nil {
		t.Fatal(err)
	}
	// The queued message is the delivered file less the two lines
	// qmail-local adds.
	parts := bytes.SplitN(golden, []byte("\n"), 3)
	home := newHome(t, map[string]string{"Maildir/": ""})
	r := deliver(t, home, string(parts[2]), nil,
		"qbench", home, "qbench", "", "", "bench.local", "alice@example.net", "./Maildir/")
	r.want(t, 0, "did 1+0+0\n")
	entries, _ := os.ReadDir(filepath.Join(home, "Maildir", "new"))
	if len(entries) != 1 {
		t.Fatalf("new/ holds %v", entries)
	}
	host, _ := os.Hostname()
	if name := entries[0].Name(); !regexp.MustCompile(`^[0-9]+\.[0-9]+\.` + regexp.QuoteMeta(host) + `$`).MatchString(name) {
		t.Errorf("file name %q, want time.pid.%s", name, host)
	}
	if got := onlyFile(t, filepath.Join(home, "Maildir", "new")); got != string(golden) {
		t.Errorf("delivered\n%q\nwant\n%q", got, golden)
	}
	if left, _ := os.ReadDir(filepath.Join(home, "Maildir", "tmp")); len(left) != 0 {
		t.Errorf("tmp/ holds %v", left)
	}
}

func TestMbox(t *testing.T) {
	home := newHome(t, map[string]string{".qmail": "./Mailbox\n"})
	deliver(t, home, message, nil, base("./Maildir/")...).want(t, 0, "did 1+0+0\n")
	deliver(t, home, "no newline", nil, "joe", home, "joe", "", "", "example.com", "", "./x").want(t, 0, "did 1+0+0\n")
	got, _ := os.ReadFile(filepath.Join(home, "Mailbox"))
	// The From_ line's address is bytes, whatever their encoding.
	deliver(t, home, "x\n", nil, "joe", home, "joe", "", "", "example.com", "b\xffd x@y", "./x").want(t, 0, "did 1+0+0\n")
	if all, _ := os.ReadFile(filepath.Join(home, "Mailbox")); !bytes.Contains(all, []byte("\nFrom b\xffd-x@y ")) {
		t.Errorf("no From_ line for a non-UTF-8 sender in\n%q", all)
	}
	date := `[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}\n`
	want := "^From alice@example.net " + date +
		regexp.QuoteMeta("Return-Path: <alice@example.net>\nDelivered-To: joe@example.com\n"+
			strings.Replace(message, "\nFrom here", "\n>From here", 1)+"\n") +
		"From MAILER-DAEMON " + date +
		regexp.QuoteMeta("Return-Path: <>\nDelivered-To: joe@example.com\nno newline\n\n") + "$"
	if !regexp.MustCompile(want).Match(got) {
		t.Errorf("mbox\n%s\ndoes not match\n%s", got, want)
	}
	fi, _ := os.Stat(filepath.Join(home, "Mailbox"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mbox mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestProgramEnvironment(t *testing.T) {
	home := newHome(t, map[string]string{
		".qmail-list-default": "|env > env; cat > msg; echo program says hi\n",
		// The -owner file goes by the whole extension, not the default
		// file used.
		".qmail-list-a:b-c-owner": "",
	})
	r := deliver(t, home, message, nil,
		"joe", "HOME", "joe-list-A.b-c", "-", "list-A.b-c", "mx.example.co.uk", "al ice@example.net", "./Mailbox")
	r.want(t, 0, "program says hi\ndid 0+0+1\n")
	if got, _ := os.ReadFile(filepath.Join(home, "msg")); string(got) != message {
		t.Errorf("program read %q, want the bare message", got)
	}
	env, _ := os.ReadFile(filepath.Join(home, "env"))
	for _, kv := range []string{
		"RECIPIENT=joe-list-A.b-c@mx.example.co.uk", "SENDER=al ice@example.net", "USER=joe",
		"HOME=" + home, "LOCAL=joe-list-A.b-c", "HOST=mx.example.co.uk", "HOST2=mx.example.co",
		"HOST3=mx.example", "HOST4=mx", "EXT=list-A.b-c", "EXT2=A.b-c", "EXT3=c", "EXT4=",
		"DEFAULT=A.b-c", "DTLINE=Delivered-To: joe-list-A.b-c@mx.example.co.uk\n",
		`RPLINE=Return-Path: <"al ice"@example.net>` + "\n",
		"NEWSENDER=joe-list-A.b-c-owner@mx.example.co.uk", "UFLINE=From al-ice@example.net ",
	} {
		if !strings.Contains("\n"+string(env), "\n"+kv) {
			t.Errorf("environment lacks %q:\n%s", kv, env)
		}
	}
}

func TestProgramExitCodes(t *testing.T) {
	tests := []struct {
		qmail string
		code  int
		out   string
	}{
		{"|exit 0\n|echo two\n", 0, "two\ndid 0+0+2\n"},
		{"|echo bounce; exit 100\n|echo never\n", 100, "bounce\n"},
		{"|exit 64\n", 100, ""},
		{"|exit 65\n", 100, ""},
		{"|exit 70\n", 100, ""},
		{"|exit 76\n", 100, ""},
		{"|exit 77\n", 100, ""},
		{"|exit 78\n", 100, ""},
		{"|exit 112\n", 100, ""},
		{"|exit 111\n", 111, ""},
		{"|exit 1\n", 111, ""},
		{"|kill -9 $$\n", 111, "Aack, child crashed. (#4.3.0)\n"},
		{"|exit 99\n|echo never\n", 0, "did 0+0+1\n"},
	}
	for _, tt := range tests {
		home := newHome(t, map[string]string{".qmail": tt.qmail})
		r := deliver(t, home, message, nil, base("./Maildir/")...)
		if r.code != tt.code || r.out != tt.out {
			t.Errorf("%q: exit %d %q, want %d %q", tt.qmail, r.code, r.out, tt.code, tt.out)
		}
	}
}

// queueCapture is a QMAILQUEUE program that saves the message and the
// envelope in dir.
func queueCapture(t *testing.T, dir string, exit int) string {
	t.Helper()
	script := filepath.Join(dir, "qq")
	text := "#!/bin/sh\ncat > " + dir + "/qq-msg\ncat <&1 > " + dir + "/qq-env\nexit " + strconv.Itoa(exit) + "\n"
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

func TestForward(t *testing.T) {
	home := newHome(t, map[string]string{
		".qmail":       "&bob@example.org\ncarol@example.org\n|exit 99\ndave@example.org\n",
		".qmail-owner": "",
	})
	qq := queueCapture(t, t.TempDir(), 0)
	r := deliver(t, home, message, []string{"QMAILQUEUE=" + qq}, base("./Maildir/")...)
	if r.code != 0 || !regexp.MustCompile(`^did 0\+2\+1\nqp [0-9]+\n$`).MatchString(r.out) {
		t.Errorf("got %d %q, want did 0+2+1 and qp", r.code, r.out)
	}
	dir := filepath.Dir(qq)
	if got, _ := os.ReadFile(dir + "/qq-msg"); string(got) != "Delivered-To: joe@example.com\n"+message {
		t.Errorf("forwarded message %q", got)
	}
	if got, _ := os.ReadFile(dir + "/qq-env"); string(got) != "Fjoe-owner@example.com\x00Tbob@example.org\x00Tcarol@example.org\x00\x00" {
		t.Errorf("envelope %q", got)
	}
}

func TestForwardVERPAndFailure(t *testing.T) {
	home := newHome(t, map[string]string{
		".qmail-list":               "&bob@example.org\n",
		".qmail-list-owner":         "",
		".qmail-list-owner-default": "",
	})
	args := []string{"joe", "HOME", "joe-list", "-", "list", "example.com", "alice@example.net", "./Maildir/"}
	qq := queueCapture(t, t.TempDir(), 0)
	deliver(t, home, message, []string{"QMAILQUEUE=" + qq}, args...)
	if got, _ := os.ReadFile(filepath.Dir(qq) + "/qq-env"); string(got) != "Fjoe-list-owner-@example.com-@[]\x00Tbob@example.org\x00\x00" {
		t.Errorf("envelope %q", got)
	}
	qq = queueCapture(t, t.TempDir(), 31)
	deliver(t, home, message, []string{"QMAILQUEUE=" + qq}, args...).
		want(t, 100, "Unable to forward message: mail server permanently rejected message (#5.3.0).\n")
	qq = queueCapture(t, t.TempDir(), 53)
	deliver(t, home, message, []string{"QMAILQUEUE=" + qq}, args...).
		want(t, 111, "Unable to forward message: qq write error or disk full (#4.3.0).\n")
}

func TestFailures(t *testing.T) {
	loop := "Delivered-To: other@example.com\nDelivered-To: joe@example.com\n\nbody\n"
	home := newHome(t, map[string]string{"Maildir/": ""})
	deliver(t, home, loop, nil, base("./Maildir/")...).
		want(t, 100, "This message is looping: it already has my Delivered-To line. (#5.4.6)\n")
	long := "X-Long: " + strings.Repeat("y", 100000) + "\n"
	deliver(t, home, long+loop, nil, base("./Maildir/")...).
		want(t, 100, "This message is looping: it already has my Delivered-To line. (#5.4.6)\n")
	// Only the header counts.
	deliver(t, home, "Subject: x\n\nDelivered-To: joe@example.com\n", nil, base("./Maildir/")...).want(t, 0, "did 1+0+0\n")

	deliver(t, home, message, nil, "joe", "HOME", "joe-nobox", "-", "nobox", "example.com", "a@b", "./Maildir/").
		want(t, 100, "Sorry, no mailbox here by that name. (#5.1.1)\n")

	os.WriteFile(filepath.Join(home, ".qmail-blank"), []byte(" \n./Maildir/\n"), 0o644)
	deliver(t, home, message, nil, "joe", "HOME", "joe-blank", "-", "blank", "example.com", "a@b", "./Maildir/").
		want(t, 111, "Uh-oh: first line of .qmail file is blank. (#4.2.1)\n")

	os.WriteFile(filepath.Join(home, ".qmail-x"), []byte("&a@b\n./Maildir/\n"), 0o700)
	deliver(t, home, message, nil, "joe", "HOME", "joe-x", "-", "x", "example.com", "a@b", "./Maildir/").
		want(t, 111, "Uh-oh: .qmail has file delivery but has x bit set. (#4.7.0)\n")
	os.WriteFile(filepath.Join(home, ".qmail-l"), []byte("&a@b\n+list\n|true\n"), 0o644)
	deliver(t, home, message, nil, "joe", "HOME", "joe-l", "-", "l", "example.com", "a@b", "./Maildir/").
		want(t, 111, "Uh-oh: .qmail has prog delivery but has x bit set. (#4.7.0)\n")

	os.WriteFile(filepath.Join(home, ".qmail-w"), []byte("./Maildir/\n"), 0o644)
	os.Chmod(filepath.Join(home, ".qmail-w"), 0o646)
	deliver(t, home, message, nil, "joe", "HOME", "joe-w", "-", "w", "example.com", "a@b", "./Maildir/").
		want(t, 111, "Uh-oh: .qmail file is writable. (#4.7.0)\n")

	deliver(t, home, message, nil, base("./nonexistent/")...).
		want(t, 111, "Unable to chdir to maildir. (#4.2.1)\n")
	deliver(t, home, message, nil, base("./no/such/mbox")...).
		want(t, 111, "Unable to open ./no/such/mbox: file does not exist. (#4.2.1)\n")

	syscall.Chmod(home, 0o1755)
	deliver(t, home, message, nil, base("./Maildir/")...).
		want(t, 111, "Home directory is sticky: user is editing his .qmail file. (#4.2.1)\n")
	os.Chmod(home, 0o757)
	deliver(t, home, message, nil, base("./Maildir/")...).
		want(t, 111, "Uh-oh: home directory is writable. (#4.7.0)\n")
	os.Chmod(home, 0o755)

	deliver(t, home, message, nil, "joe", "relative", "joe", "", "", "example.com", "a@b", "./Maildir/").
		want(t, 100, "qmail-local: usage: qmail-local [ -nN ] user homedir local dash ext domain sender aliasempty\n")
	deliver(t, home, message, nil, append([]string{"-x"}, base("./Maildir/")...)...).
		want(t, 100, "qmail-local: illegal option -- x\nqmail-local: usage: qmail-local [ -nN ] user homedir local dash ext domain sender aliasempty\n")
	deliver(t, home, message, nil, "joe", "/nonexistent/home", "joe", "", "", "example.com", "a@b", "./Maildir/").
		want(t, 111, "Unable to switch to /nonexistent/home: file does not exist. (#4.3.0)\n")
}

func TestDescribe(t *testing.T) {
	home := newHome(t, map[string]string{
		".qmail": "# note\n./Maildir/\n./mbox\n|prog arg\n&a@b\nc@d\n",
	})
	syscall.Chmod(home, 0o1700)
	loop := "Delivered-To: joe@example.com\n\n"
	deliver(t, home, loop, nil, append([]string{"-n"}, base("./Maildir/")...)...).want(t, 0,
		"Warning: home directory is sticky.\nmaildir ./Maildir/\nmbox ./mbox\nprogram prog arg\nforward a@b\nforward c@d\ndid 2+2+1\n")
	if entries, _ := os.ReadDir(home); len(entries) != 1 {
		t.Errorf("-n changed the home: %v", entries)
	}
}

func TestEmptyQmailUsesDefault(t *testing.T) {
	home := newHome(t, map[string]string{".qmail": "", "Maildir/": ""})
	deliver(t, home, message, nil, base("./Maildir/")...).want(t, 0, "did 1+0+0\n")
	if got := onlyFile(t, filepath.Join(home, "Maildir", "new")); !strings.HasSuffix(got, message) {
		t.Errorf("delivered %q", got)
	}
}

// TestDefaultFiles checks which .qmail file answers an extension, as
// the alias user's files do for addresses nobody owns.
func TestDefaultFiles(t *testing.T) {
	home := newHome(t, map[string]string{
		".qmail-postmaster":   "|echo postmaster \"[$DEFAULT]\"\n",
		".qmail-list-default": "|echo list \"[$DEFAULT]\"\n",
		".qmail-default":      "|echo default \"[$DEFAULT]\"\n",
		".qmail-a:b":          "|echo dotted\n",
	})
	tests := []struct{ ext, out string }{
		{"postmaster", "postmaster []\n"},
		{"PostMaster", "postmaster []\n"},
		{"list-Foo-Bar", "list [Foo-Bar]\n"},
		{"list-", "list []\n"},
		{"list", "default [list]\n"},
		{"list-default", "list [default]\n"},
		{"A.b", "dotted\n"},
		{"", "default []\n"},
		{"other", "default [other]\n"},
	}
	for _, tt := range tests {
		r := deliver(t, home, message, nil, "alias", "HOME", tt.ext, "-", tt.ext, "example.com", "a@b", "./Maildir/")
		if want := tt.out + "did 0+0+1\n"; r.code != 0 || r.out != want {
			t.Errorf("ext %q: %d %q, want %q", tt.ext, r.code, r.out, want)
		}
	}
}
