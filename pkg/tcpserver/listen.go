package tcpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/resolver"
)

// FatalError is a start-up failure, with the original's message (after
// "tcpserver: fatal: "). tcpserver exits 111 on it.
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

func fatalf(format string, args ...any) error {
	return &FatalError{Msg: fmt.Sprintf(format, args...)}
}

// ParsePort reads a port as the original does: all digits (taken modulo
// 65536, as its 16-bit store does), or a service name from /etc/services.
func ParsePort(s string) (int, error) {
	if s != "" && allDigits(s) {
		n, _ := strconv.ParseUint(s, 10, 64)
		return int(n & 0xffff), nil
	}
	if s != "" {
		if port, err := net.LookupPort("tcp", s); err == nil {
			return port, nil
		}
	}
	return 0, fatalf("unable to figure out port number for %s", s)
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// hostAddr turns the host argument into the address to bind: "0" or "" is
// every address (IPv4 and IPv6, or IPv4 only with -4); "::" likewise for
// IPv6; a literal is itself; a name is its first address.
func hostAddr(host string, ipv4Only bool) (netip.Addr, error) {
	switch host {
	case "", "0":
		if ipv4Only {
			return netip.IPv4Unspecified(), nil
		}
		return netip.IPv6Unspecified(), nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolverTimeout)
	defer cancel()
	addrs, err := resolver.Default().IPs(ctx, host)
	if err != nil && !resolver.IsNotFound(err) {
		return netip.Addr{}, fatalf("temporarily unable to figure out IP address for %s: %s", host, djberr.Text(err))
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fatalf("no IP address for %s", host)
	}
	return preferIPv4(addrs), nil
}

// preferIPv4 picks the address a name is bound to: its first IPv4 address
// if it has one (so "localhost" means 127.0.0.1, as recorded from the
// original), else its first address.
func preferIPv4(addrs []netip.Addr) netip.Addr {
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap()
		}
	}
	return addrs[0]
}

// Listen binds the socket tcpserver accepts on: SO_REUSEADDR, a dual-stack
// IPv6 socket for the unspecified address, the given backlog, close-on-exec
// so that no child ever inherits it.
func Listen(host string, port int, o Options) (*net.TCPListener, error) {
	addr, err := hostAddr(host, o.IPv4Only)
	if err != nil {
		return nil, err
	}
	if o.Interface != "" && addr.Is6() {
		addr = addr.WithZone(o.Interface)
	}
	family := unix.AF_INET6
	if addr.Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fatalf("unable to create socket: %s", djberr.Text(err))
	}
	file := os.NewFile(uintptr(fd), "listener")
	defer file.Close()
	if err := prepare(fd, family, addr, port); err != nil {
		return nil, err
	}
	if err := unix.Listen(fd, o.Backlog); err != nil {
		return nil, fatalf("unable to listen: %s", djberr.Text(err))
	}
	ln, err := net.FileListener(file)
	if err != nil {
		return nil, fatalf("unable to listen: %s", djberr.Text(err))
	}
	return ln.(*net.TCPListener), nil
}

// prepare sets the socket options and binds.
func prepare(fd, family int, addr netip.Addr, port int) error {
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		sa = &unix.SockaddrInet4{Port: port, Addr: addr.As4()}
	} else {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
		sa6 := &unix.SockaddrInet6{Port: port, Addr: addr.As16()}
		if zone := addr.Zone(); zone != "" {
			ifi, err := net.InterfaceByName(zone)
			if err != nil {
				return fatalf("unable to bind: %s", djberr.Text(errors.Unwrap(err)))
			}
			sa6.ZoneId = uint32(ifi.Index)
		}
		sa = sa6
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fatalf("unable to bind: %s", djberr.Text(err))
	}
	return nil
}
