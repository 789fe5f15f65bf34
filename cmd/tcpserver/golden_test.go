package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// fakeZone is the data of the recording's fakes.py DNS server.
var fakeZone = []string{
	"1.0.0.127.in-addr.arpa. PTR localhost.",
	"2.0.0.127.in-addr.arpa. PTR two.example.test.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. PTR ip6-localhost.test.",
	"localhost. A 127.0.0.1",
	"two.example.test. A 127.0.0.9",
	"ip6-localhost.test. AAAA ::1",
	"localhost. AAAA ::1",
}

// deviations are recorded behaviours quail deliberately does not copy.
var deviations = map[string]string{
	"29b-v6-flag-6-rules": "IPv4 rules also match ::ffff: clients in quail (issue 2); TestMappedRuleUnderFlag6 checks it",
}

// TestGoldenScenarios replays every recorded scenario of the IPv6 build
// against quail's tcpserver: the same child environment, the same log lines
// (normalised as the golden README says), the same exit status.
func TestGoldenScenarios(t *testing.T) {
	dir := testenv.Golden(t, "ucspi-tcp", "tcpserver")
	testenv.Tool(t, "python3")
	bin := testenv.Bin(t, "tcpserver")
	dns := dnstest.Start(t, fakeZone...)
	files, _ := filepath.Glob(filepath.Join(dir, "scenarios", "*.v6.txt"))
	if len(files) == 0 {
		t.Fatal("no scenarios")
	}
	for _, file := range files {
		sc, err := readScenario(file)
		if err != nil {
			t.Fatal(err)
		}
		if sc.name == "27-host-ipv6-any-v4client" {
			// The v6 build cannot bind "::" at all; quail can, and then
			// behaves as with host 0 (scenario 24).
			same, err := readScenario(filepath.Join(dir, "scenarios", "24-host-0.v6.txt"))
			if err != nil {
				t.Fatal(err)
			}
			same.name, same.host = sc.name, "::"
			sc = same
		}
		t.Run(sc.name, func(t *testing.T) {
			if reason := deviations[sc.name]; reason != "" {
				t.Skip(reason)
			}
			runScenario(t, bin, dir, dns.Addr, sc)
		})
	}
}

func runScenario(t *testing.T, bin, golden, dnsAddr string, sc *scenario) {
	work := t.TempDir()
	// -u drops to another user, who must reach child.py.
	os.Chmod(filepath.Dir(work), 0o755)
	os.Chmod(work, 0o755)
	copyFile(t, filepath.Join(golden, "rules.cdb"), filepath.Join(work, "rules.cdb"))
	child := filepath.Join(work, "child.py")
	copyFile(t, filepath.Join(golden, "child.py"), child)
	os.Chmod(child, 0o755)
	note := sc.note
	if sc.name == "33-v6-dns-v6client" {
		// Recorded with the answering identd running (TCPREMOTEINFO=joe),
		// though the note does not say so.
		note = "fake identd answers USERID joe"
	}
	if needsRoot(sc) && os.Geteuid() != 0 {
		t.Skip("needs root (port 113 or -u/-g); CI runs as root")
	}
	startIdentd(t, note)

	srv := startServer(t, bin, work, dnsAddr, sc, child)
	ends := 0
	runClients(t, sc, srv.port, func(i int, out clientResult) {
		srv.mu.Lock()
		srv.cports = append(srv.cports, out.port)
		srv.mu.Unlock()
		compareClient(t, i, sc, srv.port, out)
		if hasFlag(sc.args, 'v') {
			ends++
			srv.waitFor(t, "tcpserver: end ", ends)
		}
	})
	stdout, stderr, exit := srv.stop(t)
	normalize := portNormalizer(srv.port, srv.clientPorts())
	if stdout != sc.stdout {
		t.Errorf("stdout = %q, want %q", stdout, sc.stdout)
	}
	if got := normalize(stderr); got != sc.stderr {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, sc.stderr)
	}
	if exit != sc.exit {
		t.Errorf("exit %d, want %d", exit, sc.exit)
	}
}

func needsRoot(sc *scenario) bool {
	return strings.Contains(sc.note, "identd") || sc.name == "33-v6-dns-v6client" || hasFlag(sc.args, 'u')
}

// hasFlag reports whether the getopt-style options include flag.
func hasFlag(args []string, flag byte) bool {
	const takesValue = "BxlcbgutI"
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			return false
		}
		for j := 1; j < len(a); j++ {
			if a[j] == flag {
				return true
			}
			if strings.IndexByte(takesValue, a[j]) >= 0 {
				if j == len(a)-1 {
					i++
				}
				break
			}
		}
	}
	return false
}

// startIdentd runs the recording's fake identd on port 113 of 127.0.0.1
// and ::1 when the scenario's note asks for one.
func startIdentd(t *testing.T, note string) {
	answer := strings.Contains(note, "answers USERID")
	if !answer && !strings.Contains(note, "never answers") {
		return
	}
	for _, addr := range []string{"127.0.0.1:113", "[::1]:113"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("fake identd: %v", err)
		}
		t.Cleanup(func() { ln.Close() })
		go serveIdent(ln, answer)
	}
}

func serveIdent(ln net.Listener, answer bool) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			line, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil {
				return
			}
			if !answer {
				conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				io.Copy(io.Discard, conn)
				return
			}
			fmt.Fprintf(conn, "%s : USERID : UNIX : joe\r\n", strings.TrimSpace(line))
		}()
	}
}

// server is a running tcpserver under test.
type server struct {
	cmd    *exec.Cmd
	port   int
	stdout *testenv.SyncBuffer
	stderr *testenv.SyncBuffer
	mu     sync.Mutex
	cports []int
}

// startServer runs tcpserver as the recording did (env -i PATH DNSCACHEIP,
// in a folder holding rules.cdb), with -1 and port 0 to learn the port.
func startServer(t *testing.T, bin, work, dnsAddr string, sc *scenario, child string) *server {
	program := append([]string(nil), sc.program...)
	if program[0] == "child.py" {
		program[0] = child
	}
	args := append([]string{"-1"}, sc.args...)
	args = append(append(args, sc.host, "0"), program...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = work
	cmd.Env = []string{"PATH=/usr/bin:/bin", "DNSCACHEIP=" + dnsAddr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 2 * time.Second
	s := &server{cmd: cmd, stdout: &testenv.SyncBuffer{}, stderr: &testenv.SyncBuffer{}}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	reader := bufio.NewReader(pipe)
	line, err := reader.ReadString('\n')
	if err != nil {
		if len(sc.clients) == 0 { // a recorded fatal error
			cmd.Wait()
			s.port = -1
			return s
		}
		t.Fatalf("tcpserver printed no port: %v; stderr: %s", err, s.stderr.String())
	}
	s.port, _ = strconv.Atoi(strings.TrimSpace(line))
	go io.Copy(s.stdout, reader)
	return s
}

func (s *server) clientPorts() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.cports...)
}

// waitFor waits (up to 5 s) until stderr holds n lines starting with prefix.
func (s *server) waitFor(t *testing.T, prefix string, n int) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count("\n"+s.stderr.String(), "\n"+prefix) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("no %d %q lines in stderr:\n%s", n, prefix, s.stderr.String())
}

// stop sends SIGTERM, as the recording did, and collects the results.
func (s *server) stop(t *testing.T) (stdout, stderr string, exit int) {
	if s.port >= 0 {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}
	return s.stdout.String(), s.stderr.String(), s.cmd.ProcessState.ExitCode()
}

type clientResult struct {
	port             int
	text             string
	elapsed, firstAt float64
}

// runClients connects each recorded client in turn (or 0.2 s apart, all at
// once, when the note says so) and hands over what it received.
func runClients(t *testing.T, sc *scenario, port int, done func(int, clientResult)) {
	if port < 0 {
		return
	}
	concurrent := strings.Contains(sc.note, "0.2s apart")
	var wg sync.WaitGroup
	results := make([]clientResult, len(sc.clients))
	for i, c := range sc.clients {
		run := func() { results[i] = connectClient(t, c, port) }
		if !concurrent {
			run()
			done(i, results[i])
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); run() }()
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	if concurrent {
		for i := range sc.clients {
			done(i, results[i])
		}
	}
}

func connectClient(t *testing.T, c scenarioClient, port int) clientResult {
	dest := c.dest
	switch dest {
	case "localhost":
		dest = "127.0.0.1"
	case "0": // Linux connects a bound socket to its own source address
		dest = c.source
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(c.source)}, Timeout: 5 * time.Second}
	start := time.Now()
	conn, err := d.Dial("tcp", net.JoinHostPort(dest, strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("client from %s: %v", c.source, err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	res := clientResult{port: conn.LocalAddr().(*net.TCPAddr).Port, firstAt: -1}
	var buf bytes.Buffer
	chunk := make([]byte, 4096)
	for {
		n, err := conn.Read(chunk)
		if n > 0 && res.firstAt < 0 {
			res.firstAt = time.Since(start).Seconds()
		}
		buf.Write(chunk[:n])
		if err != nil {
			break
		}
	}
	res.elapsed = time.Since(start).Seconds()
	res.text = buf.String()
	return res
}

func compareClient(t *testing.T, i int, sc *scenario, port int, got clientResult) {
	want := sc.clients[i]
	normalize := portNormalizer(port, []int{got.port})
	text := normalize(dropLines(got.text, "TCPCONNNUM="))
	wantText := want.received
	if !hasFlag(sc.args, 'u') {
		wantText = strings.Replace(wantText, "uid=0 gid=0 groups=\n", ownIDs(), 1)
	}
	if text != wantText {
		t.Errorf("client %d received:\n%s\nwant:\n%s", i+1, text, wantText)
	}
	// Recorded times are approximate; only the deliberate waits (-c, -t)
	// are long enough to check.
	if want.firstByte >= 1 && math.Abs(got.firstAt-want.firstByte) > 0.6 {
		t.Errorf("client %d: first byte after %.1f s, recorded %.1f s", i+1, got.firstAt, want.firstByte)
	}
	if want.elapsed >= 1 && math.Abs(got.elapsed-want.elapsed) > 0.6 {
		t.Errorf("client %d: done after %.1f s, recorded %.1f s", i+1, got.elapsed, want.elapsed)
	}
}

func ownIDs() string {
	groups, _ := os.Getgroups()
	sort.Ints(groups)
	var g []string
	for _, id := range groups {
		g = append(g, strconv.Itoa(id))
	}
	return fmt.Sprintf("uid=%d gid=%d groups=%s\n", os.Getuid(), os.Getgid(), strings.Join(g, ","))
}

func dropLines(text, prefix string) string {
	var out []string
	for _, line := range strings.SplitAfter(text, "\n") {
		if !strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

var pidField = regexp.MustCompile(`\b(pid|ok|end|deny|done) \d+`)

// portNormalizer applies the golden README's normalisation.
func portNormalizer(port int, clientPorts []int) func(string) string {
	return func(s string) string {
		s = pidField.ReplaceAllString(s, "$1 <PID>")
		s = regexp.MustCompile(`\b`+strconv.Itoa(port)+`\b`).ReplaceAllString(s, "<PORT>")
		for _, p := range clientPorts {
			s = regexp.MustCompile(`\b`+strconv.Itoa(p)+`\b`).ReplaceAllString(s, "<CPORT>")
		}
		return s
	}
}

func copyFile(t *testing.T, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
