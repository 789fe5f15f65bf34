package remote

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"

	"github.com/quail-mta/quail/pkg/resolver"
)

// Candidate is one address to try, with the preference of the MX record
// that led to it (0 for an address literal or a host without MX).
type Candidate struct {
	Addr netip.Addr
	Pref int
	Name string // the host name the address belongs to, for TLS
}

// dnsOutcome classifies a failed host lookup as qmail's dns.c does.
type dnsOutcome int

const (
	dnsOK   dnsOutcome = iota
	dnsSoft            // try again later
	dnsHard            // the name does not exist
)

// Lookup is the DNS that host finding needs; *resolver.Client has it.
type Lookup interface {
	MX(ctx context.Context, name string) ([]resolver.MX, error)
	Addrs(ctx context.Context, name string, want6 bool) ([]netip.Addr, error)
}

// literal parses an address literal: "1.2.3.4", "[1.2.3.4]", "[::1]", or
// "[IPv6:::1]" as RFC 5321 writes them.
func literal(host string) (netip.Addr, bool) {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		inner := host[1 : len(host)-1]
		if len(inner) > 5 && strings.EqualFold(inner[:5], "ipv6:") {
			inner = inner[5:]
		}
		addr, err := netip.ParseAddr(inner)
		return addr, err == nil && addr.Zone() == ""
	}
	addr, err := netip.ParseAddr(host)
	return addr, err == nil && addr.Zone() == ""
}

// hostAddrs returns host's addresses with preference pref: A records
// first, then AAAA, so that IPv4, which every mail host has, is tried
// before IPv6, which some announce without reaching it.
func hostAddrs(ctx context.Context, dns Lookup, host string, pref int) ([]Candidate, dnsOutcome) {
	if addr, ok := literal(host); ok {
		return []Candidate{{Addr: addr, Pref: pref, Name: host}}, dnsOK
	}
	name := strings.TrimSuffix(host, ".")
	var list []Candidate
	outcome := dnsOK
	for _, six := range []bool{false, true} {
		addrs, err := dns.Addrs(ctx, name, six)
		if err != nil {
			if resolver.IsNotFound(err) {
				return nil, dnsHard
			}
			outcome = dnsSoft
			continue
		}
		for _, a := range addrs {
			list = append(list, Candidate{Addr: a.Unmap(), Pref: pref, Name: name})
		}
	}
	return list, outcome
}

// mxAddrs is qmail's dns_mxip: the MX hosts of host by preference, equal
// preferences shuffled, each one's addresses in turn; with no MX records,
// or a name the MX lookup calls nonexistent, host's own addresses. A soft
// failure anywhere makes the whole answer soft, as in qmail.
func mxAddrs(ctx context.Context, dns Lookup, host string, rnd *rand.Rand) ([]Candidate, dnsOutcome) {
	if addr, ok := literal(host); ok {
		return []Candidate{{Addr: addr, Name: host}}, dnsOK
	}
	if host == "" {
		return nil, dnsHard
	}
	mxs, err := dns.MX(ctx, strings.TrimSuffix(host, "."))
	if err != nil && !resolver.IsNotFound(err) {
		return nil, dnsSoft
	}
	if len(mxs) == 0 {
		return hostAddrs(ctx, dns, host, 0)
	}
	shuffleTies(mxs, rnd)
	var list []Candidate
	soft := false
	for _, mx := range mxs {
		addrs, outcome := hostAddrs(ctx, dns, mx.Host, int(mx.Pref))
		if outcome == dnsSoft {
			soft = true
		}
		list = append(list, addrs...)
	}
	if soft {
		return list, dnsSoft
	}
	return list, dnsOK
}

// shuffleTies orders MX records (already sorted by preference) randomly
// within each preference, spreading load over equal exchangers.
func shuffleTies(mxs []resolver.MX, rnd *rand.Rand) {
	for start := 0; start < len(mxs); {
		end := start + 1
		for end < len(mxs) && mxs[end].Pref == mxs[start].Pref {
			end++
		}
		group := mxs[start:end]
		rnd.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
		start = end
	}
}

// LocalAddrs returns a function that says whether an address is one of
// this machine's (qmail's ipme): every interface address, plus the
// unspecified addresses 0.0.0.0 and ::, which connect to this machine.
func LocalAddrs() (func(netip.Addr) bool, error) {
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	mine := map[netip.Addr]bool{netip.IPv4Unspecified(): true, netip.IPv6Unspecified(): true}
	for _, a := range ifaddrs {
		if prefix, err := netip.ParsePrefix(a.String()); err == nil {
			mine[prefix.Addr().Unmap()] = true
		}
	}
	return func(addr netip.Addr) bool { return mine[addr.Unmap()] }, nil
}
