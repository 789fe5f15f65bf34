package main

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// TestErrorsAsOriginal compares usage lines, fatal messages, warnings and
// exit codes with Debian's IPv6 tcpclient.
func TestErrorsAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp-ipv6", "tcpclient")
	bin := testenv.Bin(t, "tcpclient")
	dns := dnstest.Start(t, "twoaddrs.test. A 127.0.0.1", "twoaddrs.test. AAAA ::1")
	dnsIP := dns.OnPort53(t)
	closed := closedPort(t)
	busy := sleeper(t)
	for _, args := range [][]string{
		{},
		{"127.0.0.1"},
		{"127.0.0.1", "25"},
		{"-z", "127.0.0.1", "25", "true"},
		{"-t"},
		{"-i", "bogus", "127.0.0.1", "25", "true"},
		{"-q", "-z"},
		{"-q"},
		{"-q", "127.0.0.1", "25"},
		{"127.0.0.1", "nosuchport"},
		{"127.0.0.1", "nosuchport", "true"},
		{"-q", "127.0.0.1", "nosuchport", "true"},
		{"nosuchname.test", "25", "true"},
		{"127.0.0.1", closed, "true"},
		{"-q", "127.0.0.1", closed, "true"},
		{"::1", closed, "true"},
		{"-RH", "127.0.0.1", sleeper(t), "./no/such/program"},
		{"-RH", "-i", "127.0.0.1", "-p", busy, "127.0.0.1", busy, "true"},
		{"-RH", "-T", "0+0", "127.0.0.1", closed, "true"},
		{"-4", "-RHl0", "-T1", "2001:db8::1", closed, "true"},
		{"-4", "-RH", "-i", "::1", "127.0.0.1", closed, "true"},
		{"-RH", "-i", "::1", "127.0.0.1", closed, "true"},
		{"-RH", "-i", "127.0.0.1", "::1", closed, "true"},
		{"-RH", "127.0.0.1", sleeper(t), "no-such-program-anywhere"},
	} {
		name := strings.Join(args, " ")
		want, wantCode := run(t, ref, dnsIP, args...)
		got, code := run(t, bin, dnsIP, args...)
		if got != want || code != wantCode {
			t.Errorf("tcpclient %s:\nquail (exit %d): %q\nC (exit %d):     %q", name, code, got, wantCode, want)
		}
	}
	// The C program steps through its address list 4 bytes at a time
	// instead of 16, so it also tries addresses made of the seams between
	// real ones; quail tries each address once.
	got, code := run(t, bin, dnsIP, "-RH", "twoaddrs.test", closed, "true")
	for _, ip := range []string{"127.0.0.1", "::1"} {
		if !strings.Contains(got, "tcpclient: unable to connect to "+ip+" port "+closed+": connection refused\n") || code != 111 {
			t.Errorf("two addresses: exit %d, %q", code, got)
		}
	}
	if strings.Count(got, "\n") != 2 {
		t.Errorf("two addresses, not two warnings: %q", got)
	}
}

// TestConnectTimeout: a server whose queue is full never answers the
// handshake, so the connection times out ("timed out") after -T.
func TestConnectTimeout(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp-ipv6", "tcpclient")
	bin := testenv.Bin(t, "tcpclient")
	port := fullServer(t)
	args := []string{"-RH", "-T", "1", "127.0.0.1", port, "true"}
	want, wantCode := run(t, ref, "127.0.0.1", args...)
	got, code := run(t, bin, "127.0.0.1", args...)
	if got != want || code != wantCode || !strings.Contains(got, "timed out") {
		t.Errorf("quail (exit %d): %q\nC (exit %d): %q", code, got, wantCode, want)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	return port
}

// sleeper is a server that accepts and holds connections.
func sleeper(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// fullServer listens with a backlog of 0 and fills it, so that further
// handshakes go unanswered.
func fullServer(t *testing.T) string {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	file := os.NewFile(uintptr(fd), "full")
	t.Cleanup(func() { file.Close() })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	port := strconv.Itoa(sa.(*unix.SockaddrInet4).Port)
	for i := 0; i < 3; i++ {
		d := net.Dialer{Timeout: 200 * 1e6}
		if c, err := d.Dial("tcp", "127.0.0.1:"+port); err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	return port
}
