// Package remote is qmail-remote: it delivers one message to one or more
// recipients at one remote host by SMTP and prints qmail's reports, one
// per recipient ("r", "h" or "s" and text, NUL) and then one for the
// message ("K", "Z" or "D" and text, NUL). It owns smtproutes routing,
// the choice of addresses (MX preference, own addresses skipped, hosts
// that timed out skipped through package tcpto), the SMTP dialogue, and
// opportunistic STARTTLS.
package remote

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/rfc822"
	"github.com/quail-mta/quail/pkg/tcpto"
)

// Config is everything a delivery depends on besides its arguments.
type Config struct {
	Control *control.Dir
	DNS     Lookup
	TCPTO   *tcpto.Table // nil: no timeout table
	// IsMe says whether an address is this machine's; nil asks the
	// interfaces (LocalAddrs).
	IsMe func(netip.Addr) bool
	// Port is where MX hosts are contacted; 0 means 25. Tests change it.
	Port int
	// Rand breaks ties between equal MX preferences; nil seeds from the
	// clock.
	Rand *rand.Rand
	// Pool, when set, keeps connections for later deliveries.
	Pool *Pool
}

// Settings are the control files qmail-remote reads.
type Settings struct {
	HeloHost       string
	Routes         Routes
	TimeoutConnect time.Duration
	TimeoutRemote  time.Duration
	TLS            *TLSPolicy
	DKIMKeys       []string // control/dkimkeys: domain:selector:keyfile lines
}

// Report texts that do not depend on the connection (qmail-remote.c).
const (
	textUsage     = "DI (qmail-remote) was invoked improperly. (#5.3.5)\n"
	textControl   = "ZUnable to read control files. (#4.3.0)\n"
	textChdir     = "ZUnable to switch to home directory. (#4.3.0)\n"
	textOSErr     = "ZSystem resources temporarily unavailable. (#4.3.0)\n"
	textNoConn    = "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
	textRead      = "ZUnable to read message. (#4.3.0)\n"
	textTempDNS   = "ZSorry, I couldn't find any host by that name. (#4.1.2)\n"
	textNoMX      = "DSorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n"
	textPartial   = "DSMTP cannot transfer messages with partial final lines. (#5.6.2)\n"
	textAmbigMX   = "DSorry. Although I'm listed as a best-preference MX or A for that host,\nit isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n"
	textLineBreak = "DSorry, SMTP cannot carry an address with a CR or LF in it. (#5.1.3)\n"
	textPermDNS1  = "DSorry, I couldn't find any host named "
	textPermDNS2  = ". (#5.1.2)\n"
)

// Usage is the report for too few arguments.
func Usage(out io.Writer) { writeReport(out, textUsage) }

// Chdir is the report for a home directory that cannot be entered.
func Chdir(out io.Writer) { writeReport(out, textChdir) }

func writeReport(out io.Writer, text string) {
	io.WriteString(out, text+"\x00")
}

// ReadSettings reads helohost (default me, and one of them must exist),
// smtproutes, timeoutconnect, timeoutremote, the TLS controls and dkimkeys.
func ReadSettings(dir *control.Dir) (*Settings, bool) {
	remote, err := dir.Int("timeoutremote", 1200)
	if err != nil {
		return nil, false
	}
	connect, err := dir.Int("timeoutconnect", 60)
	if err != nil {
		return nil, false
	}
	helo, ok, err := dir.Line("helohost")
	if err != nil {
		return nil, false
	}
	if !ok {
		helo, ok, err = dir.Me()
		if err != nil || !ok {
			return nil, false
		}
	}
	lines, _, err := dir.Lines("smtproutes")
	if err != nil {
		return nil, false
	}
	policy, err := ReadTLSPolicy(dir)
	if err != nil {
		return nil, false
	}
	dkimKeys, _, err := dir.Lines("dkimkeys")
	if err != nil {
		return nil, false
	}
	return &Settings{
		HeloHost:       helo,
		Routes:         ParseRoutes(lines),
		TimeoutConnect: time.Duration(connect) * time.Second,
		TimeoutRemote:  time.Duration(remote) * time.Second,
		TLS:            policy,
		DKIMKeys:       dkimKeys,
	}, true
}

// Deliver sends msg from sender to recips at host and writes the reports
// to out. It never fails: every outcome is a report.
func Deliver(cfg Config, host, sender string, recips []string, msg io.Reader, out io.Writer) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	settings, ok := ReadSettings(cfg.Control)
	if !ok {
		writeReport(w, textControl)
		return
	}
	d := &delivery{cfg: cfg, settings: settings, out: w}
	defer func() {
		if d.spool != nil {
			d.spool.Close()
		}
	}()
	signed, text := d.signMessage(sender, msg)
	if text != "" {
		writeReport(w, text)
		return
	}
	d.msg = signed
	d.run(host, sender, recips)
}

type delivery struct {
	cfg      Config
	settings *Settings
	route    Route
	out      *bufio.Writer
	msg      io.Reader
	spool    *os.File // a copy of a message that could not seek, for signing
}

func (d *delivery) run(host, sender string, recips []string) {
	// qmail sends such an address as it is (quoted, but with the line
	// break inside), which lets whoever chose it append SMTP commands.
	for _, addr := range append([]string{sender}, recips...) {
		if strings.ContainsAny(addr, "\r\n") {
			writeReport(d.out, textLineBreak)
			return
		}
	}
	route := d.settings.Routes.Lookup(host)
	d.route = route
	port := 25
	if !route.Found && d.cfg.Port != 0 {
		port = d.cfg.Port
	}
	if route.Port != 0 {
		port = route.Port
	}
	target := host
	if route.Found {
		target = route.Relay
	}
	candidates, text := d.find(target, route.Found)
	if text != "" {
		writeReport(d.out, text)
		return
	}
	env := envelope{sender: mangle(sender)}
	for _, r := range recips {
		env.recips = append(env.recips, mangle(r))
	}
	d.connect(candidates, port, env)
}

// mangle quotes the local part of an address that has an "@"; an address
// without one is passed as it is (qmail's addrmangle without CNAMEs, as
// in notqmail).
func mangle(addr string) string {
	if !strings.Contains(addr, "@") {
		return addr
	}
	return rfc822.QuoteAddress(addr)
}

// find looks up the addresses to try and drops those at or above the
// preference of this machine's own best one. It returns the candidates,
// or a message report.
func (d *delivery) find(target string, routed bool) ([]Candidate, string) {
	// A bound on the whole search; each query has the resolver's own time-outs.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var list []Candidate
	var outcome dnsOutcome
	if routed {
		list, outcome = hostAddrs(ctx, d.cfg.DNS, target, 0)
	} else {
		list, outcome = mxAddrs(ctx, d.cfg.DNS, target, d.random())
	}
	switch {
	case outcome == dnsSoft:
		return nil, textTempDNS
	case outcome == dnsHard:
		return nil, textPermDNS1 + safe(target) + textPermDNS2
	case len(list) == 0:
		return nil, textNoMX
	}
	prefme := 100000
	isMe := d.cfg.IsMe
	if isMe == nil {
		var err error
		if isMe, err = LocalAddrs(); err != nil {
			return nil, textOSErr
		}
	}
	for _, c := range list {
		if isMe(c.Addr) && c.Pref < prefme {
			prefme = c.Pref
		}
	}
	if routed {
		prefme = 300000
	}
	var usable []Candidate
	for _, c := range list {
		if c.Pref < prefme {
			usable = append(usable, c)
		}
	}
	if len(usable) == 0 {
		return nil, textAmbigMX
	}
	return usable, ""
}

func (d *delivery) random() *rand.Rand {
	if d.cfg.Rand != nil {
		return d.cfg.Rand
	}
	seed := uint64(time.Now().UnixNano())
	return rand.New(rand.NewPCG(seed, seed>>7))
}

// connect tries the candidates in order, skipping those the timeout table
// calls down, and runs the SMTP dialogue on the first that answers.
func (d *delivery) connect(candidates []Candidate, port int, env envelope) {
	for _, c := range candidates {
		if d.cfg.Pool != nil {
			if s := d.cfg.Pool.get(d.poolKey(c, port)); s != nil && s.reuse(d, env) {
				return
			}
		}
		var down, known bool
		if d.cfg.TCPTO != nil {
			down, known = d.cfg.TCPTO.Down(c.Addr)
			if down {
				continue
			}
		}
		conn, err := d.dial(c.Addr, port)
		if d.cfg.TCPTO != nil {
			d.cfg.TCPTO.Record(c.Addr, isTimeout(err), known)
		}
		if err != nil {
			continue
		}
		if newSession(d, conn, c, port, false).run(env) == nil {
			return
		}
		// The opportunistic TLS handshake failed: the same host once more
		// in plain text, which is what it would have got without TLS.
		if conn, err = d.dial(c.Addr, port); err != nil {
			continue
		}
		newSession(d, conn, c, port, true).run(env)
		return
	}
	writeReport(d.out, textNoConn)
}

// poolKey says which idle connections can carry a delivery to c.
func (d *delivery) poolKey(c Candidate, port int) poolKey {
	mode, _, _ := d.settings.TLS.mode(c.Name)
	return poolKey{netip.AddrPortFrom(c.Addr, uint16(port)), c.Name, d.settings.HeloHost, mode, d.route.Login}
}

func (d *delivery) dial(addr netip.Addr, port int) (net.Conn, error) {
	dialer := net.Dialer{Timeout: d.settings.TimeoutConnect}
	return dialer.Dial("tcp", netip.AddrPortFrom(addr, uint16(port)).String())
}

// isTimeout tells a connection attempt that timed out, the only failure
// the timeout table counts, from a refusal or an unreachable network.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}
