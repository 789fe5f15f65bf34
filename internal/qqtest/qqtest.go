// Package qqtest holds what tests of the queueing network servers share:
// a stand-in for qmail-queue that captures each message and envelope it
// is given, and the built tcpserver running a program on loopback.
package qqtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// Capture is a qmail-queue stand-in: a shell script that stores the
// message (descriptor 0) and envelope (descriptor 1) of each run in Dir
// and exits with the code in Dir/exitcode (0 when absent), or 54 when
// the envelope lacks its final NUL, as qmail-queue would.
type Capture struct {
	Dir    string
	Script string
}

// Message is one captured message and its envelope.
type Message struct {
	Data     string
	Envelope string
}

const captureScript = `#!/bin/sh
d='%DIR%'
cat > "$d/tmp.$$.msg" || exit 53
cat 0<&1 > "$d/tmp.$$.env" || exit 53
# As qmail-queue: an envelope not ended by its final NUL is a read error.
test "$(tail -c 2 "$d/tmp.$$.env" | od -An -tx1 | tr -d ' \n')" = 0000 || exit 54
code=0
test -f "$d/exitcode" && code=$(cat "$d/exitcode")
if test "$code" = 0; then
  mv "$d/tmp.$$.env" "$d/q.$$.env" && mv "$d/tmp.$$.msg" "$d/q.$$.msg" || exit 53
fi
exit "$code"
`

// NewCapture writes the script into a new temporary directory.
func NewCapture(t testing.TB) *Capture {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "qmail-queue")
	text := strings.ReplaceAll(captureScript, "%DIR%", dir)
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return &Capture{Dir: dir, Script: script}
}

// SetExit makes later runs exit with code (and keep nothing unless 0).
func (c *Capture) SetExit(t testing.TB, code string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.Dir, "exitcode"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Messages returns the messages queued so far (exit code 0), sorted by
// content so that tests of concurrent senders can compare them.
func (c *Capture) Messages(t testing.TB) []Message {
	t.Helper()
	envs, err := filepath.Glob(filepath.Join(c.Dir, "q.*.env"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []Message
	for _, env := range envs {
		e, err1 := os.ReadFile(env)
		m, err2 := os.ReadFile(strings.TrimSuffix(env, ".env") + ".msg")
		if err1 != nil || err2 != nil {
			t.Fatalf("reading capture %s: %v %v", env, err1, err2)
		}
		msgs = append(msgs, Message{Data: string(m), Envelope: string(e)})
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Data < msgs[j].Data })
	return msgs
}

// Server is the built tcpserver running a program on 127.0.0.1.
type Server struct {
	Port string
	cmd  *exec.Cmd
}

// StartServer runs "tcpserver -1 flags... 127.0.0.1 0 program" with env
// added to a minimal environment, and returns once it listens. The
// whole process group is killed when the test ends.
func StartServer(t testing.TB, env []string, flags []string, program ...string) *Server {
	t.Helper()
	bin := testenv.Bin(t, "tcpserver")
	args := append(append([]string{"-1"}, flags...), "127.0.0.1", "0")
	cmd := exec.Command(bin, append(args, program...)...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "DNSCACHEIP=127.0.0.1:1"}, env...)
	cmd.Stderr = os.Stderr
	port, _ := testenv.StartServer(t, cmd)
	return &Server{Port: port, cmd: cmd}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + s.Port }
