package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// talk runs mconnect-io with one end of a socket pair on descriptors 6
// and 7, plays an SMTP server on the other end, and returns what the
// program printed and what the server got.
func talk(t *testing.T, bin string) (string, string) {
	t.Helper()
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	client := os.NewFile(uintptr(pair[0]), "client")
	server := os.NewFile(uintptr(pair[1]), "server")
	defer client.Close()
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader("HELO x\nMAIL FROM:<a@b>\n")
	cmd.ExtraFiles = []*os.File{nil, nil, nil, client, client} // fds 6 and 7
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	client.Close()
	stop := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() }) // a hung program fails the test
	defer stop.Stop()
	io.WriteString(server, "220 test\r\n")
	r := bufio.NewReader(server)
	var got strings.Builder
	for range 2 {
		line, _ := r.ReadString('\n')
		got.WriteString(line)
		io.WriteString(server, "250 ok\r\n")
	}
	server.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("%s: %v", bin, err)
	}
	return out.String(), got.String()
}

// TestAsOriginal: the user's lines reach the server with CR LF; the
// server's reach the user as they are; the end of the connection ends it.
func TestAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp", "mconnect-io")
	bin := testenv.Bin(t, "mconnect-io")
	wantOut, wantGot := talk(t, ref)
	out, got := talk(t, bin)
	if out != wantOut || got != wantGot {
		t.Errorf("quail printed %q, server got %q; C %q, %q", out, got, wantOut, wantGot)
	}
	if got != "HELO x\r\nMAIL FROM:<a@b>\r\n" || out != "220 test\r\n250 ok\r\n250 ok\r\n" {
		t.Errorf("printed %q, server got %q", out, got)
	}
}
