package tcpclient

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/resolver"
)

// resolverTimeout bounds each DNS lookup, as dnscache's own retries do.
const resolverTimeout = 30 * time.Second

// ErrNoConnection says every address failed; the warnings said why, and
// tcpclient exits 111 without another word, as the original does.
var ErrNoConnection = errors.New("no connection")

// Addresses returns the server's addresses in the order they are tried.
// Host "" or "0" is this machine (::1, or 127.0.0.1 with -4). A name is
// looked up as the IPv6 build does (AAAA and A records, also with -4),
// and shuffled as djbdns's dns_ip6 does.
func Addresses(host string, o Options) ([]netip.Addr, error) {
	if host == "" || host == "0" {
		if o.IPv4Only {
			return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}, nil
		}
		return []netip.Addr{netip.IPv6Loopback()}, nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolverTimeout)
	defer cancel()
	addrs, err := resolver.Default().IPs(ctx, host)
	if err != nil && !resolver.IsNotFound(err) {
		return nil, fatalf("temporarily unable to figure out IP address for %s: %s", host, dnsErrorText(err))
	}
	if len(addrs) == 0 {
		return nil, fatalf("no IP address for %s", host)
	}
	rand.Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })
	return addrs, nil
}

// dnsErrorText words a temporary DNS failure as djb's errno texts would.
func dnsErrorText(err error) string {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return djberr.Text(unix.ETIMEDOUT)
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return djberr.Text(errno)
	}
	return djberr.Text(unix.EAGAIN)
}

// Connect tries the addresses in two rounds, as the original does: the
// first with the first -T limit for each address; addresses that timed out
// get a second chance with the second limit. With one address the two
// limits are added up into one try. warn gets a line for each address
// given up on. It returns a connected, blocking socket.
func Connect(addrs []netip.Addr, port int, o Options, warn func(string)) (int, error) {
	limits := o.ConnTimeout
	if len(addrs) == 1 {
		limits = [2]time.Duration{limits[0] + limits[1], 0}
	}
	for round := 0; round < 2; round++ {
		var slow []netip.Addr
		for _, addr := range addrs {
			fd, err := dial(addr, port, limits[round], o)
			if err == nil {
				return fd, nil
			}
			var fatal *FatalError
			if errors.As(err, &fatal) {
				return -1, err
			}
			if round == 0 && limits[1] != 0 && errors.Is(err, unix.ETIMEDOUT) {
				slow = append(slow, addr)
				continue
			}
			warn("unable to connect to " + addr.Unmap().WithZone("").String() + " port " + strconv.Itoa(port) + ": " + djberr.Text(err))
		}
		addrs = slow
	}
	return -1, ErrNoConnection
}

// dial makes one connection attempt within limit.
func dial(addr netip.Addr, port int, limit time.Duration, o Options) (int, error) {
	family := unix.AF_INET6
	if o.IPv4Only {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err == unix.EAFNOSUPPORT && family == unix.AF_INET6 && addr.Unmap().Is4() {
		family = unix.AF_INET // a kernel without IPv6
		fd, err = unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	}
	if err != nil {
		return -1, fatalf("unable to create socket: %s", djberr.Text(err))
	}
	zone := interfaceIndex(o.Interface)
	local := o.LocalIP
	if !local.IsValid() {
		local = netip.IPv6Unspecified()
		if family == unix.AF_INET {
			local = netip.IPv4Unspecified()
		}
	}
	if family == unix.AF_INET && !local.Unmap().Is4() {
		unix.Close(fd)
		return -1, fatalf("unable to bind socket: %s", djberr.Text(unix.EAFNOSUPPORT))
	}
	if err := unix.Bind(fd, sockaddr(family, local, o.LocalPort, zone)); err != nil {
		unix.Close(fd)
		return -1, fatalf("unable to bind socket: %s", djberr.Text(err))
	}
	if family == unix.AF_INET && addr == netip.IPv6Loopback() {
		addr = netip.AddrFrom4([4]byte{127, 0, 0, 1}) // as the IPv6 build's -4 does
	}
	if family == unix.AF_INET && !addr.Unmap().Is4() {
		unix.Close(fd)
		return -1, unix.EAFNOSUPPORT
	}
	if err := connectWithin(fd, sockaddr(family, addr, port, zone), limit); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// interfaceIndex is -I's interface number, 0 when unknown (as
// if_nametoindex gives).
func interfaceIndex(name string) uint32 {
	if name == "" {
		return 0
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0
	}
	return uint32(ifi.Index)
}

// sockaddr is addr:port for a socket of the family: an IPv6 socket takes
// IPv4 addresses in mapped form.
func sockaddr(family int, addr netip.Addr, port int, zone uint32) unix.Sockaddr {
	if family == unix.AF_INET {
		return &unix.SockaddrInet4{Port: port, Addr: addr.Unmap().As4()}
	}
	sa := &unix.SockaddrInet6{Port: port, Addr: addr.As16()}
	if addr.Is6() && addr.IsLinkLocalUnicast() {
		sa.ZoneId = zone
		if z := addr.Zone(); z != "" {
			sa.ZoneId = interfaceIndex(z)
		}
	}
	return sa
}

// connectWithin connects the non-blocking socket, waiting at most limit;
// running out of time is ETIMEDOUT ("timed out").
func connectWithin(fd int, sa unix.Sockaddr, limit time.Duration) error {
	err := unix.Connect(fd, sa)
	if err == nil {
		return nil
	}
	if err != unix.EINPROGRESS {
		return err
	}
	deadline := time.Now().Add(limit)
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		ms := int(left.Milliseconds())
		if left > 0 && ms == 0 {
			ms = 1
		}
		ms = min(ms, 1<<30)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			if time.Now().Before(deadline) {
				continue
			}
			return unix.ETIMEDOUT
		}
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		if soErr != 0 {
			return unix.Errno(soErr)
		}
		return nil
	}
}
