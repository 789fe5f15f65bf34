package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// normalize applies the golden data's normalize.py rules: dates, generated
// Message-IDs, QMAILINJECT=m senders, qmail-smtpd's queue reply and
// qmail-queue's Received line.
func normalize(b []byte) []byte {
	b = dateRE.ReplaceAll(b, []byte("DATE"))
	b = msgidRE.ReplaceAll(b, []byte("<TIMESTAMP.PID.qmail@"))
	b = timePid(b)
	b = okRE.ReplaceAll(b, []byte("250 ok TIME qp PID"))
	b = invokedRE.ReplaceAll(b, []byte("(qmail PID invoked "))
	return b
}

var (
	dateRE    = regexp.MustCompile(`\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d -0000`)
	msgidRE   = regexp.MustCompile(`<\d{14}\.\d+\.qmail@`)
	okRE      = regexp.MustCompile(`250 ok \d+ qp \d+`)
	invokedRE = regexp.MustCompile(`\(qmail \d+ invoked `)
	// timePidRE is rule 3 without Go's missing look-around: the '-' before
	// and the '-' or '@' after are matched and put back.
	timePidRE = regexp.MustCompile(`-\d{9,}\.\d+[-@]`)
)

// timePid replaces "-TIME.PID" before a '-' or '@'. Adjacent matches share
// their '-', so the search restarts at the closing byte.
func timePid(b []byte) []byte {
	var out []byte
	for {
		loc := timePidRE.FindIndex(b)
		if loc == nil {
			return append(out, b...)
		}
		out = append(out, b[:loc[0]+1]...)
		out = append(out, "TIME.PID"...)
		b = b[loc[1]-1:]
	}
}

func TestNormalize(t *testing.T) {
	in := "Date: 5 Nov 2026 01:33:32 -0000\nMessage-ID: <20261125013332.77.qmail@h>\nFa-1795570423.8047-@b-@[]\n"
	want := "Date: DATE\nMessage-ID: <TIMESTAMP.PID.qmail@h>\nFa-TIME.PID-@b-@[]\n"
	if got := string(normalize([]byte(in))); got != want {
		t.Errorf("normalize = %q, want %q", got, want)
	}
}

type goldenCase struct {
	dir   string
	args  []string
	env   []string
	input []byte
}

func readCase(t *testing.T, dir string) goldenCase {
	c := goldenCase{dir: dir}
	if b, err := os.ReadFile(filepath.Join(dir, "args")); err == nil && len(b) > 0 {
		c.args = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "env")); err == nil && len(b) > 0 {
		c.env = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	var err error
	if c.input, err = os.ReadFile(filepath.Join(dir, "input")); err != nil {
		t.Fatal(err)
	}
	return c
}

// makeHome makes a qmail home whose control/ is the case's.
func makeHome(t *testing.T, dir string) string {
	home := t.TempDir()
	ctl := filepath.Join(home, "control")
	if err := os.Mkdir(ctl, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "control"))
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, "control", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ctl, f.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

type result struct {
	stdout, stderr []byte
	exit           int
	capture        string // the capture directory
}

// run runs qmail-inject as the recording harness did: under exactly the
// case's environment plus the qmail home and the capture queue.
func run(t *testing.T, bin, queue string, c goldenCase, home string, args []string) result {
	capture := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append([]string(nil), c.env...),
		"QMAILHOME="+home, "QMAILQUEUE="+queue, "CAPTURE_DIR="+capture)
	cmd.Stdin = bytes.NewReader(c.input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	exit := 0
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout.Bytes(), stderr.Bytes(), exit, capture}
}

// compare checks one produced file against the golden one; a golden file
// that does not exist must not have been produced either.
func compare(t *testing.T, what string, got []byte, gotExists bool, goldenPath string) {
	t.Helper()
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		if gotExists {
			t.Errorf("%s: produced, but the original produced nothing", what)
		}
		return
	}
	if !gotExists {
		t.Errorf("%s: not produced", what)
		return
	}
	if got := normalize(got); !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", what, got, want)
	}
}

func compareCapture(t *testing.T, res result, golden string) {
	t.Helper()
	for _, name := range []string{"message", "envelope"} {
		got, err := os.ReadFile(filepath.Join(res.capture, "queue."+name))
		compare(t, "queue."+name, got, err == nil, golden+"."+name+".norm")
	}
}

func compareExit(t *testing.T, what string, got int, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s: exit %d, want %d", what, got, want)
	}
}

// TestGolden replays every recorded qmail-inject case, once with -n and
// once queueing through capture-queue.sh.
func TestGolden(t *testing.T) {
	root := testenv.Golden(t, "qmail", "inject")
	queue := testenv.Golden(t, "qmail", "capture-queue.sh")
	bin := testenv.Bin(t, "qmail-inject")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(root, d.Name())
		t.Run(d.Name(), func(t *testing.T) {
			c := readCase(t, dir)
			home := makeHome(t, dir)
			p := func(name string) string { return filepath.Join(dir, name) }

			res := run(t, bin, queue, c, home, append([]string{"-n"}, c.args...))
			compare(t, "n.stdout", res.stdout, true, p("n.stdout.norm"))
			compare(t, "n.stderr", res.stderr, true, p("n.stderr.norm"))
			compareExit(t, "-n", res.exit, p("n.exit"))
			compareCapture(t, res, p("n.queue"))

			res = run(t, bin, queue, c, home, c.args)
			compare(t, "queue.stdout", res.stdout, true, p("queue.stdout"))
			compare(t, "queue.stderr", res.stderr, true, p("queue.stderr"))
			compareExit(t, "queueing", res.exit, p("queue.exit"))
			compareCapture(t, res, p("queue"))
		})
	}
	if n < 73 {
		t.Errorf("only %d golden cases found, want 73", n)
	}
}
