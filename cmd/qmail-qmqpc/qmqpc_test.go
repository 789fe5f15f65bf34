package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// run runs qmail-qmqpc with home, message and envelope, returning its
// exit code.
func run(t *testing.T, home, message, envelope string) int {
	t.Helper()
	envR, envW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testenv.Bin(t, "qmail-qmqpc"))
	cmd.Env = []string{"QMAILHOME=" + home}
	cmd.Stdin = strings.NewReader(message)
	cmd.Stdout = envR
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	envR.Close()
	go func() { io.WriteString(envW, envelope); envW.Close() }()
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func home(t *testing.T, servers *string) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "control"), 0o755)
	if servers != nil {
		if err := os.WriteFile(filepath.Join(dir, "control", "qmqpservers"), []byte(*servers), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// answering is a QMQP server that reads a request and answers reply.
func answering(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			conn.Read(buf)
			io.WriteString(conn, reply)
			conn.Close()
		}
	}()
	return ln.Addr().String()
}

func TestExitCodes(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	str := func(s string) *string { return &s }
	good := "Fa@b\x00Tc@d\x00\x00"
	tests := []struct {
		name     string
		servers  *string
		envelope string
		code     int
	}{
		{"no qmqpservers", nil, good, 55},
		{"empty qmqpservers", str(""), good, 55},
		{"no usable line", str("hub.example\n"), good, 55},
		{"dead server", str(deadAddr + "\n"), good, 73},
		{"accepted", str(answering(t, "6:Kok 1,")), good, 0},
		{"temporary", str(answering(t, "4:Zno,")), good, 71},
		{"permanent", str(answering(t, "4:Dno,")), good, 31},
		{"no answer", str(answering(t, "")), good, 74},
		{"dead then accepted", str(deadAddr + "\n" + answering(t, "2:K.,")), good, 0},
		{"first answer counts", str(answering(t, "2:Z.,") + "\n" + answering(t, "2:K.,")), good, 71},
		{"envelope cut short", str(answering(t, "2:K.,")), "Fa@b\x00Tc@d\x00", 91},
		{"envelope without F", str(answering(t, "2:K.,")), "Tc@d\x00\x00", 91},
		{"empty envelope", str(answering(t, "2:K.,")), "", 91},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code := run(t, home(t, tc.servers), "Subject: x\n\nbody\n", tc.envelope); code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
		})
	}
	if code := run(t, filepath.Join(t.TempDir(), "missing"), "x", good); code != 61 {
		t.Errorf("missing home: exit %d, want 61", code)
	}
}
