package tcpclient

import (
	"context"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/tcpserver"
)

// Var is one change to the program's environment: a setting, or a removal
// when Unset.
type Var struct {
	Name, Value string
	Unset       bool
}

// Connection is what tcpclient learned about a connected socket.
type Connection struct {
	Vars     []Var  // in the original's order
	RemoteIP string // TCPREMOTEIP, for -v's "connected to"
	Port     string // TCPREMOTEPORT
}

// Describe finds the addresses of the connected socket fd and the names
// and ident answer the options ask for, and returns the environment the
// program gets. connected is called once the remote address is known,
// before the lookups about it (the original's -v line comes there).
func Describe(fd int, o Options, connected func(ip, port string)) (*Connection, error) {
	localSA, err := unix.Getsockname(fd)
	if err != nil {
		return nil, fatalf("unable to get local address: %s", djberr.Text(err))
	}
	local := addrPort(localSA)
	fakeV4 := !o.ForceIPv6 && (local.Addr().Unmap().Is4() || local.Addr().IsUnspecified())
	text := func(a netip.Addr) string {
		if fakeV4 {
			return a.Unmap().WithZone("").String()
		}
		return netip.AddrFrom16(a.As16()).String()
	}
	c := &Connection{}
	set := func(name, value string, ok bool) {
		c.Vars = append(c.Vars, Var{Name: name, Value: value, Unset: !ok})
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolverTimeout)
	defer cancel()

	proto := "TCP6"
	if fakeV4 {
		proto = "TCP"
	}
	set("PROTO", proto, true)
	localPort := strconv.Itoa(int(local.Port()))
	set("TCPLOCALPORT", localPort, true)
	set("TCPLOCALIP", text(local.Addr()), true)
	if o.HasLocalName {
		set("TCPLOCALHOST", o.LocalName, true)
	} else {
		name, ok := reverse(ctx, local.Addr())
		set("TCPLOCALHOST", name, ok)
	}

	remoteSA, err := unix.Getpeername(fd)
	if err != nil {
		return nil, fatalf("unable to get remote address: %s", djberr.Text(err))
	}
	remote := addrPort(remoteSA)
	c.Port = strconv.Itoa(int(remote.Port()))
	c.RemoteIP = text(remote.Addr())
	set("TCPREMOTEPORT", c.Port, true)
	set("TCPREMOTEIP", c.RemoteIP, true)
	connected(c.RemoteIP, c.Port)

	name, ok := "", false
	if o.RemoteHost {
		name, ok = reverse(ctx, remote.Addr())
	}
	set("TCPREMOTEHOST", name, ok)
	info, ok := "", false
	if o.RemoteInfo {
		info, ok = tcpserver.Ident(remote.Addr(), c.Port, local.Addr(), localPort, o.InfoTimeout)
	}
	set("TCPREMOTEINFO", info, ok)
	return c, nil
}

// reverse is djbdns's dns_name as tcpclient uses it: a name when there is
// one, an empty name when the DNS says there is none, nothing (unset) when
// the lookup failed.
func reverse(ctx context.Context, addr netip.Addr) (string, bool) {
	name, err := resolver.Default().PTR(ctx, addr)
	if err != nil {
		return "", resolver.IsNotFound(err)
	}
	return name, true
}

func addrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		addr := netip.AddrFrom16(a.Addr)
		if a.ZoneId != 0 {
			addr = addr.WithZone(strconv.Itoa(int(a.ZoneId)))
		}
		return netip.AddrPortFrom(addr, uint16(a.Port))
	}
	return netip.AddrPort{}
}

// Apply returns base (NAME=value strings) with the changes made, each name
// once.
func Apply(base []string, vars []Var) []string {
	changed := map[string]bool{}
	for _, v := range vars {
		changed[v.Name] = true
	}
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !changed[name] {
			out = append(out, kv)
		}
	}
	last := map[string]Var{}
	for _, v := range vars {
		last[v.Name] = v
	}
	for _, v := range vars {
		if l, ok := last[v.Name]; ok {
			delete(last, v.Name)
			if !l.Unset {
				out = append(out, l.Name+"="+l.Value)
			}
		}
	}
	return out
}
