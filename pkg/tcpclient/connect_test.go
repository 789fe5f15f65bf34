package tcpclient

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fullListener listens on ip:port (0: any) with its queue full, so that
// handshakes go unanswered, and returns the port.
func fullListener(t *testing.T, ip [4]byte, port int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	file := os.NewFile(uintptr(fd), "full")
	t.Cleanup(func() { file.Close() })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: ip, Port: port}); err != nil {
		t.Skipf("cannot bind: %v", err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	port = sa.(*unix.SockaddrInet4).Port
	addr := netip.AddrPortFrom(netip.AddrFrom4(ip), uint16(port)).String()
	for i := 0; i < 3; i++ {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	return port
}

// TestTwoRounds: an address that times out in the first round is tried
// again after the others; one that refuses is given up at once.
func TestTwoRounds(t *testing.T) {
	port := fullListener(t, [4]byte{127, 0, 0, 1}, 0)
	o := DefaultOptions()
	o.ConnTimeout = [2]time.Duration{100 * time.Millisecond, 100 * time.Millisecond}
	var warnings []string
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.3")}
	_, err := Connect(addrs, port, o, func(w string) { warnings = append(warnings, w) })
	if err != ErrNoConnection {
		t.Fatalf("err %v", err)
	}
	want := []string{
		"unable to connect to 127.0.0.3 port " + strconv.Itoa(port) + ": connection refused",
		"unable to connect to 127.0.0.1 port " + strconv.Itoa(port) + ": timed out",
	}
	if strings.Join(warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}

	// A second address that answers wins in the first round.
	ln, err := net.Listen("tcp", "127.0.0.4:"+strconv.Itoa(port))
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.4: %v", err)
	}
	defer ln.Close()
	warnings = nil
	addrs[1] = netip.MustParseAddr("127.0.0.4")
	fd, err := Connect(addrs, port, o, func(w string) { warnings = append(warnings, w) })
	if err != nil || len(warnings) != 0 {
		t.Fatalf("err %v, warnings %q", err, warnings)
	}
	defer unix.Close(fd)
	peer, _ := unix.Getpeername(fd)
	if got := addrPort(peer).Addr().Unmap(); got != netip.MustParseAddr("127.0.0.4") {
		t.Errorf("connected to %v", got)
	}
	if flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); flags&unix.O_NONBLOCK != 0 {
		t.Error("the program would get a non-blocking socket")
	}
}
