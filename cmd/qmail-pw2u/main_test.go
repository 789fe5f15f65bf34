package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

func TestPw2u(t *testing.T) {
	home := t.TempDir()
	run := func(input string, args ...string) (string, string, int) {
		cmd := exec.Command(testenv.Bin(t, "qmail-pw2u"), args...)
		cmd.Env = append(testenv.Env("QMAILHOME"), "QMAILHOME="+home)
		cmd.Stdin = strings.NewReader(input)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
	}
	if _, _, code := run("", "-z"); code != 100 {
		t.Errorf("unknown option: exit %d, want 100", code)
	}
	passwd := "alias:x:7790:2108::/var/qmail/alias:/bin/true\njoe:x:507:100::/home/joe:/bin/sh\n"
	out, errOut, code := run(passwd, "-H")
	want := "+:alias:7790:2108:/var/qmail/alias:-::\n=alias:alias:7790:2108:/var/qmail/alias:::\n" +
		"+alias-:alias:7790:2108:/var/qmail/alias:-::\n=joe:joe:507:100:/home/joe:::\n+joe-:joe:507:100:/home/joe:-::\n.\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	if _, errOut, code := run("joe:x:507:100::/home/joe:/bin/sh\n", "-H"); code != 111 || errOut != "qmail-pw2u: fatal: unable to find alias user\n" {
		t.Errorf("no alias: %d %q", code, errOut)
	}
	if _, errOut, code := run(passwd, "-h"); code != 111 || errOut != "qmail-pw2u: fatal: unable to stat /var/qmail/alias\n" {
		t.Errorf("-h with missing homes: %d %q", code, errOut)
	}
	os.Remove(home)
	if _, errOut, code := run(passwd); code != 111 || errOut != "qmail-pw2u: fatal: unable to chdir\n" {
		t.Errorf("missing home: %d %q", code, errOut)
	}
}
