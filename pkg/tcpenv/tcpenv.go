// Package tcpenv is qmail's tcp-env: it sets the environment tcpserver
// would have set (tcp-environ(5)) from the connection on descriptor 0,
// for a program that inetd or another super-server starts.
package tcpenv

import (
	"context"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/tcpserver"
)

// Options are tcp-env's switches.
type Options struct {
	RemoteInfo bool          // -r, the default: ask the client's ident server; -R: do not
	Timeout    time.Duration // -t: how long the ident query may take (30 s)
}

// lookupTimeout bounds each reverse lookup.
const lookupTimeout = 60 * time.Second

// Set puts PROTO=TCP, TCPLOCALIP, TCPLOCALPORT, TCPLOCALHOST, TCPREMOTEIP,
// TCPREMOTEPORT, TCPREMOTEHOST and TCPREMOTEINFO into this process's
// environment from the socket fd, as tcp-env does; when PROTO is already
// TCP (tcpserver ran first) it changes nothing. A host name that does not
// exist leaves its variable unset, one that cannot be looked up now is
// "softdnserror"; names are in lower case.
func Set(fd int, opts Options) error {
	if os.Getenv("PROTO") == "TCP" {
		return nil
	}
	local, err := address(unix.Getsockname(fd))
	if err != nil {
		return err
	}
	remote, err := address(unix.Getpeername(fd))
	if err != nil {
		return err
	}
	os.Setenv("PROTO", "TCP")
	for _, side := range []struct {
		prefix string
		addr   netip.AddrPort
	}{{"TCPLOCAL", local}, {"TCPREMOTE", remote}} {
		os.Setenv(side.prefix+"PORT", strconv.Itoa(int(side.addr.Port())))
		os.Setenv(side.prefix+"IP", side.addr.Addr().String())
		setHost(side.prefix+"HOST", side.addr.Addr())
	}
	os.Unsetenv("TCPREMOTEINFO")
	if opts.RemoteInfo {
		info, ok := tcpserver.Ident(remote.Addr(), strconv.Itoa(int(remote.Port())),
			local.Addr(), strconv.Itoa(int(local.Port())), opts.Timeout)
		if ok {
			os.Setenv("TCPREMOTEINFO", info)
		}
	}
	return nil
}

// setHost sets name to addr's host name, as dns_ptr finds it.
func setHost(name string, addr netip.Addr) {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	host, err := resolver.Default().PTR(ctx, addr)
	switch {
	case err == nil && host != "":
		os.Setenv(name, strings.ToLower(host))
	case err != nil && !resolver.IsNotFound(err):
		os.Setenv(name, "softdnserror")
	default:
		os.Unsetenv(name)
	}
}

// address is a socket address as an AddrPort, an IPv4 client of an IPv6
// socket in its IPv4 form.
func address(sa unix.Sockaddr, err error) (netip.AddrPort, error) {
	if err != nil {
		return netip.AddrPort{}, err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)), nil
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port)), nil
	}
	return netip.AddrPort{}, unix.EAFNOSUPPORT
}
