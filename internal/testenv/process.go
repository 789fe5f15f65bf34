package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartServer starts cmd, a server that prints its port first (tcpserver
// -1), in a process group of its own, and returns that first line of its
// output and a reader of the rest. When the test ends the whole group is
// killed: children outlive a killed server and would hold its pipes open.
// A test binary that dies first (a timeout) takes the server with it.
func StartServer(tb testing.TB, cmd *exec.Cmd) (string, *bufio.Reader) {
	tb.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.WaitDelay = 2 * time.Second
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	out := bufio.NewReader(pipe)
	line, err := out.ReadString('\n')
	if err != nil {
		msg := fmt.Sprintf("%s printed no port: %v", filepath.Base(cmd.Path), err)
		if stderr, ok := cmd.Stderr.(fmt.Stringer); ok {
			msg += "; stderr: " + stderr.String()
		}
		tb.Fatal(msg)
	}
	return strings.TrimSpace(line), out
}

// SyncBuffer collects a process's output for a test to read while the
// process still writes.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
