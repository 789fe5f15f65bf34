package remote

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/pkg/tcpto"
)

// fullListener returns the port of a loopback socket that listens with a
// backlog of 0 and never accepts, filled until new connections hang: the
// only way to make a connection attempt time out on loopback.
func fullListener(t *testing.T) int {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	for try := 0; try < 20; try++ {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 300*time.Millisecond)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return port
			}
			t.Fatalf("filling the backlog: %v", err)
		}
		t.Cleanup(func() { conn.Close() })
	}
	t.Skip("the kernel kept accepting connections into a backlog of 0")
	return 0
}

// TestTimeoutConnect: a connection attempt that times out after
// timeoutconnect seconds is recorded in tcpto, and the delivery deferred.
func TestTimeoutConnect(t *testing.T) {
	port := fullListener(t)
	tablePath := filepath.Join(t.TempDir(), "tcpto")
	os.WriteFile(tablePath, make([]byte, tcpto.Size), 0o644)
	_, dns := testDNS(t)
	cfg := Config{
		Control: controlDir(t, map[string]string{"me": "me.test", "timeoutconnect": "1",
			"smtproutes": fmt.Sprintf(":127.0.0.1:%d", port)}),
		DNS: dns, IsMe: notMe, TCPTO: tcpto.Open(tablePath),
	}
	if got := deliver(cfg, "x.test", "", []string{"u@x.test"}, "x\n"); got != textNoConn+"\x00" {
		t.Fatalf("got %q", got)
	}
	entries, err := tcpto.List(tablePath)
	if err != nil || len(entries) != 1 || entries[0].Addr != netip.MustParseAddr("127.0.0.1") || entries[0].Count != 1 {
		t.Errorf("tcpto after a time-out: %+v, %v", entries, err)
	}
}
