package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// running is a tcpserver started by a test on an ephemeral loopback port.
type running struct {
	cmd    *exec.Cmd
	port   string
	stderr *testenv.SyncBuffer
}

func start(t *testing.T, dir string, args ...string) *running {
	t.Helper()
	bin := testenv.Bin(t, "tcpserver")
	cmd := exec.Command(bin, append([]string{"-1"}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "DNSCACHEIP=127.0.0.1:1"}
	r := &running{cmd: cmd, stderr: &testenv.SyncBuffer{}}
	cmd.Stderr = r.stderr
	r.port, _ = testenv.StartServer(t, cmd)
	return r
}

// talk connects from source (empty: any), sends send, and returns all it
// received until EOF.
func (r *running) talk(t *testing.T, source, send string) string {
	t.Helper()
	got, err := r.try(source, send)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// try is talk that returns its error.
func (r *running) try(source, send string) (string, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	dest := "127.0.0.1"
	if source != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(source)}
		if strings.Contains(source, ":") {
			dest = "::1"
		}
	}
	conn, err := d.Dial("tcp", net.JoinHostPort(dest, r.port))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if send != "" {
		io.WriteString(conn, send)
	}
	conn.(*net.TCPConn).CloseWrite()
	data, err := io.ReadAll(conn)
	return string(data), err
}

// compileRules runs our tcprules on text into dir/name.
func compileRules(t *testing.T, dir, name, text string) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "tcprules"), filepath.Join(dir, name), filepath.Join(dir, name+".tmp"))
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tcprules: %v: %s", err, out)
	}
}

const envChild = "/usr/bin/env"

func TestProgramNotFound(t *testing.T) {
	r := start(t, t.TempDir(), "-v", "-H", "-R", "127.0.0.1", "0", "/nonexistent/prog")
	if got := r.talk(t, "", ""); got != "" {
		t.Errorf("client got %q", got)
	}
	waitForLog(t, r.stderr, "tcpserver: end ")
	log := r.stderr.String()
	for _, want := range []string{
		"tcpserver: warning: dropping connection, unable to run /nonexistent/prog: file does not exist\n",
		"tcpserver: end ",
		" status 28416\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// TestRulesRebuiltApplyAtOnce rebuilds the cdb under a running server: the
// next connection follows the new rules without a restart.
func TestRulesRebuiltApplyAtOnce(t *testing.T) {
	dir := t.TempDir()
	compileRules(t, dir, "rules.cdb", "127.0.0.1:allow,WHICH=\"first\"\n")
	r := start(t, dir, "-x", "rules.cdb", "-H", "-R", "-l", "test", "127.0.0.1", "0", envChild)
	if got := r.talk(t, "127.0.0.1", ""); !strings.Contains(got, "WHICH=first\n") {
		t.Fatalf("first rules: %q", got)
	}
	compileRules(t, dir, "rules.cdb", "127.0.0.1:allow,WHICH=\"second\"\n127.0.0.2:deny\n")
	if got := r.talk(t, "127.0.0.1", ""); !strings.Contains(got, "WHICH=second\n") {
		t.Errorf("rebuilt rules: %q", got)
	}
	if got := r.talk(t, "127.0.0.2", ""); got != "" {
		t.Errorf("denied client got %q", got)
	}
}

// TestMappedRuleUnderFlag6 is quail's deliberate difference from scenario
// 29b: under -6 an IPv4 client is ::ffff:127.0.0.1, and the IPv4 rule for
// 127.0.0.1 still applies to it (so RELAYCLIENT rules keep working).
func TestMappedRuleUnderFlag6(t *testing.T) {
	dir := t.TempDir()
	compileRules(t, dir, "rules.cdb", "127.0.0.1:allow,RULE=\"exact\"\n:allow,RULE=\"default\"\n")
	r := start(t, dir, "-6", "-x", "rules.cdb", "-H", "-R", "-l", "test", "0", "0", envChild)
	got := r.talk(t, "127.0.0.1", "")
	for _, want := range []string{"PROTO=TCP6\n", "TCPREMOTEIP=::ffff:127.0.0.1\n", "RULE=exact\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("child environment lacks %q:\n%s", want, got)
		}
	}
}

// TestPerClientLimit: with MAXCONNIP=2 the third connection from one
// address gets DIEMSG and is closed, while another address is served.
func TestPerClientLimit(t *testing.T) {
	dir := t.TempDir()
	compileRules(t, dir, "rules.cdb",
		"127.0.0.1:allow,MAXCONNIP=\"2\",DIEMSG=\"421 too many connections from you\"\n:allow,MAXCONNIP=\"2\"\n")
	r := start(t, dir, "-x", "rules.cdb", "-H", "-R", "-l", "test", "127.0.0.1", "0", "/bin/cat")
	var held []net.Conn
	for i := 0; i < 2; i++ {
		conn := dialFrom(t, "127.0.0.1", r.port)
		held = append(held, conn)
		echo(t, conn, "held "+strconv.Itoa(i))
	}
	if got := r.talk(t, "127.0.0.1", ""); got != "421 too many connections from you\r\n" {
		t.Errorf("third connection from 127.0.0.1 got %q", got)
	}
	if got := r.talk(t, "127.0.0.2", "other\n"); got != "other\n" {
		t.Errorf("127.0.0.2 got %q while 127.0.0.1 was at its limit", got)
	}
	for _, c := range held {
		c.Close()
	}
	waitForLog(t, r.stderr, "per-client limit")
	// Once the held connections end, 127.0.0.1 is served again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := r.try("127.0.0.1", "again\n"); got == "again\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("127.0.0.1 still refused after its connections ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dialFrom(t *testing.T, source, port string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// echo sends a line through a /bin/cat child and reads it back.
func echo(t *testing.T, conn net.Conn, line string) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "%s\n", line)
	got, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || got != line+"\n" {
		t.Fatalf("echo %q: %q, %v", line, got, err)
	}
	conn.SetDeadline(time.Time{})
}

func waitForLog(t *testing.T, log *testenv.SyncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", text, log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLoad1000 holds 1,000 clients at once against -c 1000 (bounded to
// 60 s): every one is served by its own child, and afterwards the server
// has the file descriptors it started with and no zombie children.
func TestLoad1000(t *testing.T) {
	if testing.Short() {
		t.Skip("load test; runs without -short")
	}
	const clients = 1000
	r := start(t, t.TempDir(), "-v", "-c", "1000", "-b", "1000", "-H", "-R", "-l", "test", "127.0.0.1", "0", "/bin/cat")
	pid := r.cmd.Process.Pid
	if got := r.talk(t, "", "warm-up\n"); got != "warm-up\n" { // the server is fully set up
		t.Fatalf("warm-up got %q", got)
	}
	waitForLog(t, r.stderr, "tcpserver: end ")
	before := countFDs(t, pid)
	deadline := time.Now().Add(60 * time.Second)

	var wg sync.WaitGroup
	var served sync.WaitGroup // all clients echoed: 1,000 children alive at once
	served.Add(clients)
	release := make(chan struct{})
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- holdClient(r.port, i, deadline, &served, release)
		}()
	}
	allServed := make(chan struct{})
	go func() { served.Wait(); close(allServed) }()
	select {
	case <-allServed:
	case <-time.After(time.Until(deadline)):
		t.Error("not every client was served within 60 s")
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
			break
		}
	}
	waitUntil(t, deadline, func() bool { return countEnds(r.stderr) == clients+1 }, func() string {
		return fmt.Sprintf("%d end lines for %d clients and the warm-up; log ends:\n%s",
			countEnds(r.stderr), clients, lastLines(r.stderr.String(), 10))
	})
	if after := countFDs(t, pid); after != before {
		t.Errorf("server has %d fds after the load, %d before", after, before)
	}
	if z := childrenOf(pid); len(z) > 0 {
		t.Errorf("children left: %v", z)
	}
}

// holdClient echoes one line, reports it served, and holds the connection
// until every client has been served.
func holdClient(port string, i int, deadline time.Time, served *sync.WaitGroup, release chan struct{}) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), time.Until(deadline))
	if err != nil {
		served.Done()
		return fmt.Errorf("client %d: %v", i, err)
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	line := fmt.Sprintf("client %d\n", i)
	io.WriteString(conn, line)
	got, err := bufio.NewReader(conn).ReadString('\n')
	served.Done()
	if err != nil || got != line {
		return fmt.Errorf("client %d: got %q, %v", i, got, err)
	}
	<-release
	return nil
}

func countEnds(log *testenv.SyncBuffer) int {
	return strings.Count(log.String(), "tcpserver: end ")
}

func waitUntil(t *testing.T, deadline time.Time, ok func() bool, explain func() string) {
	t.Helper()
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal(explain())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countFDs(t *testing.T, pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// childrenOf lists the processes whose parent is pid, with their state.
func childrenOf(pid int) []string {
	var found []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			found = append(found, d.Name()+":"+fields[0])
		}
	}
	return found
}

// TestTermEndsServer: TERM ends the server with exit 0.
func TestTermEndsServer(t *testing.T) {
	r := start(t, t.TempDir(), "-H", "-R", "-l", "test", "127.0.0.1", "0", "/bin/cat")
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
	if code := r.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d after TERM", code)
	}
}

func lastLines(text string, n int) string {
	lines := strings.SplitAfter(text, "\n")
	return strings.Join(lines[max(0, len(lines)-n-1):], "")
}

// TestChildSignals: the child starts with SIGPIPE at its default, as the
// original restores it, though the server itself ignores it.
func TestChildSignals(t *testing.T) {
	r := start(t, t.TempDir(), "-H", "-R", "-l", "test", "127.0.0.1", "0", "/bin/grep", "^SigIgn", "/proc/self/status")
	got := r.talk(t, "", "")
	_, hex, ok := strings.Cut(strings.TrimSpace(got), "\t")
	mask, err := strconv.ParseUint(hex, 16, 64)
	if !ok || err != nil {
		t.Fatalf("child reported %q", got)
	}
	if mask&(1<<(syscall.SIGPIPE-1)) != 0 {
		t.Errorf("child runs with SIGPIPE ignored (SigIgn %s)", hex)
	}
}

// TestTermWithStuckLog: TERM ends the server even when its log pipe is
// full and nobody reads it, as the C program's signal handler does.
func TestTermWithStuckLog(t *testing.T) {
	logR, logW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer logR.Close()
	cmd := exec.Command(testenv.Bin(t, "tcpserver"), "-1", "-v", "-H", "-R", "-l", "test", "127.0.0.1", "0", "/bin/true")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Stderr = logW
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logW.Close()
	defer cmd.Process.Kill()
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	// About 250 bytes of log per connection: 64 KiB fill the pipe well
	// before 1,000 connections; past that, connections simply wait.
	served := 0
	for ; served < 1000; served++ {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strings.TrimSpace(port), time.Second)
		if err != nil {
			break
		}
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
		if err != nil && !errors.Is(err, io.EOF) { // not served: the log is stuck
			break
		}
	}
	if served == 1000 {
		t.Fatal("1,000 connections served with nobody reading the log")
	}
	t.Logf("%d connections served before the log pipe filled", served)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after TERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("TERM did not end a server whose log is stuck")
	}
}
