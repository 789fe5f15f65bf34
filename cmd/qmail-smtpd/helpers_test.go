package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// home is a qmail home for one run: control files and a capture directory.
type home struct {
	dir     string
	capture string
	queue   string // the capture script qmail-smtpd runs as qmail-queue
}

// baseControl is the recording's usual control directory.
var baseControl = map[string]string{
	"me":          "mx.example.com\n",
	"rcpthosts":   "example.com\nmx.example.com\nlocalhost\n.example.org\n",
	"badmailfrom": "spammer@bad.example\n@evil.example\n",
	"localiphost": "mx.example.com\n",
}

// baseEnv is the recording's usual client description.
var baseEnv = []string{
	"TCPLOCALIP=127.0.0.1", "TCPREMOTEIP=127.0.0.1", "TCPREMOTEHOST=client.example.net",
	"TCPREMOTEINFO=identuser", "TCPLOCALHOST=mx.example.com",
}

func newHome(t testing.TB, control map[string]string) *home {
	t.Helper()
	h := &home{dir: t.TempDir(), capture: t.TempDir()}
	h.queue = filepath.Join(t.TempDir(), "capture-queue")
	if err := os.WriteFile(h.queue, []byte(captureSh), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(h.dir, "control"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range control {
		if err := os.WriteFile(filepath.Join(h.dir, "control", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// run is one qmail-smtpd process's outcome.
type run struct {
	out    []byte
	stderr []byte
	exit   int
	cpu    time.Duration // user and system time, its queue program's included
}

// smtpd runs qmail-smtpd on the client bytes with a capture script as
// qmail-queue. keepOpen leaves its input open after the bytes (a silent
// client). The capture script inherits stderr, so the run returns only
// after it has saved what it got.
func (h *home) smtpd(t testing.TB, env []string, client []byte, keepOpen bool) run {
	t.Helper()
	return h.smtpdWith(t, env, client, keepOpen, h.queue)
}

func (h *home) smtpdWith(t testing.TB, env []string, client []byte, keepOpen bool, queue string) run {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "qmail-smtpd"))
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"QMAILHOME=" + h.dir,
		"QMAILQUEUE=" + queue,
		"CAPTURE_DIR=" + h.capture,
	}, env...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pr, &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	go func() {
		pw.Write(client) // fails harmlessly if the server hung up first
		if !keepOpen {
			pw.Close()
		}
	}()
	err = cmd.Wait()
	pw.Close()
	r := run{out: out.Bytes(), stderr: stderr.Bytes()}
	if cmd.ProcessState != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if exit, ok := err.(*exec.ExitError); ok {
		r.exit = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// captured lists the files the capture script wrote.
func (h *home) captured(t testing.TB) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(h.capture)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(h.capture, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

func names(files map[string][]byte) []string {
	var out []string
	for name := range files {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// recordQueueEnv makes the queue program also write its environment to
// $CAPTURE_DIR/env, and returns it.
func (h *home) recordQueueEnv(t testing.TB) string {
	t.Helper()
	queue := filepath.Join(t.TempDir(), "queue-env")
	script := "#!/bin/sh\nenv > \"$CAPTURE_DIR/env\"\nexec " + h.queue + "\n"
	if err := os.WriteFile(queue, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h.queue = queue
	return queue
}

// captureSh stands in for qmail-queue as the recording's capture script
// does: the message (fd 0) and envelope (fd 1) of the first message go to
// $CAPTURE_DIR/queue.message and queue.envelope, of the second to
// queue.message.2 and so on; it exits $CAPTURE_EXIT.
const captureSh = `#!/bin/sh
n=1 s=
while [ -e "$CAPTURE_DIR/queue.message$s" ]; do n=$((n+1)); s=.$n; done
cat > "$CAPTURE_DIR/queue.message$s"
cat <&1 > "$CAPTURE_DIR/queue.envelope$s"
exit ${CAPTURE_EXIT:-0}
`

// The golden README's normalize.py, rule by rule.
var (
	dateRE      = regexp.MustCompile(`\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d -0000`)
	messageIDRE = regexp.MustCompile(`<\d{14}\.\d+\.qmail@`)
	acceptRE    = regexp.MustCompile(`250 ok \d+ qp \d+`)
	invokedRE   = regexp.MustCompile(`\(qmail \d+ invoked `)
)

func normalize(b []byte) []byte {
	b = dateRE.ReplaceAll(b, []byte("DATE"))
	b = messageIDRE.ReplaceAll(b, []byte("<TIMESTAMP.PID.qmail@"))
	b = timePID(b)
	b = acceptRE.ReplaceAll(b, []byte("250 ok TIME qp PID"))
	return invokedRE.ReplaceAll(b, []byte("(qmail PID invoked "))
}

// timePID is rule 3, (?<=-)\d{9,}\.\d+(?=[-@]) -> TIME.PID, written out
// because Go's regexp has no lookaround.
func timePID(b []byte) []byte {
	var out []byte
	last := 0
	for i := 1; i < len(b); i++ {
		if b[i-1] != '-' {
			continue
		}
		end, ok := timePIDAt(b, i)
		if !ok {
			continue
		}
		out = append(append(out, b[last:i]...), "TIME.PID"...)
		last, i = end, end
	}
	return append(out, b[last:]...)
}

// timePIDAt matches digits{9,} "." digits+ at b[i:], followed by - or @.
func timePIDAt(b []byte, i int) (int, bool) {
	j := i
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j-i < 9 || j >= len(b) || b[j] != '.' {
		return 0, false
	}
	k := j + 1
	for k < len(b) && isDigit(b[k]) {
		k++
	}
	if k == j+1 || k >= len(b) || (b[k] != '-' && b[k] != '@') {
		return 0, false
	}
	return k, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
