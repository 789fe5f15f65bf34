// Package resolver is quail's one way to the DNS. Every program that looks
// a name up (tcpserver's -h/-p and local name, rblsmtpd, qmail-remote's MX
// lookups, qmail-config) uses Get, which honours DNSCACHEIP as djbdns-era
// tools do: when it is set, queries go only to the servers it names.
//
// DNSCACHEIP holds one or more IP addresses separated by white space or
// commas; as an extension for tests, an entry may carry a port
// ("127.0.0.1:5353", "[::1]:5353"). When it is unset, the system's
// resolver configuration applies.
//
// Client (Default) is djbdns's way: it asks the servers directly, never
// reads /etc/hosts and never appends a search domain; tcpserver, tcpclient
// and rblsmtpd use it. Get returns a standard library net.Resolver pointed
// at the same servers for programs that want its richer lookups (it still
// answers names listed in /etc/hosts from that file).
package resolver

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// EnvVar names the servers to ask.
const EnvVar = "DNSCACHEIP"

// Get returns the resolver for this process's environment.
func Get() *net.Resolver {
	return New(os.Getenv(EnvVar))
}

// New returns a resolver that asks only the servers in list (DNSCACHEIP
// syntax), or the system's resolver when list is empty.
func New(list string) *net.Resolver {
	servers := parseServers(list)
	if len(servers) == 0 {
		return &net.Resolver{PreferGo: true}
	}
	var next atomic.Uint32
	return &net.Resolver{
		PreferGo:     true,
		StrictErrors: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			server := servers[int(next.Add(1)-1)%len(servers)]
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
}

// parseServers turns a DNSCACHEIP value into host:port strings.
func parseServers(list string) []string {
	var servers []string
	for _, field := range strings.FieldsFunc(list, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == '\n'
	}) {
		if ip := net.ParseIP(field); ip != nil {
			servers = append(servers, net.JoinHostPort(ip.String(), "53"))
			continue
		}
		if host, port, err := net.SplitHostPort(field); err == nil && net.ParseIP(host) != nil {
			servers = append(servers, net.JoinHostPort(host, port))
		}
	}
	return servers
}

// IsTemporary reports whether a lookup error may go away on retry (time-out,
// server failure, no server reachable), as opposed to a name that does not
// exist or has no records of the asked type.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	return !IsNotFound(err)
}

// IsNotFound reports whether a lookup error says the name or the record
// does not exist (a permanent answer).
func IsNotFound(err error) bool {
	var ours *Error
	if errors.As(err, &ours) {
		return ours.NotFound
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

// WithTimeout is a context for one lookup bounded by d, as the C tools
// bound theirs.
func WithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
