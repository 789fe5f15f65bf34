package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// usageCase is one command of usage-errors.txt: its stderr and exit code.
// Exit 124 means the recording's timeout killed a server that was running.
type usageCase struct {
	comment string
	args    []string
	stderr  string
	exit    int
}

// readUsageCases returns the v6 build's cases of usage-errors.txt.
func readUsageCases(t *testing.T, path string) []usageCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, v6, _ := strings.Cut(string(data), "########## build v6\n")
	var cases []usageCase
	var comment string
	for _, line := range strings.Split(v6, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			comment = line
		case strings.HasPrefix(line, "$ tcpserver"):
			cmd := strings.TrimSpace(strings.TrimPrefix(line, "$ tcpserver"))
			cmd, _, _ = strings.Cut(cmd, "  (")
			cases = append(cases, usageCase{comment: comment, args: strings.Fields(cmd)})
			comment = ""
		case strings.HasPrefix(line, "exit="):
			code, _, _ := strings.Cut(strings.TrimPrefix(line, "exit="), " ")
			cases[len(cases)-1].exit, _ = strconv.Atoi(code)
		case len(cases) > 0 && strings.HasPrefix(line, "tcpserver: "):
			cases[len(cases)-1].stderr += line + "\n"
		}
	}
	return cases
}

// TestUsageErrors checks the recorded usage lines, fatal messages and exit
// codes, and that the silently accepted bad values leave a running server.
func TestUsageErrors(t *testing.T) {
	dir := testenv.Golden(t, "ucspi-tcp", "tcpserver")
	bin := testenv.Bin(t, "tcpserver")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	for _, c := range readUsageCases(t, filepath.Join(dir, "usage-errors.txt")) {
		args := append([]string(nil), c.args...)
		name := strings.Join(args, " ")
		switch {
		case strings.Contains(c.comment, "port in use"):
			args[1] = busyPort
		case strings.Contains(c.comment, "program not found"):
			continue // a running server: TestProgramNotFound
		case len(args) > 0 && args[0] == "nonexistent.invalid":
			// Recorded against a DNS server that never answered; with one
			// that does, TestAcceptedBadValues checks the fatal message.
			continue
		case len(args) > 0 && args[0] == "999.1.1.1":
			// djb's ip4_scan wraps 999 to 231; quail refuses the address.
			continue
		case strings.Contains(name, "smtp") && portInUse("127.0.0.1:25"):
			continue
		}
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "DNSCACHEIP=127.0.0.1:1"}
			if c.exit == 124 {
				expectRunning(t, cmd)
				return
			}
			out, _ := cmd.CombinedOutput()
			if string(out) != c.stderr || cmd.ProcessState.ExitCode() != c.exit {
				t.Errorf("got %q exit %d, want %q exit %d", out, cmd.ProcessState.ExitCode(), c.stderr, c.exit)
			}
		})
	}
}

// expectRunning starts a server that should bind and serve, and stops it.
func expectRunning(t *testing.T, cmd *exec.Cmd) {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
		t.Errorf("exited %d: %s", cmd.ProcessState.ExitCode(), stderr.String())
	case <-time.After(300 * time.Millisecond):
		cmd.Process.Kill()
		<-exited
	}
}

func portInUse(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
	}
	return err == nil
}

// TestAcceptedBadValues checks the ports the recording shows bound for
// values tcpserver accepts without complaint (port 70000 is 4464).
func TestAcceptedBadValues(t *testing.T) {
	dir := testenv.Golden(t, "ucspi-tcp", "tcpserver")
	bin := testenv.Bin(t, "tcpserver")
	data, err := os.ReadFile(filepath.Join(dir, "usage-accepted-bad-values.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, v6, _ := strings.Cut(string(data), "########## build v6")
	dns := dnstest.Start(t)
	var args []string
	for _, line := range strings.Split(v6, "\n") {
		if cmd, ok := strings.CutPrefix(line, "$ tcpserver "); ok {
			args = strings.Fields(cmd)
			continue
		}
		if fatal, ok := strings.CutPrefix(line, "stderr: tcpserver: fatal"); ok {
			cmd := exec.Command(bin, args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "DNSCACHEIP=" + dns.Addr}
			out, _ := cmd.CombinedOutput()
			if want := "tcpserver: fatal" + fatal + "\n"; string(out) != want || cmd.ProcessState.ExitCode() != 111 {
				t.Errorf("%q: %q exit %d, want %q exit 111", args, out, cmd.ProcessState.ExitCode(), want)
			}
			continue
		}
		want, ok := strings.CutPrefix(line, "listening on ")
		if !ok || strings.HasPrefix(want, "231.") || strings.HasSuffix(want, ":25") && portInUse("127.0.0.1:25") {
			continue
		}
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			cmd := exec.Command(bin, args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "DNSCACHEIP=127.0.0.1:1"}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			port, _ := bufio.NewReader(out).ReadString('\n')
			_, wantPort, _ := net.SplitHostPort(want)
			if strings.TrimSpace(port) != wantPort || !portInUse(want) {
				t.Errorf("-1 printed %q; want %s listening", port, want)
			}
		})
	}
}
