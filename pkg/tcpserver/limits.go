package tcpserver

import (
	"net/netip"
	"strconv"
)

// limitVars are the per-client limits a rule may set, with the names of
// the widely used tcpserver limits patch: MAXCONNIP (connections from one
// address), MAXCONNC (from one IPv4 /24, or one IPv6 /64) and DIEMSG (the
// line a refused client gets). Zero means no limit.
type limitVars struct {
	perIP, perNet int
	dieMsg        string
	hasDieMsg     bool
}

func (l *limitVars) note(name, value string) {
	switch name {
	case "MAXCONNIP":
		l.perIP, _ = strconv.Atoi(value)
	case "MAXCONNC":
		l.perNet, _ = strconv.Atoi(value)
	case "DIEMSG":
		l.dieMsg, l.hasDieMsg = value, true
	}
}

// network is the group MAXCONNC counts: the /24 of an IPv4 address, the
// /64 of an IPv6 one.
func network(ip netip.Addr) netip.Prefix {
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, _ := ip.WithZone("").Prefix(bits)
	return p
}

// count records a connection from ip starting (+1) or ending (-1).
func (s *Server) count(ip netip.Addr, delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perIP[ip] += delta
	s.perNet[network(ip)] += delta
	if s.perIP[ip] == 0 {
		delete(s.perIP, ip)
	}
	if s.perNet[network(ip)] == 0 {
		delete(s.perNet, network(ip))
	}
}

// withinLimits enforces the rule's limits, counting this connection, and
// sets TCPCONNNUM (connections from this address, this one included, as
// s6-tcpserver does). A refused client gets DIEMSG and is closed.
func (s *Server) withinLimits(fd int, ss *session, ip netip.Addr) bool {
	s.mu.Lock()
	fromIP, fromNet := s.perIP[ip], s.perNet[network(ip)]
	s.mu.Unlock()
	ss.env.set("TCPCONNNUM", strconv.Itoa(fromIP))
	l := ss.limits
	over := (l.perIP > 0 && fromIP > l.perIP) || (l.perNet > 0 && fromNet > l.perNet)
	if !over {
		return true
	}
	if l.hasDieMsg {
		writeAll(fd, l.dieMsg+"\r\n")
	}
	s.log.warn("per-client limit reached for %s (%d from it, %d from its network)", ss.remote.text, fromIP, fromNet)
	return false
}
