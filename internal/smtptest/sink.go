package smtptest

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// Sink runs Postfix's smtp-sink on 127.0.0.1 until the test ends and
// returns its port. With dump set, it writes every message, one file each,
// into the directory returned (outside the test's private temporary
// directory and world-writable, since smtp-sink run by root works as the
// postfix user). Without smtp-sink the test is skipped.
func Sink(t testing.TB, dump bool) (port int, dumpDir string) {
	t.Helper()
	prog := testenv.Tool(t, "smtp-sink")
	// Find a free port; smtp-sink opens it itself.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var args []string
	if os.Getuid() == 0 {
		args = append(args, "-u", "postfix")
	}
	if dump {
		if dumpDir, err = os.MkdirTemp("", "smtp-sink-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dumpDir) })
		os.Chmod(dumpDir, 0o777)
		args = append(args, "-d", dumpDir+"/%H%M%S")
	}
	args = append(args, "127.0.0.1:"+strconv.Itoa(port), "256")
	cmd := exec.Command(prog, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("smtp-sink: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for try := 0; try < 100; try++ {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			conn.Close()
			return port, dumpDir
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("smtp-sink never listened")
	return 0, ""
}
