package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// qmailHome makes a home whose bin/ has the built qmail-inject and
// scripts standing in for qmail-smtpd and qmail-qread, which record how
// they were run, and a queue program that captures what it is given.
func qmailHome(t *testing.T) (home, capture string) {
	home = t.TempDir()
	capture = t.TempDir()
	for _, d := range []string{"bin", "control"} {
		if err := os.Mkdir(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, text string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(home, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("control/me", "mx.example.com\n", 0o644)
	record := "#!/bin/sh\n{ pwd; echo \"$0 $#\"; env; } > " + capture + "/ran\n"
	write("bin/qmail-smtpd", record, 0o755)
	write("bin/qmail-qread", record, 0o755)
	write("bin/queue", "#!/bin/sh\ncat > "+capture+"/message\ncat <&1 > "+capture+"/envelope\n", 0o755)
	if err := os.Symlink(testenv.Bin(t, "qmail-inject"), filepath.Join(home, "bin", "qmail-inject")); err != nil {
		t.Fatal(err)
	}
	return home, capture
}

func runSendmail(t *testing.T, home, prog string, env []string, input string, args ...string) (string, int) {
	cmd := exec.Command(prog, args...)
	cmd.Env = append([]string{"QMAILHOME=" + home, "QMAILQUEUE=" + filepath.Join(home, "bin", "queue")}, env...)
	cmd.Stdin = strings.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stderr.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), 0
}

func readFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCron is "sendmail -t -i" as cron runs it: recipients from the header.
func TestCron(t *testing.T) {
	home, capture := qmailHome(t)
	input := "To: root\nSubject: Cron <root@host> run-parts\n\n.\nout\n"
	stderr, code := runSendmail(t, home, testenv.Bin(t, "sendmail"), []string{"LOGNAME=root"}, input, "-t", "-i")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if env := readFile(t, filepath.Join(capture, "envelope")); env != "Froot@mx.example.com\x00Troot@mx.example.com\x00\x00" {
		t.Errorf("envelope %q", env)
	}
	msg := readFile(t, filepath.Join(capture, "message"))
	if !strings.Contains(msg, "\nFrom: root@mx.example.com\nTo: root@mx.example.com\n") ||
		!strings.HasSuffix(msg, "\n\n.\nout\n") {
		t.Errorf("message:\n%s", msg)
	}
}

// TestPHP is "sendmail -f sender recipient" as PHP's mail() may run it:
// the sender becomes the envelope sender and the From address.
func TestPHP(t *testing.T) {
	home, capture := qmailHome(t)
	input := "To: y@example.org\nSubject: hi\n\nbody\n"
	env := []string{"USER=www-data", "MAILNAME=Web Server"}
	stderr, code := runSendmail(t, home, testenv.Bin(t, "sendmail"), env, input, "-f", "x@example.com", "y@example.org")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if env := readFile(t, filepath.Join(capture, "envelope")); env != "Fx@example.com\x00Ty@example.org\x00\x00" {
		t.Errorf("envelope %q", env)
	}
	if msg := readFile(t, filepath.Join(capture, "message")); !strings.Contains(msg, "\nFrom: x@example.com\n") {
		t.Errorf("message:\n%s", msg)
	}
}

// TestExecs checks what -bs, -bp and mailq run: the program relative to
// the home, with sendmail's environment for qmail-smtpd.
func TestExecs(t *testing.T) {
	home, capture := qmailHome(t)
	bin := testenv.Bin(t, "sendmail")
	mailq := filepath.Join(t.TempDir(), "mailq")
	if err := os.Symlink(bin, mailq); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		prog string
		args []string
		want []string
	}{
		{bin, []string{"-bs"}, []string{home + "\nbin/qmail-smtpd 0\n", "\nTCPREMOTEINFO=sendmail-bs\n", "\nRELAYCLIENT=\n", "\nDATABYTES=0\n"}},
		{bin, []string{"-bp"}, []string{"bin/qmail-qread 0\n"}},
		{mailq, nil, []string{"bin/qmail-qread 0\n"}},
	} {
		os.Remove(filepath.Join(capture, "ran"))
		if stderr, code := runSendmail(t, home, tt.prog, nil, "", tt.args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		ran := readFile(t, filepath.Join(capture, "ran"))
		for _, w := range tt.want {
			if !strings.Contains(ran, w) {
				t.Errorf("%s %v: no %q in\n%s", tt.prog, tt.args, w, ran)
			}
		}
	}
}

func TestFailures(t *testing.T) {
	bin := testenv.Bin(t, "sendmail")
	stderr, code := runSendmail(t, "/nonexistent", bin, nil, "")
	if code != 111 || stderr != "sendmail: fatal: unable to switch to qmail home directory\n" {
		t.Errorf("no home: %d %q", code, stderr)
	}
	empty := t.TempDir()
	stderr, code = runSendmail(t, empty, bin, nil, "", "x")
	if code != 111 || stderr != "sendmail: fatal: unable to run qmail-inject\n" {
		t.Errorf("no qmail-inject: %d %q", code, stderr)
	}
	stderr, code = runSendmail(t, empty, bin, nil, "", "-bz")
	if code != 100 || !strings.HasPrefix(stderr, "sendmail: usage: ") {
		t.Errorf("usage: %d %q", code, stderr)
	}
}
