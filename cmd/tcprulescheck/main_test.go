package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// compile builds a rules cdb from text with the built tcprules.
func compile(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "rules.cdb")
	cmd := exec.Command(testenv.Bin(t, "tcprules"), db, db+".tmp")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tcprules: %v %s", err, out)
	}
	return db
}

func runCheck(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "tcprulescheck"), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestExplain(t *testing.T) {
	db := compile(t, "127.:allow,RELAYCLIENT=\"\"\n:deny\n")
	out, code := runCheck(t, []string{"TCPREMOTEIP=127.0.0.1", "TCPREMOTEHOST=localhost"}, "-v", db)
	want := []string{
		`tried "127.0.0.1": no rule`,
		`tried "=localhost": no rule`,
		`tried "127.0.0.1/32": no rule`,
		`tried "127.0.0.0/24": no rule`,
		`tried "127.0.0.": no rule`,
		`tried "127.0.0.0/8": no rule`,
		`tried "127.": matched`,
		"rule 127.:",
		"set environment variable RELAYCLIENT=",
		"allow connection",
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || !containsInOrder(got, want) {
		t.Errorf("exit %d, output:\n%s\nwant these lines in order:\n%s", code, out, strings.Join(want, "\n"))
	}
	if got[len(got)-4] != `tried "127.": matched` {
		t.Errorf("the trace should stop at the matching key:\n%s", out)
	}
}

func containsInOrder(lines, want []string) bool {
	i := 0
	for _, l := range lines {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestMappedClientUsesIPv4Rules(t *testing.T) {
	db := compile(t, "127.:allow,RELAYCLIENT=\"\"\n:deny\n")
	out, _ := runCheck(t, []string{"TCPREMOTEIP=::ffff:127.0.0.1"}, db)
	if out != "rule 127.:\nset environment variable RELAYCLIENT=\nallow connection\n" {
		t.Errorf("mapped loopback client: %q", out)
	}
	out, _ = runCheck(t, []string{"TCPREMOTEIP=::ffff:192.0.2.1"}, db)
	if out != "rule :\ndeny connection\n" {
		t.Errorf("mapped outside client: %q", out)
	}
}

func TestCIDRLongestPrefixWins(t *testing.T) {
	db := compile(t, "10.0.0.0/8:allow,N=\"8\"\n10.1.0.0/16:allow,N=\"16\"\n2001:db8::/32:allow,N=\"v6\"\n:deny\n")
	for ip, want := range map[string]string{
		"10.1.2.3":    "rule 10.1.0.0/16:\nset environment variable N=16\nallow connection\n",
		"10.9.2.3":    "rule 10.0.0.0/8:\nset environment variable N=8\nallow connection\n",
		"2001:db8::5": "rule 2001:db8::/32:\nset environment variable N=v6\nallow connection\n",
		"2001:db9::5": "rule :\ndeny connection\n",
	} {
		if out, _ := runCheck(t, []string{"TCPREMOTEIP=" + ip}, db); out != want {
			t.Errorf("%s: %q, want %q", ip, out, want)
		}
	}
}

func TestLint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.txt")
	text := "1.2.3.4:allow\n1.2.3.4:deny\n10.1.2.0/8:allow\njoe@127.:allow\n 5.6.7.8:allow\n2001:DB8::1:allow\n:deny\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runCheck(t, nil, "-l", path)
	for _, want := range []string{
		`:2: key "1.2.3.4" is shadowed by the rule on line 1`,
		`:3: key "10.1.2.0/8" never matches: write the CIDR prefix as "10.0.0.0/8"`,
		`:4: key "joe@127." never matches`,
		`:5: key " 5.6.7.8" never matches: white space`,
		`:6: key "2001:DB8::1" never matches: tcpserver writes IPv6 addresses in lower case`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lint output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("lint with findings exited %d, want 1", code)
	}
	clean := filepath.Join(t.TempDir(), "clean.txt")
	os.WriteFile(clean, []byte("127.:allow\n:deny\n"), 0o644)
	if out, code := runCheck(t, nil, "-l", clean); code != 0 || out != "" {
		t.Errorf("clean file: exit %d output %q", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("127.:allow\n1.2.3.4:allow,\n"), 0o644)
	if out, code := runCheck(t, nil, "-l", bad); code != 100 || !strings.Contains(out, "line 2: unable to parse this line: 1.2.3.4:allow,") {
		t.Errorf("bad file: exit %d output %q", code, out)
	}
}
