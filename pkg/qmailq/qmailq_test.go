package qmailq

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// script writes a stand-in queue program.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qq")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMessageAndEnvelopeReachTheProgram(t *testing.T) {
	dir := t.TempDir()
	prog := script(t, "cat > "+dir+"/msg\ncat <&1 > "+dir+"/env\n")
	q, err := Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	q.WriteString("Subject: hi\n\nbody\n")
	q.From("a@b")
	q.To("c@d")
	q.To("e@f")
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	msg, _ := os.ReadFile(dir + "/msg")
	env, _ := os.ReadFile(dir + "/env")
	if string(msg) != "Subject: hi\n\nbody\n" {
		t.Errorf("message %q", msg)
	}
	if string(env) != "Fa@b\x00Tc@d\x00Te@f\x00\x00" {
		t.Errorf("envelope %q", env)
	}
}

func TestExitCodesBecomeQmailReplies(t *testing.T) {
	cases := []struct {
		code      string
		permanent bool
		text      string
	}{
		{"11", true, "envelope address too long for qq (#5.1.3)"},
		{"31", true, "mail server permanently rejected message (#5.3.0)"},
		{"53", false, "qq write error or disk full (#4.3.0)"},
		{"25", true, "qq permanent problem (#5.3.0)"},
		{"100", false, "qq temporary problem (#4.3.0)"},
	}
	for _, c := range cases {
		q, err := Open(script(t, "cat >/dev/null; exit "+c.code+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		q.WriteString("x\n")
		q.From("")
		qerr, ok := q.Close().(*Error)
		if !ok || qerr.Permanent != c.permanent || qerr.Text != c.text {
			t.Errorf("exit %s: got %+v, want %v %q", c.code, qerr, c.permanent, c.text)
		}
	}
}

func TestExit82ReadsTheCustomReply(t *testing.T) {
	q, err := Open(script(t, "cat >/dev/null; echo 'Dno viruses here' >&6; exit 82\n"))
	if err != nil {
		t.Fatal(err)
	}
	q.From("a@b")
	qerr, ok := q.Close().(*Error)
	if !ok || !qerr.Permanent || qerr.Text != "no viruses here" {
		t.Errorf("got %+v", qerr)
	}
}

func TestProgramDyingEarlyIsTemporary(t *testing.T) {
	q, err := Open(script(t, "exit 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	q.WriteString(strings.Repeat("x", 1<<20))
	q.From("a@b")
	qerr, ok := q.Close().(*Error)
	if !ok || qerr.Permanent {
		t.Errorf("got %+v, want a temporary failure", qerr)
	}
}

func TestAbortSendsNoEnvelopeAndDropsBufferedBytes(t *testing.T) {
	dir := t.TempDir()
	prog := script(t, "cat > "+dir+"/msg\ncat <&1 > "+dir+"/env\necho done > "+dir+"/exit\n")
	q, err := Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	q.WriteString("Subject: never flushed\n")
	q.Abort()
	msg, _ := os.ReadFile(dir + "/msg")
	env, _ := os.ReadFile(dir + "/env")
	done, _ := os.ReadFile(dir + "/exit")
	if len(msg) != 0 || len(env) != 0 {
		t.Errorf("message %q, envelope %q: want both empty", msg, env)
	}
	if string(done) != "done\n" {
		t.Error("Abort returned before the queue program finished")
	}
}

// TestChildDescriptors checks what the program gets: 0, 1, 2 and 6 open,
// 3 to 5 closed, and "/" as its working directory.
func TestChildDescriptors(t *testing.T) {
	dir := t.TempDir()
	prog := script(t, "cat >/dev/null; cat <&1 >/dev/null\n"+
		"for fd in 0 1 2 3 4 5 6; do if [ -e /proc/$$/fd/$fd ]; then echo $fd; fi; done > "+dir+"/fds\n"+
		"pwd > "+dir+"/pwd\n")
	q, err := Open(prog)
	if err != nil {
		t.Fatal(err)
	}
	q.From("a@b")
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	fds, _ := os.ReadFile(dir + "/fds")
	pwd, _ := os.ReadFile(dir + "/pwd")
	if string(fds) != "0\n1\n2\n6\n" || string(pwd) != "/\n" {
		t.Errorf("open descriptors %q, directory %q", fds, pwd)
	}
}

// TestMissingProgram: a program that cannot be executed is an
// *os.PathError, which callers report as qmail's "unable to exec qq".
func TestMissingProgram(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "none"))
	if _, ok := err.(*os.PathError); !ok {
		t.Errorf("Open of a missing program: %#v", err)
	}
}
