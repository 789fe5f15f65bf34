package mailtools

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

type tool struct {
	args   []string
	env    map[string]string
	input  string
	queue  string
	home   string
	stdout bytes.Buffer
	stderr bytes.Buffer
}

func (tt *tool) run(t *testing.T, f func(Params) int) int {
	in := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(in, []byte(tt.input), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, stderr := outputFile(t, "stdout"), outputFile(t, "stderr")
	p := Params{Args: tt.args, Stdin: stdin, Stdout: stdout, Stderr: stderr,
		Queue: tt.queue, Home: tt.home, Now: time.Date(2026, 11, 5, 1, 33, 2, 0, time.UTC),
		Env: func(name string) (string, bool) { v, ok := tt.env[name]; return v, ok }}
	code := f(p)
	tt.stdout.ReadFrom(io.NewSectionReader(stdout, 0, 1<<30))
	tt.stderr.ReadFrom(io.NewSectionReader(stderr, 0, 1<<30))
	return code
}

// outputFile is a file for a tool's output, which its children write to
// as well.
func outputFile(t *testing.T, name string) *os.File {
	f, err := os.Create(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func script(t *testing.T, dir, name, text string) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+text), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func exitWith(code string) []string { return []string{"sh", "-c", "cat >/dev/null; exit " + code} }

func TestExcept(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{append([]string{"except"}, exitWith("0")...), 100, ""},
		{append([]string{"except"}, exitWith("1")...), 0, ""},
		{append([]string{"except"}, exitWith("100")...), 0, ""},
		{append([]string{"except"}, exitWith("111")...), 111, "except: fatal: temporary child error\n"},
		{[]string{"except", "sh", "-c", "kill -9 $$"}, 111, "except: fatal: child crashed\n"},
		{[]string{"except", "/nonexistent/program"}, 0, ""}, // cannot run: 100, reversed to 0
		{[]string{"except"}, 100, "except: usage: except program [ arg ... ]\n"},
	} {
		tt := &tool{args: c.args, input: "message\n"}
		if code := tt.run(t, Except); code != c.code || tt.stderr.String() != c.stderr {
			t.Errorf("%q: %d %q, want %d %q", c.args, code, tt.stderr.String(), c.code, c.stderr)
		}
	}
}

func TestBounceSaying(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"bouncesaying", "This address no longer accepts mail."}, 100, "This address no longer accepts mail.\n"},
		{append([]string{"bouncesaying", "no"}, exitWith("0")...), 100, "no\n"},
		{append([]string{"bouncesaying", "no"}, exitWith("1")...), 0, ""},
		{append([]string{"bouncesaying", "no"}, exitWith("111")...), 111, "bouncesaying: fatal: temporary child error\n"},
		{[]string{"bouncesaying"}, 100, "bouncesaying: usage: bouncesaying error [ program [ arg ... ] ]\n"},
	} {
		tt := &tool{args: c.args}
		if code := tt.run(t, BounceSaying); code != c.code || tt.stderr.String() != c.stderr {
			t.Errorf("%q: %d %q, want %d %q", c.args, code, tt.stderr.String(), c.code, c.stderr)
		}
	}
}

// captureQueue is a queue program saving what it gets in dir.
func captureQueue(t *testing.T, exit string) (string, string) {
	dir := t.TempDir()
	return script(t, dir, "queue", "cat > "+dir+"/message\ncat <&1 > "+dir+"/envelope\nexit "+exit+"\n"), dir
}

var qpRE = regexp.MustCompile(`^(condredirect|forward): qp [0-9]+\n$`)

func TestCondRedirect(t *testing.T) {
	queue, dir := captureQueue(t, "0")
	env := map[string]string{"SENDER": "s@x.y", "DTLINE": "Delivered-To: me@x.y\n"}
	// the condition reads the whole message: condredirect must rewind
	tt := &tool{args: append([]string{"condredirect", "new@x.y"}, exitWith("0")...), env: env,
		input: "Subject: hi\n\nbody\n", queue: queue}
	if code := tt.run(t, CondRedirect); code != 99 || !qpRE.MatchString(tt.stderr.String()) {
		t.Fatalf("exit %d, stderr %q", code, tt.stderr.String())
	}
	msg, _ := os.ReadFile(filepath.Join(dir, "message"))
	envl, _ := os.ReadFile(filepath.Join(dir, "envelope"))
	if string(msg) != "Delivered-To: me@x.y\nSubject: hi\n\nbody\n" || string(envl) != "Fs@x.y\x00Tnew@x.y\x00\x00" {
		t.Errorf("queued %q %q", msg, envl)
	}

	for _, c := range []struct {
		args   []string
		env    map[string]string
		queue  string
		code   int
		stderr string
	}{
		{exitWith("1"), env, queue, 0, ""},
		{exitWith("111"), env, queue, 111, "condredirect: fatal: temporary child error\n"},
		{exitWith("0"), map[string]string{"DTLINE": "x"}, queue, 100, "condredirect: fatal: SENDER not set\n"},
		{exitWith("0"), map[string]string{"SENDER": "x"}, queue, 100, "condredirect: fatal: DTLINE not set\n"},
		{exitWith("0"), env, "/nonexistent/queue", 111, "condredirect: fatal: unable to exec qq (#4.3.0)\n"},
	} {
		tt := &tool{args: append([]string{"condredirect", "new@x.y"}, c.args...), env: c.env, queue: c.queue}
		if code := tt.run(t, CondRedirect); code != c.code || tt.stderr.String() != c.stderr {
			t.Errorf("%q: %d %q, want %d %q", c.args, code, tt.stderr.String(), c.code, c.stderr)
		}
	}
	tt = &tool{args: []string{"condredirect", "new@x.y"}}
	if code := tt.run(t, CondRedirect); code != 100 {
		t.Errorf("usage: exit %d", code)
	}
}

func TestForward(t *testing.T) {
	queue, dir := captureQueue(t, "0")
	env := map[string]string{"NEWSENDER": "owner@x.y", "DTLINE": "Delivered-To: me@x.y\n"}
	tt := &tool{args: []string{"forward", "a@x.y", "b@x.y"}, env: env, input: "body\n", queue: queue}
	if code := tt.run(t, Forward); code != 0 || !qpRE.MatchString(tt.stderr.String()) {
		t.Fatalf("exit %d, stderr %q", code, tt.stderr.String())
	}
	msg, _ := os.ReadFile(filepath.Join(dir, "message"))
	envl, _ := os.ReadFile(filepath.Join(dir, "envelope"))
	if string(msg) != "Delivered-To: me@x.y\nbody\n" || string(envl) != "Fowner@x.y\x00Ta@x.y\x00Tb@x.y\x00\x00" {
		t.Errorf("queued %q %q", msg, envl)
	}
	for exit, want := range map[string]string{
		"31": "forward: fatal: mail server permanently rejected message (#5.3.0)\n",
		"53": "forward: fatal: qq write error or disk full (#4.3.0)\n",
	} {
		queue, _ := captureQueue(t, exit)
		tt := &tool{args: []string{"forward", "a@x.y"}, env: env, queue: queue}
		code := tt.run(t, Forward)
		if wantCode := map[string]int{"31": 100, "53": 111}[exit]; code != wantCode || tt.stderr.String() != want {
			t.Errorf("queue exit %s: %d %q", exit, code, tt.stderr.String())
		}
	}
	tt = &tool{args: []string{"forward", "a@x.y"}, env: map[string]string{"DTLINE": "x"}}
	if code := tt.run(t, Forward); code != 100 || tt.stderr.String() != "forward: fatal: NEWSENDER not set\n" {
		t.Errorf("no NEWSENDER: %d %q", code, tt.stderr.String())
	}
}

func TestPredate(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("T", 90*60)
	defer func() { time.Local = saved }()
	tt := &tool{args: []string{"predate", "cat"}, input: "Subject: x\n\nbody\n"}
	if code := tt.run(t, Predate); code != 0 {
		t.Fatalf("exit %d: %s", code, tt.stderr.String())
	}
	if got, want := tt.stdout.String(), "Date: 5 Nov 2026 03:03:02 +0130\nSubject: x\n\nbody\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	tt = &tool{args: append([]string{"predate"}, exitWith("7")...)}
	if code := tt.run(t, Predate); code != 7 {
		t.Errorf("child's exit 7 became %d", code)
	}
	tt = &tool{args: []string{"predate", "/nonexistent/prog"}}
	if code := tt.run(t, Predate); code != 111 ||
		tt.stderr.String() != "predate: fatal: unable to run /nonexistent/prog: file does not exist\n" {
		t.Errorf("missing program: %d %q", code, tt.stderr.String())
	}
	tt = &tool{args: []string{"predate"}}
	if code := tt.run(t, Predate); code != 100 || tt.stderr.String() != "predate: usage: predate child\n" {
		t.Errorf("usage: %d %q", code, tt.stderr.String())
	}
}

func TestPreline(t *testing.T) {
	env := map[string]string{"UFLINE": "From s@x Thu Nov  5 01:33:02 2026\n",
		"RPLINE": "Return-Path: <s@x>\n", "DTLINE": "Delivered-To: me@x.y\n"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"preline", "cat"}, env["UFLINE"] + env["RPLINE"] + env["DTLINE"] + "body\n"},
		{[]string{"preline", "-fr", "cat"}, env["DTLINE"] + "body\n"},
		{[]string{"preline", "-d", "-D", "-f", "cat"}, env["RPLINE"] + env["DTLINE"] + "body\n"},
	} {
		tt := &tool{args: c.args, env: env, input: "body\n"}
		if code := tt.run(t, Preline); code != 0 || tt.stdout.String() != c.want {
			t.Errorf("%q: %d %q, want %q", c.args, code, tt.stdout.String(), c.want)
		}
	}
	usage := "preline: usage: preline cmd [ arg ... ]\n"
	for _, c := range []struct {
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{[]string{"preline", "cat"}, map[string]string{}, 100, usage},
		{[]string{"preline"}, env, 100, usage},
		{[]string{"preline", "-x", "cat"}, env, 100, "preline: illegal option -- x\n" + usage},
		{[]string{"preline", "/nonexistent/prog"}, env, 100, "preline: fatal: unable to run /nonexistent/prog: file does not exist\n"},
		{append([]string{"preline"}, exitWith("111")...), env, 111, ""},
	} {
		tt := &tool{args: c.args, env: c.env}
		if code := tt.run(t, Preline); code != c.code || tt.stderr.String() != c.stderr {
			t.Errorf("%q: %d %q, want %d %q", c.args, code, tt.stderr.String(), c.code, c.stderr)
		}
	}
}

func TestMailsubjDatemail(t *testing.T) {
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, "bin"), 0o755)
	out := filepath.Join(home, "out")
	script(t, filepath.Join(home, "bin"), "qmail-inject", "{ echo \"args:$#\"; cat; } > "+out+"\nexit 3\n")
	script(t, filepath.Join(home, "bin"), "sendmail", "{ echo \"args:$*\"; cat; } > "+out+"\n")

	tt := &tool{args: []string{"mailsubj", "weekly report", "a@x.y", "b"}, input: "numbers\n", home: home}
	if code := tt.run(t, Mailsubj); code != 3 {
		t.Errorf("mailsubj exit %d, want qmail-inject's 3", code)
	}
	got, _ := os.ReadFile(out)
	if want := "args:0\nSubject: weekly report\nTo: a@x.y b\n\nnumbers\n"; string(got) != want {
		t.Errorf("mailsubj gave %q, want %q", got, want)
	}

	tt = &tool{args: []string{"datemail", "-t"}, input: "To: a\n\n", home: home}
	if code := tt.run(t, Datemail); code != 0 {
		t.Errorf("datemail exit %d: %s", code, tt.stderr.String())
	}
	got, _ = os.ReadFile(out)
	if !regexp.MustCompile(`^args:-t\nDate: 5 Nov 2026 \d\d:\d\d:02 [-+]\d{4}\nTo: a\n\n$`).Match(got) {
		t.Errorf("datemail gave %q", got)
	}
	if !strings.HasPrefix(string(got), "args:-t\n") {
		t.Errorf("datemail arguments: %q", got)
	}
}

func TestTemporary(t *testing.T) {
	for err, want := range map[error]bool{
		syscall.ETXTBSY: true, syscall.ENOSPC: true, syscall.ENOBUFS: true, syscall.EAGAIN: true,
		syscall.ENOENT: false, syscall.EACCES: false, syscall.ENOEXEC: false, exec.ErrNotFound: false,
		errors.New("other"): false,
	} {
		if got := temporary(err); got != want {
			t.Errorf("temporary(%v) = %v", err, got)
		}
	}
}

func TestQsmhook(t *testing.T) {
	env := map[string]string{"UFLINE": "From s@x Thu Nov  5 01:33:02 2026\n",
		"RPLINE": "Return-Path: <s@x>\n", "DTLINE": "Delivered-To: list-Joe@x.y\n",
		"LOCAL": "list-Joe", "HOST": "x.y", "SENDER": "s@x"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"qsmhook", "cat"}, env["UFLINE"] + "body\n"},
		{[]string{"qsmhook", "-nPl", "-DFMms", "cat"}, env["RPLINE"] + env["DTLINE"] + "body\n"},
		{[]string{"qsmhook", "-n", "echo", "%g", "%h", "%u", "100%%", "%q%"}, "s@x x.y list-Joe 100% \n"},
		{[]string{"qsmhook", "-n", "-x", "LIST-", "echo", "%u"}, "Joe\n"},
		{[]string{"qsmhook", "-n", "-x", "other-", "echo", "%u"}, "list-Joe\n"},
	} {
		tt := &tool{args: c.args, env: env, input: "body\n"}
		if code := tt.run(t, Qsmhook); code != 0 || tt.stdout.String() != c.want {
			t.Errorf("%q: %d %q, want %q", c.args, code, tt.stdout.String(), c.want)
		}
	}
	usage := "qsmhook: fatal: incorrect usage\n"
	for _, c := range []struct {
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{[]string{"qsmhook", "cat"}, map[string]string{"LOCAL": "x"}, 100, usage},
		{[]string{"qsmhook"}, env, 100, usage},
		{[]string{"qsmhook", "-q", "cat"}, env, 100, "qsmhook: illegal option -- q\n"},
		{[]string{"qsmhook", "/nonexistent/prog"}, env, 100, "qsmhook: fatal: command not found\n"},
		{append([]string{"qsmhook"}, exitWith("99")...), env, 99, ""},
		{[]string{"qsmhook", "sh", "-c", "kill -9 $$"}, env, 111, "qsmhook: fatal: temporary problem\n"},
		{[]string{"qsmhook", "true"}, env, 0, ""}, // a program that reads nothing
	} {
		tt := &tool{args: c.args, env: c.env, input: strings.Repeat("long message\n", 20000)}
		if code := tt.run(t, Qsmhook); code != c.code || tt.stderr.String() != c.stderr {
			t.Errorf("%q: %d %q, want %d %q", c.args, code, tt.stderr.String(), c.code, c.stderr)
		}
	}
}
