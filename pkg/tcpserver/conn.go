package tcpserver

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"io/fs"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/rules"
)

// resolverTimeout bounds each DNS lookup, as dnscache's own retries do.
const resolverTimeout = 30 * time.Second

// Wait statuses the original logs for children it did not run: exit 100
// (denied) and exit 111 (dropped).
const (
	statusDenied  = 100 << 8
	statusDropped = 111 << 8
)

// peer is one side of a connection in the forms the environment needs.
type peer struct {
	addr    netip.Addr
	port    string
	text    string // TCP*IP: IPv4 form for an IPv4 client, unless -6
	text6   string // TCP6*IP: always IPv6 form
	host    string
	hasHost bool
}

func newPeer(ap netip.AddrPort, fakeV4 bool) peer {
	addr := ap.Addr()
	v6 := netip.AddrFrom16(addr.As16()).WithZone(addr.Zone())
	p := peer{addr: addr, port: strconv.Itoa(int(ap.Port())), text6: v6.String()}
	p.text = p.text6
	if fakeV4 {
		p.text = addr.Unmap().String()
	}
	return p
}

// session is what tcpserver learns about one connection before it runs the
// program.
type session struct {
	local, remote peer
	fakeV4        bool
	info          string
	hasInfo       bool
	env           envList
	deny          bool
	limits        limitVars
	end           string // the -v end line, written with the status line
}

// handle serves one accepted socket, which it owns and closes, and the
// slot it was accepted in. Once a child runs, both pass to the reaper.
func (s *Server) handle(fd int, remoteSA unix.Sockaddr) {
	handedOver := false
	ss := &session{}
	defer func() {
		if !handedOver {
			unix.Close(fd)
			s.done(ss.end)
		}
	}()
	remoteAP, ok := sockaddrPort(remoteSA)
	localSA, err := unix.Getsockname(fd)
	localAP, ok2 := sockaddrPort(localSA)
	if !ok || err != nil || !ok2 {
		return
	}
	ip := remoteAP.Addr().Unmap()
	s.count(ip, +1)
	defer func() {
		if !handedOver {
			s.count(ip, -1)
		}
	}()

	fakeV4 := !s.opts.ForceIPv6 && (remoteAP.Addr().Is4() || remoteAP.Addr().Is4In6())
	ss.fakeV4, ss.local, ss.remote = fakeV4, newPeer(localAP, fakeV4), newPeer(remoteAP, fakeV4)
	s.tune(fd)
	if s.opts.Banner != "" {
		if err := writeAll(fd, s.opts.Banner); err != nil {
			s.drop(ss, "unable to print banner: %s", djberr.Text(err))
			return
		}
	}
	s.lookUp(ss)
	if !s.applyRules(ss) {
		return
	}
	if !s.withinLimits(fd, ss, ip) {
		return
	}
	if ss.deny {
		s.log.verbose("pid %s from %s", s.pid, ss.remote.text)
		s.log.verbose("%s", s.decisionLine("deny", s.pid, ss))
		ss.end = fmt.Sprintf("end %s status %d", s.pid, statusDenied)
		return
	}
	handedOver = s.run(fd, ss, func(end string) { s.count(ip, -1); s.done(end) })
}

// writeAll writes text to the (blocking) socket.
func writeAll(fd int, text string) error {
	b := []byte(text)
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// tune sets the socket options the flags ask for. An accepted socket
// starts with Nagle's algorithm on, the original's default (-d).
func (s *Server) tune(fd int) {
	if s.opts.NoDelay {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if s.opts.KillOptions {
		unix.SetsockoptString(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, "")
	}
}

// lookUp fills in names, ident and the environment, in the original's order.
func (s *Server) lookUp(ss *session) {
	ctx, cancel := context.WithTimeout(context.Background(), resolverTimeout)
	defer cancel()
	if s.opts.HasLocalName {
		ss.local.host, ss.local.hasHost = s.opts.LocalName, true
	} else {
		ss.local.host, ss.local.hasHost = reverse(ctx, ss.local.addr)
	}
	proto := "TCP"
	if !ss.fakeV4 {
		proto = "TCP6"
	}
	e := &ss.env
	e.set("PROTO", proto)
	e.set("TCPLOCALIP", ss.local.text)
	e.set("TCP6LOCALIP", ss.local.text6)
	e.set("TCPLOCALPORT", ss.local.port)
	e.set("TCP6LOCALPORT", ss.local.port)
	e.setOrUnset("TCPLOCALHOST", ss.local.host, ss.local.hasHost)
	e.setOrUnset("TCP6LOCALHOST", ss.local.host, ss.local.hasHost)
	if zone := ss.local.addr.Zone(); !ss.fakeV4 && zone != "" {
		e.set("TCP6INTERFACE", zone)
	}
	if s.opts.RemoteHost {
		ss.remote.host, ss.remote.hasHost = reverse(ctx, ss.remote.addr)
		if ss.remote.hasHost && s.opts.Paranoid && !forwardMatches(ctx, ss.remote.host, ss.remote.addr) {
			ss.remote.host, ss.remote.hasHost = "", false
		}
	}
	e.set("TCPREMOTEIP", ss.remote.text)
	e.set("TCP6REMOTEIP", ss.remote.text6)
	e.set("TCPREMOTEPORT", ss.remote.port)
	e.set("TCP6REMOTEPORT", ss.remote.port)
	e.setOrUnset("TCPREMOTEHOST", ss.remote.host, ss.remote.hasHost)
	e.setOrUnset("TCP6REMOTEHOST", ss.remote.host, ss.remote.hasHost)
	if s.opts.RemoteInfo {
		ss.info, ss.hasInfo = Ident(ss.remote.addr, ss.remote.port, ss.local.addr, ss.local.port, s.opts.Timeout)
	}
	e.setOrUnset("TCPREMOTEINFO", ss.info, ss.hasInfo)
	e.setOrUnset("TCP6REMOTEINFO", ss.info, ss.hasInfo)
}

// reverse returns the first PTR name of addr, without the final dot. An
// empty answer counts as no name, as in the original.
func reverse(ctx context.Context, addr netip.Addr) (string, bool) {
	name, err := resolver.Default().PTR(ctx, addr)
	if err != nil {
		return "", false
	}
	return name, name != ""
}

// forwardMatches is -p's check: the name's addresses include addr.
func forwardMatches(ctx context.Context, name string, addr netip.Addr) bool {
	addrs, err := resolver.Default().IPs(ctx, name)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if a.Unmap() == addr.Unmap().WithZone("") {
			return true
		}
	}
	return false
}

// applyRules consults -x. It returns false when the connection was dropped.
func (s *Server) applyRules(ss *session) bool {
	if s.opts.Rules == "" {
		return true
	}
	client := rules.Client{
		IP:   ss.remote.text,
		Host: ss.remote.host, HasHost: ss.remote.hasHost,
		Info: ss.info, HasInfo: ss.hasInfo,
	}
	d, err := rules.Lookup(s.opts.Rules, client)
	if errors.Is(err, fs.ErrNotExist) && s.opts.AllowNoRules {
		return true
	}
	if err != nil {
		s.drop(ss, "unable to read %s: %s", s.opts.Rules, djberr.Text(err))
		return false
	}
	ss.deny = d.Deny
	for _, v := range d.Vars {
		ss.env.set(v.Name, v.Value)
		ss.limits.note(v.Name, v.Value)
	}
	return true
}

// drop gives up on a connection before running the program, logging as the
// original's child does before it exits 111.
func (s *Server) drop(ss *session, format string, args ...any) {
	s.log.verbose("pid %s from %s", s.pid, ss.remote.text)
	s.log.warn("dropping connection, "+format, args...)
	ss.end = fmt.Sprintf("end %s status %d", s.pid, statusDropped)
}

// decisionLine is the -v "ok"/"deny" line: local and remote host, IP
// (IPv6 form), port, and the ident answer.
func (s *Server) decisionLine(verdict, pid string, ss *session) string {
	info := ""
	if ss.hasInfo {
		info = safe(ss.info)
	}
	return verdict + " " + pid + " " +
		safe(ss.local.host) + ":" + safe(ss.local.text6) + ":" + ss.local.port + " " +
		safe(ss.remote.host) + ":" + safe(ss.remote.text6) + ":" + info + ":" + ss.remote.port
}

// run starts the program with the connection on fds 0 and 1. It reports
// whether the child runs; then fd is closed here, and when the child ends
// the reaper logs it, as the original's parent does, and calls finished.
func (s *Server) run(fd int, ss *session, finished func(end string)) bool {
	pid, err := spawn(s.opts.Program, fd, ss.env.apply(s.baseEnv))
	if err != nil {
		s.log.verbose("pid %s from %s", s.pid, ss.remote.text)
		s.log.verbose("%s", s.decisionLine("ok", s.pid, ss))
		s.log.warn("dropping connection, unable to run %s: %s", s.opts.Program[0], djberr.Text(err))
		ss.end = fmt.Sprintf("end %s status %d", s.pid, statusDropped)
		return false
	}
	unix.Close(fd) // the child has it; EOF reaches the client when it exits
	s.log.verbose("pid %d from %s", pid, ss.remote.text)
	s.log.verbose("%s", s.decisionLine("ok", strconv.Itoa(pid), ss))
	s.reaper.onExit(pid, func(status syscall.WaitStatus) {
		finished(fmt.Sprintf("end %d status %d", pid, uint32(status)))
	})
	return true
}
