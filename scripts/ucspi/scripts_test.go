// Package ucspi holds tests of the ucspi-tcp client scripts in this
// directory, run as installed against loopback servers with quail's
// tcpclient, addcr, delcr and mconnect-io.
package ucspi

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// install copies the scripts into a home directory whose bin holds the
// built quail programs, filling in the home as "make install" does.
func install(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	bin := filepath.Dir(testenv.Bin(t, "tcpclient"))
	if err := os.Symlink(bin, filepath.Join(home, "bin")); err != nil {
		t.Fatal(err)
	}
	scripts := filepath.Join(home, "scripts")
	os.Mkdir(scripts, 0o755)
	for _, name := range []string{"mconnect", "tcpcat", "who@", "date@", "finger@", "http@"} {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		filled := strings.ReplaceAll(string(text), "QMAILHOME", home)
		if err := os.WriteFile(filepath.Join(scripts, name), []byte(filled), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return scripts
}

// serve runs a server on ip:port (port "0": any) whose connections talk
// as talk says, and returns the port.
func serve(t *testing.T, ip, port string, talk func(r *bufio.Reader, w io.Writer)) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, port))
	if err != nil {
		t.Skipf("cannot listen on %s port %s (fixed ports need root): %v", ip, port, err)
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
				talk(bufio.NewReader(conn), conn)
			}()
		}
	}()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// randomLoopback is a 127/8 address for servers on fixed ports, so that
// tests running at the same time do not collide.
func randomLoopback() string {
	return fmt.Sprintf("127.%d.%d.%d", rand.IntN(200)+20, rand.IntN(250)+1, rand.IntN(250)+1)
}

func runScript(t *testing.T, path, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", filepath.Base(path), args, err, out)
	}
	return string(out)
}

func TestTcpcat(t *testing.T) {
	dir := install(t)
	port := serve(t, "127.0.0.1", "0", func(_ *bufio.Reader, w io.Writer) { io.WriteString(w, "chargen\r\nline\x01\n") })
	if got := runScript(t, filepath.Join(dir, "tcpcat"), "", "127.0.0.1", port); got != "chargen\r\nline\x01\n" {
		t.Errorf("tcpcat: %q", got)
	}
}

// TestMconnect: the user's lines reach the server with CR LF, and the
// server's replies come back as they are.
func TestMconnect(t *testing.T) {
	dir := install(t)
	got := make(chan string, 2)
	port := serve(t, "127.0.0.1", "0", func(r *bufio.Reader, w io.Writer) {
		io.WriteString(w, "220 test ESMTP\r\n")
		for range 2 {
			line, _ := r.ReadString('\n')
			got <- line
			io.WriteString(w, "250 ok\r\n")
		}
	})
	out := runScript(t, filepath.Join(dir, "mconnect"), "HELO x\nQUIT\n", "127.0.0.1", port)
	if out != "220 test ESMTP\r\n250 ok\r\n250 ok\r\n" {
		t.Errorf("mconnect printed %q", out)
	}
	if a, b := <-got, <-got; a != "HELO x\r\n" || b != "QUIT\r\n" {
		t.Errorf("server got %q, %q", a, b)
	}
}

func TestHTTP(t *testing.T) {
	dir := install(t)
	request := make(chan string, 1)
	port := serve(t, "127.0.0.1", "0", func(r *bufio.Reader, w io.Writer) {
		var req strings.Builder
		for {
			line, err := r.ReadString('\n')
			req.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		request <- req.String()
		io.WriteString(w, "HTTP/1.0 200 OK\r\nServer: test\r\n\r\nbody one\r\nbody two\r\n")
	})
	out := runScript(t, filepath.Join(dir, "http@"), "", "127.0.0.1", "some/path", port)
	if out != "body one\nbody two\n" {
		t.Errorf("http@ printed %q", out)
	}
	if req := <-request; req != "GET /some/path HTTP/1.0\r\nHost: 127.0.0.1:"+port+"\r\n\r\n" {
		t.Errorf("request %q", req)
	}
}

// TestFixedPorts: who@ (11), date@ (13) and finger@ (79) have their port
// built in; the servers sit on a random loopback address.
func TestFixedPorts(t *testing.T) {
	dir := install(t)
	ip := randomLoopback()
	serve(t, ip, "11", func(_ *bufio.Reader, w io.Writer) { io.WriteString(w, "root tty1\r\nbob\x7f\r\n") })
	serve(t, ip, "13", func(_ *bufio.Reader, w io.Writer) { io.WriteString(w, "Thu Nov 26 00:00:00 2026\r\n") })
	query := make(chan string, 1)
	serve(t, ip, "79", func(r *bufio.Reader, w io.Writer) {
		line, _ := r.ReadString('\n')
		query <- line
		io.WriteString(w, "Login: joe\r\n\x01\r\n")
	})
	for _, c := range []struct{ script, arg, want string }{
		{"who@", "", "root tty1\nbob^?\n"},
		{"date@", "", "Thu Nov 26 00:00:00 2026\n"},
		{"finger@", "joe", "Login: joe\n^A\n"},
	} {
		args := []string{ip}
		if c.arg != "" {
			args = append(args, c.arg)
		}
		if got := runScript(t, filepath.Join(dir, c.script), "", args...); got != c.want {
			t.Errorf("%s printed %q, want %q", c.script, got, c.want)
		}
	}
	if q := <-query; q != "joe\r\n" {
		t.Errorf("finger query %q", q)
	}
}
