// Package tcpserver owns what tcpserver does between binding a socket and
// handing a connection to a program: the accept loop and its concurrency
// limit, the per-connection lookups (local and remote names, the paranoid
// check, RFC 1413 ident), the rules database, the TCP* environment, the
// log lines, and the per-client limits that go beyond the original.
//
// It behaves as Debian's IPv6 build of ucspi-tcp 0.88: an IPv4 client on a
// dual-stack socket is reported in IPv4 form (PROTO=TCP), with the TCP6*
// variables in mapped form beside the classic ones.
package tcpserver

import "time"

// Verbosity is the -q/-Q/-v level.
type Verbosity int

const (
	Quiet   Verbosity = 0 // -q: nothing
	Errors  Verbosity = 1 // -Q: warnings and errors (default)
	Verbose Verbosity = 2 // -v: status, pid, ok/deny and end lines too
)

// Options are tcpserver's command-line settings.
type Options struct {
	Limit        int           // -c: connections handled at once (default 40)
	Rules        string        // -x: rules cdb, consulted per connection
	AllowNoRules bool          // -X: a missing rules cdb allows everything
	Banner       string        // -B: written to each client before the rules
	Backlog      int           // -b: listen backlog (default 20)
	KillOptions  bool          // -O (default): remove IP options; -o keeps them
	NoDelay      bool          // -D: TCP_NODELAY on; -d (default) off
	RemoteHost   bool          // -h (default): reverse-look up the client
	Paranoid     bool          // -p: keep the name only if it maps back
	RemoteInfo   bool          // -r (default): RFC 1413 ident
	Timeout      time.Duration // -t: ident time limit (default 26 s)
	LocalName    string        // -l: TCPLOCALHOST without a lookup
	HasLocalName bool
	Verbosity    Verbosity
	ForceIPv6    bool   // -6: report IPv4 clients in mapped IPv6 form
	IPv4Only     bool   // -4: bind an IPv4 socket for host 0
	Interface    string // -I: the interface for link-local addresses
	Program      []string
}

// DefaultOptions are the original's defaults.
func DefaultOptions() Options {
	return Options{
		Limit:       40,
		Backlog:     20,
		KillOptions: true,
		RemoteHost:  true,
		RemoteInfo:  true,
		Timeout:     26 * time.Second,
		Verbosity:   Errors,
	}
}
