// Package tcpclient owns what tcpclient does between its command line and
// the program it runs: finding the server's addresses, connecting to them
// in turn within the -T time limits, the TCP* environment of the
// connection (local and remote names, RFC 1413 ident) and handing the
// socket to the program on descriptors 6 (read) and 7 (write).
//
// It behaves as Debian's IPv6 build of ucspi-tcp 0.88: a connection over
// IPv4 is reported in IPv4 form with PROTO=TCP, one over IPv6 with
// PROTO=TCP6; -6 reports IPv4 connections in mapped IPv6 form.
package tcpclient

import (
	"fmt"
	"net/netip"
	"time"
)

// Verbosity is the -q/-Q/-v level.
type Verbosity int

const (
	Quiet   Verbosity = 0 // -q: nothing on stderr, not even fatal errors
	Errors  Verbosity = 1 // -Q (default): warnings and errors
	Verbose Verbosity = 2 // -v: also "connected to"
)

// Options are tcpclient's command-line settings.
type Options struct {
	IPv4Only     bool // -4: IPv4 sockets only; host 0 is 127.0.0.1
	ForceIPv6    bool // -6: report IPv4 connections in mapped IPv6 form
	NoDelay      bool // -D: TCP_NODELAY on; -d (default) off
	Verbosity    Verbosity
	RemoteHost   bool          // -h (default): reverse-look up the server
	RemoteInfo   bool          // -r (default): RFC 1413 ident
	InfoTimeout  time.Duration // -t: ident time limit (default 26 s)
	ConnTimeout  [2]time.Duration
	LocalIP      netip.Addr // -i: bind to this address (invalid: any)
	LocalPort    int        // -p: bind to this port (0: any)
	LocalName    string     // -l: TCPLOCALHOST without a lookup
	HasLocalName bool
	Interface    string // -I: the interface for link-local addresses
}

// DefaultOptions are the original's defaults: -T 2+58, -t 26, -h, -r.
func DefaultOptions() Options {
	return Options{
		Verbosity:   Errors,
		RemoteHost:  true,
		RemoteInfo:  true,
		InfoTimeout: 26 * time.Second,
		ConnTimeout: [2]time.Duration{2 * time.Second, 58 * time.Second},
	}
}

// FatalError is a failure after which tcpclient exits 111, with the
// original's message (after "tcpclient: fatal: ").
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

func fatalf(format string, args ...any) error {
	return &FatalError{Msg: fmt.Sprintf(format, args...)}
}
