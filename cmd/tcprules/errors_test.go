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

// run starts a built program in dir and returns its exit code and stderr.
func runIn(t *testing.T, dir, stdin string, env []string, prog string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return exitCode(cmd.Run()), stderr.String()
}

// TestErrors checks the usage and I/O errors recorded in errors.txt: the
// same text and exit code for each situation.
func TestErrors(t *testing.T) {
	recorded, err := os.ReadFile(filepath.Join(testenv.Golden(t, "ucspi-tcp", "tcprules"), "errors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tcprules := testenv.Bin(t, "tcprules")
	check := testenv.Bin(t, "tcprulescheck")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "garbage.cdb"), []byte("not a cdb!\n"), 0o644)
	for _, tc := range []struct {
		prog  string
		args  []string
		stdin string
		exit  string
		text  string
	}{
		{tcprules, nil, "", "100", "tcprules: usage: tcprules rules.cdb rules.tmp\n"},
		{tcprules, []string{"out.cdb"}, "", "100", "tcprules: usage: tcprules rules.cdb rules.tmp\n"},
		{tcprules, []string{"out.cdb", "nodir/out.tmp"}, ":deny\n", "111", "tcprules: fatal: unable to create nodir/out.tmp: file does not exist\n"},
		{tcprules, []string{"nodir/out.cdb", "out.tmp"}, ":deny\n", "111", "tcprules: fatal: unable to move out.tmp to nodir/out.cdb: file does not exist\n"},
		{check, nil, "", "100", "tcprulescheck: usage: tcprulescheck rules.cdb\n"},
		{check, []string{"missing.cdb"}, "", "111", "tcprulescheck: fatal: unable to read missing.cdb: file does not exist\n"},
		{check, []string{"garbage.cdb"}, "", "111", "tcprulescheck: fatal: unable to read garbage.cdb: protocol error\n"},
	} {
		code, stderr := runIn(t, dir, tc.stdin, nil, tc.prog, tc.args...)
		if code != tc.exit || stderr != tc.text {
			t.Errorf("%s %v: exit %s stderr %q; want %s %q", filepath.Base(tc.prog), tc.args, code, stderr, tc.exit, tc.text)
		}
		if !bytes.Contains(recorded, []byte(strings.TrimSuffix(tc.text, "\n"))) {
			t.Errorf("expected text %q is not in errors.txt", tc.text)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.tmp")); !os.IsNotExist(err) {
		t.Errorf("out.tmp left behind after a failed move")
	}
}

// TestBadInputKeepsOldDatabase: a parse error leaves the old cdb as it was
// and removes the temporary file.
func TestBadInputKeepsOldDatabase(t *testing.T) {
	tcprules := testenv.Bin(t, "tcprules")
	dir := t.TempDir()
	if code, stderr := runIn(t, dir, ":deny\n", nil, tcprules, "out.cdb", "out.tmp"); code != "0" {
		t.Fatalf("building the first cdb: exit %s %s", code, stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "out.cdb"))
	code, stderr := runIn(t, dir, "1.2.3.4:allow,\n", nil, tcprules, "out.cdb", "out.tmp")
	if code != "100" || stderr != "tcprules: fatal: unable to parse this line: 1.2.3.4:allow,\n" {
		t.Fatalf("bad input: exit %s stderr %q", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "out.cdb"))
	if !bytes.Equal(before, after) {
		t.Errorf("old cdb changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "out.tmp")); !os.IsNotExist(err) {
		t.Errorf("out.tmp left behind")
	}
}
