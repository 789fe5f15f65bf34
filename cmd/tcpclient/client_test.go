package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// child reports the environment tcpclient set, then talks to the server
// over descriptors 7 (write) and 6 (read).
const child = `env | grep -E '^(PROTO|TCP)' | sort; echo ping >&7; read line <&6; echo "server said: $line"`

// startServer runs a loopback server on addr that answers one line with
// "pong" and that line, and returns its port.
func startServer(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				line, _ := bufio.NewReader(conn).ReadString('\n')
				fmt.Fprintf(conn, "pong %s", line)
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// run starts a tcpclient with a clean environment, DNSCACHEIP=dns, and returns what it
// printed (both streams) and its exit code.
func run(t *testing.T, bin string, dns string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DNSCACHEIP=" + dns}
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		exit, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = exit.ExitCode()
	}
	return string(out), code
}

var ephemeral = regexp.MustCompile(`TCPLOCALPORT=\d+`)

// TestEnvironmentAsOriginal runs quail's and Debian's IPv6 tcpclient side
// by side against the same server and DNS data and compares what the
// program saw: the environment and a round trip over fds 7 and 6.
func TestEnvironmentAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp-ipv6", "tcpclient")
	ref4 := testenv.RefBin(t, "ucspi-tcp", "tcpclient")
	bin := testenv.Bin(t, "tcpclient")
	dns := dnstest.Start(t,
		"1.0.0.127.in-addr.arpa. PTR localhost.test.",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. PTR ip6-localhost.test.",
		"server.test. A 127.0.0.1",
		"server6.test. AAAA ::1",
	)
	dnsIP := dns.OnPort53(t)
	port := startServer(t, "127.0.0.1:0")
	port6 := startServer(t, "[::1]:0")
	cases := []struct {
		name  string
		args  []string
		also4 bool // the v4 build gives the same
	}{
		{"ipv4 with names", []string{"-R", "127.0.0.1", port}, true},
		{"ipv4 name", []string{"-R", "server.test", port}, true},
		{"ipv6", []string{"-R", "::1", port6}, false},
		{"ipv6 name", []string{"-R", "server6.test", port6}, false},
		{"host 0", []string{"-vR", "0", port6}, false},
		{"host 0 -4", []string{"-4vR", "0", port}, false},
		{"forced ipv6 form", []string{"-6R", "127.0.0.1", port}, false},
		{"no lookups", []string{"-RHl", "local.name", "127.0.0.1", port}, true},
		{"empty local name", []string{"-RHl", "", "127.0.0.1", port}, true},
		{"verbose", []string{"-vRH", "127.0.0.1", port}, true},
		{"-D and bound port", []string{"-DRH", "-i", "127.0.0.1", "-p", "0", "127.0.0.1", port}, true},
		{"double dash", []string{"-RHl0", "--", "127.0.0.1", port}, true},
		{"quiet", []string{"-qRH", "127.0.0.1", port}, true},
		{"-4 with ::1", []string{"-4vR", "::1", port}, false},
		{"interface", []string{"-RH", "-I", "lo", "::1", port6}, false},
		{"flags in turn", []string{"-HhRrDdqQvH", "-l", "a", "-l", "b", "127.0.0.1", port}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string(nil), c.args...), "sh", "-c", child)
			want, wantCode := run(t, ref, dnsIP, args...)
			got, code := run(t, bin, dnsIP, args...)
			want, got = ephemeral.ReplaceAllString(want, "TCPLOCALPORT=*"), ephemeral.ReplaceAllString(got, "TCPLOCALPORT=*")
			if got != want || code != wantCode {
				t.Errorf("quail (exit %d):\n%s\nC (exit %d):\n%s", code, got, wantCode, want)
			}
			if !strings.Contains(got, "server said: pong ping") {
				t.Errorf("no round trip over fds 6 and 7:\n%s", got)
			}
			if c.also4 {
				want4, _ := run(t, ref4, dnsIP, args...)
				if ephemeral.ReplaceAllString(want4, "TCPLOCALPORT=*") != got {
					t.Errorf("v4 build differs:\n%s", want4)
				}
			}
		})
	}
}

// TestNameLookupOutcomes: a missing PTR record gives an empty
// TCPLOCALHOST/TCPREMOTEHOST (the original's dns_name succeeds with no
// name); a failed lookup leaves them unset.
func TestNameLookupOutcomes(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp-ipv6", "tcpclient")
	bin := testenv.Bin(t, "tcpclient")
	dns := dnstest.Start(t, "other.test. A 127.0.0.9")
	dnsIP := dns.OnPort53(t)
	port := startServer(t, "127.0.0.1:0")
	args := []string{"-R", "127.0.0.1", port, "sh", "-c", child}
	want, _ := run(t, ref, dnsIP, args...)
	got, _ := run(t, bin, dnsIP, args...)
	want, got = ephemeral.ReplaceAllString(want, "*"), ephemeral.ReplaceAllString(got, "*")
	if got != want || !strings.Contains(got, "TCPREMOTEHOST=\n") {
		t.Errorf("no PTR: quail\n%s\nC\n%s", got, want)
	}
	dns.ServFail("1.0.0.127.in-addr.arpa")
	got, _ = run(t, bin, dnsIP, args...)
	if strings.Contains(got, "HOST=") {
		t.Errorf("failed lookup should leave the names unset:\n%s", got)
	}
}

// TestIdent: -r asks the server's port 113 who the connection belongs to.
// The server and the fake identd sit on a random 127/8 address, so that
// parallel tests elsewhere cannot take port 113 from it.
func TestIdent(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to listen on port 113")
	}
	ref := testenv.RefBin(t, "ucspi-tcp-ipv6", "tcpclient")
	bin := testenv.Bin(t, "tcpclient")
	dnsIP := dnstest.Start(t).OnPort53(t)
	ip := fmt.Sprintf("127.%d.%d.%d", rand.IntN(200)+20, rand.IntN(250)+1, rand.IntN(250)+1)
	port := startServer(t, ip+":0")
	identd, err := net.Listen("tcp", ip+":113")
	if err != nil {
		t.Skipf("cannot listen on %s:113: %v", ip, err)
	}
	defer identd.Close()
	queries := make(chan string, 4)
	go func() {
		for {
			conn, err := identd.Accept()
			if err != nil {
				return
			}
			q, _ := bufio.NewReader(conn).ReadString('\n')
			queries <- q
			fmt.Fprintf(conn, "%s : USERID : UNIX : joe\r\n", strings.TrimSpace(q))
			conn.Close()
		}
	}()
	args := []string{"-H", "-l", "x", "-i", ip, "-t", "5", ip, port, "sh", "-c", child}
	want, _ := run(t, ref, dnsIP, args...)
	<-queries
	got, _ := run(t, bin, dnsIP, args...)
	q := <-queries
	want, got = ephemeral.ReplaceAllString(want, "*"), ephemeral.ReplaceAllString(got, "*")
	if got != want || !strings.Contains(got, "TCPREMOTEINFO=joe\n") {
		t.Errorf("quail\n%s\nC\n%s", got, want)
	}
	if !regexp.MustCompile(`^` + port + ` , \d+\r\n$`).MatchString(q) {
		t.Errorf("ident query %q", q)
	}
}

// TestInheritedDescriptors: whatever tcpclient inherited on descriptors 6
// and 7 is replaced by the connection.
func TestInheritedDescriptors(t *testing.T) {
	bin := testenv.Bin(t, "tcpclient")
	port := startServer(t, "127.0.0.1:0")
	var extra []*os.File
	for i := 3; i <= 7; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		extra = append(extra, r)
	}
	cmd := exec.Command(bin, "-RHl0", "127.0.0.1", port, "sh", "-c", `ls -l /proc/self/fd/6 /proc/self/fd/7 | grep -c socket; `+child)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DNSCACHEIP=127.0.0.1:1"}
	cmd.ExtraFiles = extra
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "2\n") || !strings.Contains(string(out), "server said: pong ping") {
		t.Errorf("%v\n%s", err, out)
	}
}
