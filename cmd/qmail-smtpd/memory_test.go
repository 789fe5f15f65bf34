package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// peakRSSLimit is what one session may ever occupy: the Go runtime's few
// MB plus the bounded buffers (a 64 KiB command line, 16 KiB of input,
// 64 KiB towards qmail-queue).
const peakRSSLimit = 32 << 20

// TestMemoryStaysBounded feeds a session 1 MB command lines and a large
// message (with one 16 MB line in it) and reads the process's peak
// resident size from /proc before it quits.
func TestMemoryStaysBounded(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc to read the peak resident size from")
	}
	messageBytes := 200 << 20
	if testing.Short() {
		messageBytes = 20 << 20
	}
	h := newHome(t, baseControl)
	queue := filepath.Join(t.TempDir(), "qq")
	if err := os.WriteFile(queue, []byte("#!/bin/sh\ncat >/dev/null\ncat <&1 >/dev/null\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testenv.Bin(t, "qmail-smtpd"))
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "QMAILHOME=" + h.dir, "QMAILQUEUE=" + queue}, baseEnv...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	replies := bufio.NewReader(stdout)
	expect := func(prefix string) {
		t.Helper()
		line, err := replies.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, prefix) {
			t.Fatalf("got %q (%v), want %q...", line, err, prefix)
		}
	}
	send := func(s string) {
		t.Helper()
		if _, err := io.WriteString(stdin, s); err != nil {
			t.Fatal(err)
		}
	}
	expect("220 ")
	megabyte := strings.Repeat("x", 1<<20)
	send("NOOP " + megabyte + "\r\n")
	expect("250 ok")
	send("HELO " + megabyte + "\r\n")
	expect("250 mx.example.com")
	send("MAIL FROM:<" + megabyte + ">\r\n")
	expect("555 ")
	send("MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n")
	expect("250 ok")
	expect("250 ok")
	expect("354 ")
	streamMessage(t, stdin, messageBytes)
	expect("250 ok ")

	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("peak RSS %d KiB after %d MB of message", peak>>10, messageBytes>>20)
	if peak > peakRSSLimit {
		t.Errorf("peak resident size %d bytes, over %d", peak, peakRSSLimit)
	}
	send("QUIT\r\n")
	expect("221 ")
}

// streamMessage writes about n bytes of message: ordinary 1000-byte lines
// and one 16 MB line, then the end.
func streamMessage(t *testing.T, w io.Writer, n int) {
	t.Helper()
	line := bytes.Repeat([]byte("y"), 998)
	line = append(line, '\r', '\n')
	chunk := bytes.Repeat(line, 64)
	w.Write([]byte("Subject: big\r\n\r\n"))
	w.Write(bytes.Repeat([]byte("z"), 16<<20))
	w.Write([]byte("\r\n"))
	for sent := 16 << 20; sent < n; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	w.Write([]byte(".\r\n"))
}

// peakRSS reads VmHWM, the high-water mark of the resident set.
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
