package main

import (
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// run gives tcp-env a connected socket on descriptor 0 and returns the
// TCP variables the program it runs sees.
func run(t *testing.T, env []string, args ...string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	socket, _ := server.(*net.TCPConn).File()
	server.Close()
	defer socket.Close()
	cmd := exec.Command(testenv.Bin(t, "tcp-env"), append(args, "env")...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	cmd.Stdin = socket
	out, err := cmd.Output()
	var vars []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "TCP") || strings.HasPrefix(line, "PROTO=") {
			name, value, _ := strings.Cut(line, "=")
			if strings.HasSuffix(name, "PORT") && value != "" {
				value = "<port>"
			}
			vars = append(vars, name+"="+value)
		}
	}
	sort.Strings(vars)
	return strings.Join(vars, " "), err
}

func TestEnvironment(t *testing.T) {
	dns := dnstest.Start(t, "1.0.0.127.in-addr.arpa. PTR LocalHost.Test.")
	all := "PROTO=TCP TCPLOCALHOST=localhost.test TCPLOCALIP=127.0.0.1 TCPLOCALPORT=<port> " +
		"TCPREMOTEHOST=localhost.test TCPREMOTEIP=127.0.0.1 TCPREMOTEPORT=<port>"
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"names, no ident", []string{"DNSCACHEIP=" + dns.Addr, "TCPREMOTEINFO=stale"}, []string{"-R"}, all},
		{"ident that times out at once", []string{"DNSCACHEIP=" + dns.Addr}, []string{"-rt0", "-x"}, all},
		{"no names", []string{"DNSCACHEIP=" + dns.Addr}, []string{"-R"}, "PROTO=TCP TCPLOCALIP=127.0.0.1 TCPLOCALPORT=<port> TCPREMOTEIP=127.0.0.1 TCPREMOTEPORT=<port>"},
		{"PROTO=TCP already", []string{"PROTO=TCP", "TCPREMOTEIP=10.9.9.9"}, nil, "PROTO=TCP TCPREMOTEIP=10.9.9.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "no names" {
				tc.env = []string{"DNSCACHEIP=" + dnstest.Start(t).Addr}
			}
			got, err := run(t, tc.env, tc.args...)
			if err != nil || got != tc.want {
				t.Errorf("%v\ngot  %s\nwant %s", err, got, tc.want)
			}
		})
	}
}

// TestSoftDNSError: a PTR lookup that fails for now gives "softdnserror".
func TestSoftDNSError(t *testing.T) {
	dns := dnstest.Start(t)
	dns.ServFail("1.0.0.127.in-addr.arpa")
	got, err := run(t, []string{"DNSCACHEIP=" + dns.Addr}, "-R")
	if err != nil || !strings.Contains(got, "TCPLOCALHOST=softdnserror") || !strings.Contains(got, "TCPREMOTEHOST=softdnserror") {
		t.Errorf("%v: %s", err, got)
	}
}

func TestFailures(t *testing.T) {
	for _, args := range [][]string{{}, {"-R"}} {
		cmd := exec.Command(testenv.Bin(t, "tcp-env"), args...)
		if out, err := cmd.CombinedOutput(); exitCode(err) != 111 || len(out) != 0 {
			t.Errorf("tcp-env %q: %v %q, want exit 111 and no message", args, err, out)
		}
	}
	// Not a socket on descriptor 0.
	cmd := exec.Command(testenv.Bin(t, "tcp-env"), "-R", "true")
	cmd.Stdin, _ = os.Open(os.DevNull)
	if err := cmd.Run(); exitCode(err) != 111 {
		t.Errorf("without a socket: %v", err)
	}
}

func exitCode(err error) int {
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return 0
}
