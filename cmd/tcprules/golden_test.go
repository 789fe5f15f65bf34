package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// expected is one C build's recorded result for a case.
type expected struct {
	build  string // "v4" or "v6"
	exit   string
	stderr []byte
	cdb    []byte // nil when that build wrote no database
}

// goldenResult picks the build quail follows for a case: the IPv6 build's
// result, unless that build hung, in which case the IPv4 build's.
func goldenResult(t *testing.T, dir string) expected {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return b
	}
	build := "v6"
	if strings.TrimSpace(string(read("v6.exit"))) == "hang" {
		build = "v4"
	}
	return expected{
		build:  build,
		exit:   strings.TrimSpace(string(read(build + ".exit"))),
		stderr: read(build + ".stderr"),
		cdb:    read(build + ".cdb"),
	}
}

func exitCode(err error) string {
	if err == nil {
		return "0"
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return strings.TrimSpace(strings.TrimPrefix(ee.String(), "exit status "))
	}
	return err.Error()
}

func TestGoldenCases(t *testing.T) {
	casesDir := testenv.Golden(t, "ucspi-tcp", "tcprules", "cases")
	tcprules := testenv.Bin(t, "tcprules")
	tcprulescheck := testenv.Bin(t, "tcprulescheck")
	cases, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		dir := filepath.Join(casesDir, c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			want := goldenResult(t, dir)
			work := t.TempDir()
			out, tmp := filepath.Join(work, "out.cdb"), filepath.Join(work, "out.tmp")
			input, err := os.ReadFile(filepath.Join(dir, "rules"))
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(tcprules, out, tmp)
			cmd.Stdin = bytes.NewReader(input)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			code := exitCode(cmd.Run())
			if code != want.exit {
				t.Fatalf("exit %s, want %s (%s build); stderr %q", code, want.exit, want.build, stderr.String())
			}
			if !bytes.Equal(stderr.Bytes(), want.stderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), want.stderr)
			}
			if _, err := os.Stat(tmp); !os.IsNotExist(err) {
				t.Errorf("temporary file left behind")
			}
			got, _ := os.ReadFile(out)
			if !bytes.Equal(got, want.cdb) {
				t.Fatalf("cdb differs from the %s build's (%d bytes, want %d)", want.build, len(got), len(want.cdb))
			}
			if want.cdb != nil {
				checkProbes(t, tcprulescheck, out, dir, want.build)
			}
		})
	}
}

// probe is one tcprulescheck run recorded in check.json.
type probe struct {
	IP     *string `json:"TCPREMOTEIP"`
	Host   *string `json:"TCPREMOTEHOST"`
	Info   *string `json:"TCPREMOTEINFO"`
	V4, V6 *struct {
		Exit   int    `json:"exit"`
		Stdout string `json:"stdout"`
		Stderr string `json:"stderr"`
	}
}

func checkProbes(t *testing.T, tcprulescheck, db, dir, build string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "check.json"))
	if err != nil {
		t.Fatal(err)
	}
	var probes []probe
	if err := json.Unmarshal(raw, &probes); err != nil {
		t.Fatal(err)
	}
	for i, p := range probes {
		want := p.V6
		if build == "v4" {
			want = p.V4
		}
		if want == nil {
			continue
		}
		cmd := exec.Command(tcprulescheck, db)
		cmd.Env = []string{}
		for name, v := range map[string]*string{"TCPREMOTEIP": p.IP, "TCPREMOTEHOST": p.Host, "TCPREMOTEINFO": p.Info} {
			if v != nil {
				cmd.Env = append(cmd.Env, name+"="+*v)
			}
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code := exitCode(cmd.Run())
		if code != strconv.Itoa(want.Exit) || stdout.String() != want.Stdout || stderr.String() != want.Stderr {
			t.Errorf("probe %d %v: got exit %s stdout %q stderr %q; want exit %d stdout %q stderr %q",
				i+1, cmd.Env, code, stdout.String(), stderr.String(), want.Exit, want.Stdout, want.Stderr)
		}
	}
}
