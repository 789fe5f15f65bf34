// Package smtpd is qmail-smtpd: one SMTP session on a connection that
// tcpserver (or any ucspi server) hands over as a reader and a writer,
// with the client described by the TCP* environment variables. It owns the
// command loop, the relay decision (rcpthosts, morercpthosts.cdb,
// RELAYCLIENT), badmailfrom, the DATA phase (dot-stuffing, bare-LF
// refusal, hop counting, databytes) and the Received line; the message
// itself streams to qmail-queue through pkg/qmailq without ever being held
// in memory.
package smtpd

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/smtpaddr"
	"github.com/quail-mta/quail/pkg/spf"
)

// Config is everything a session needs to know before the greeting.
type Config struct {
	Greeting    string        // control/smtpgreeting, else control/me
	LocalIPHost string        // control/localiphost, else control/me
	HasLIPHost  bool          // whether either exists: "@[my IP]" is rewritten
	Timeout     time.Duration // control/timeoutsmtpd, default 1200 s
	RcptHosts   *RcptHosts    // nil: no control/rcpthosts, every domain allowed
	BadMailFrom map[string]bool
	DataBytes   int64  // 0: no limit
	ServerCert  string // control/servercert.pem: STARTTLS is offered while it exists
	SMTPS       bool   // $SMTPS: TLS from the start
	// ControlDir holds the files a TLS session reads as it goes:
	// servercerts/<name>/servercert.pem, clientca.pem and tlsclients.
	ControlDir string

	// Checkpassword is the command that checks AUTH passwords (from
	// qmail-smtpd's arguments); none: no AUTH.
	Checkpassword []string
	InsecureAuth  bool   // $ALLOW_INSECURE_AUTH: AUTH also without TLS
	AllowCram     bool   // $ALLOW_CRAM: CRAM-MD5 too, even without TLS
	AuthHost      string // qmail-smtpd's first argument, in CRAM-MD5 challenges
	// Setenv changes the environment the queue program and RCPTCHECK
	// get (os.Setenv in qmail-smtpd, one session per process); nil:
	// they get it unchanged.
	Setenv func(key, value string) error

	// Tarpitting, as Chris Johnson's tarpit patch does it: from the
	// TarpitCount-th accepted recipient of a message on, each further
	// one waits TarpitDelay before its 250 (control/tarpitcount and
	// tarpitdelay, $TARPITCOUNT and $TARPITDELAY; count 0: never).
	TarpitCount int
	TarpitDelay time.Duration
	// Sleep waits out a tarpit delay; nil means time.Sleep.
	Sleep func(time.Duration)

	// RcptCheck is $RCPTCHECK: a program run for every recipient that
	// passed the other checks, which may refuse it (the RCPTCHECK patch).
	RcptCheck string

	// MFCheck is control/mfcheck or $MFCHECK: 0 off, 1 on, 2 and 3 log
	// more; MailDNS answers its lookups.
	MFCheck int
	MailDNS MailDNS

	// ValidRcptTo is $VALIDRCPTTO_CDB, open; nil without it.
	ValidRcptTo *ValidRcptTo

	// Session rules of the combined patch, from the environment.
	RequireAuth bool // $REQUIRE_AUTH: MAIL only after AUTH
	ForceTLS    bool // $FORCE_TLS: MAIL only over TLS
	DenyTLS     bool // $DENY_TLS: no STARTTLS
	// TLSCiphers is $TLSCIPHERS, an OpenSSL cipher list that, when set,
	// replaces control/tlsserverciphers.
	TLSCiphers    string
	HasTLSCiphers bool
	GreetDelay    time.Duration // $GREETDELAY: wait before the greeting
	DropPreGreet  bool          // $DROP_PRE_GREET: refuse a client that talks first

	LogMail bool // $QMAILSMTPD_LOG_MAIL: log each accepted MAIL's sender
	LogRcpt bool // $QMAILSMTPD_LOG_RCPT: log each RCPT's address

	// Log takes the session's notes (qmail-smtpd's descriptor 2), each
	// line starting "qmail-smtpd[PID]: "; nil: none.
	Log io.Writer
	PID int

	// SPF checks senders as the qmail-spf patch does; nil when
	// spfbehavior is 0. SPFBehavior is 1 to 6 then.
	SPF         *spf.Policy
	SPFBehavior int

	resolver *resolver.Client // see dns

	RemoteIP, RemoteHost, Local string
	RemoteInfo                  string
	HasRemoteInfo               bool
	RelayClient                 string
	Relay                       bool // RELAYCLIENT is set, even if empty

	// IsMe says whether an IPv4 address is one of this host's.
	IsMe func([4]byte) bool
	// OpenQueue starts qmail-queue for one message.
	OpenQueue func() (Queue, error)
	// Now is the clock for the Received line and the DATA reply.
	Now func() time.Time
}

// ControlError is a control file that exists but cannot be read, or a
// missing me and smtpgreeting: qmail-smtpd answers "421 unable to read
// controls" and exits.
type ControlError struct{ Err error }

func (e *ControlError) Error() string { return "unable to read controls: " + e.Err.Error() }
func (e *ControlError) Unwrap() error { return e.Err }

// defaultTimeout is qmail-smtpd's compiled-in timeoutsmtpd.
const defaultTimeout = 1200

// Load reads the control files in dir and the environment (getenv) as
// qmail-smtpd's setup does. IsMe, OpenQueue and Now are filled with the
// real ones; a caller may replace them.
func Load(dir string, getenv func(string) (string, bool)) (*Config, error) {
	ctl := control.Open(dir)
	c := &Config{
		IsMe:      IsMe,
		OpenQueue: openQmailQueue,
		Now:       time.Now,
	}
	var err error
	wrap := func(e error) error { return &ControlError{Err: e} }

	greeting, ok, err := lineOrMe(ctl, "smtpgreeting")
	if err != nil {
		return nil, wrap(err)
	}
	if !ok {
		return nil, wrap(errors.New("neither control/smtpgreeting nor control/me exists"))
	}
	c.Greeting = greeting
	if v, ok := getenv("SMTPGREETING"); ok { // the combined patch's, per client from tcprules
		c.Greeting = v
	}
	if c.LocalIPHost, c.HasLIPHost, err = lineOrMe(ctl, "localiphost"); err != nil {
		return nil, wrap(err)
	}

	timeout := int32(defaultTimeout)
	if line, ok, err := ctl.Line("timeoutsmtpd"); err != nil {
		return nil, wrap(err)
	} else if ok {
		if n, digits := scanUlong(line); digits {
			timeout = int32(n)
		}
	}
	if timeout <= 0 {
		timeout = 1
	}
	c.Timeout = time.Duration(timeout) * time.Second

	if err := c.loadTarpit(ctl, getenv); err != nil {
		return nil, wrap(err)
	}

	c.ServerCert = filepath.Join(dir, "servercert.pem")
	c.ControlDir = dir
	if c.RcptHosts, err = LoadRcptHosts(dir); err != nil {
		return nil, wrap(err)
	}

	bmf, ok, err := ctl.Lines("badmailfrom")
	if err != nil {
		return nil, wrap(err)
	}
	if ok {
		c.BadMailFrom = make(map[string]bool, len(bmf))
		for _, line := range bmf {
			c.BadMailFrom[smtpaddr.Lower(line)] = true
		}
	}

	n, err := numberSetting(ctl, getenv, "databytes", "DATABYTES", 0)
	if err != nil {
		return nil, wrap(err)
	}
	databytes := uint32(n)
	if databytes == ^uint32(0) {
		databytes--
	}
	c.DataBytes = int64(databytes)

	c.loadClient(getenv)
	c.loadPolicy(getenv)
	if err := c.loadValidRcptTo(getenv); err != nil {
		return nil, wrap(err)
	}
	if err := c.loadMFCheck(ctl, getenv); err != nil {
		return nil, wrap(err)
	}
	if err := c.loadSPF(ctl, getenv); err != nil {
		return nil, wrap(err)
	}
	return c, nil
}

// openQmailQueue starts $QMAILQUEUE or bin/qmail-queue.
func openQmailQueue() (Queue, error) {
	q, err := qmailq.Open(qmailq.Program())
	if err != nil {
		return nil, err
	}
	return q, nil
}

// lineOrMe is control_rldef with control/me as the default: ok is false
// when neither file exists.
func lineOrMe(ctl *control.Dir, name string) (string, bool, error) {
	line, ok, err := ctl.Line(name)
	if err != nil || ok {
		return line, ok, err
	}
	return ctl.Me()
}

// loadClient takes the connection's description from tcpserver's
// variables, with qmail-smtpd's fallbacks.
func (c *Config) loadClient(getenv func(string) (string, bool)) {
	orDefault := func(def string, names ...string) string {
		for _, name := range names {
			if v, ok := getenv(name); ok {
				return v
			}
		}
		return def
	}
	c.RemoteIP = orDefault("unknown", "TCPREMOTEIP")
	c.Local = orDefault("unknown", "TCPLOCALHOST", "TCPLOCALIP")
	c.RemoteHost = orDefault("unknown", "TCPREMOTEHOST")
	c.RemoteInfo, c.HasRemoteInfo = getenv("TCPREMOTEINFO")
	c.RelayClient, c.Relay = getenv("RELAYCLIENT")
	_, c.SMTPS = getenv("SMTPS")
	c.TLSCiphers, c.HasTLSCiphers = getenv("TLSCIPHERS")
	c.RcptCheck, _ = getenv("RCPTCHECK")
	if v, ok := getenv("ALLOW_INSECURE_AUTH"); ok {
		n, _ := scanUlong(v)
		c.InsecureAuth = n > 0
	}
}

// loadTarpit reads the tarpit patch's settings; negative values (a
// number too big for the C int) mean 0.
func (c *Config) loadTarpit(ctl *control.Dir, getenv func(string) (string, bool)) error {
	count, err := numberSetting(ctl, getenv, "tarpitcount", "TARPITCOUNT", 0)
	if err != nil {
		return err
	}
	delay, err := numberSetting(ctl, getenv, "tarpitdelay", "TARPITDELAY", 5)
	if err != nil {
		return err
	}
	c.TarpitCount = int(max(int32(count), 0))
	c.TarpitDelay = time.Duration(max(int32(delay), 0)) * time.Second
	return nil
}

// numberSetting reads a number the patches' way: the control file as
// control_readint does (a first line without leading digits, or no file,
// keeps def), then the environment variable, which overrides it even
// when it holds no digits (then 0).
func numberSetting(ctl *control.Dir, getenv func(string) (string, bool), file, env string, def uint64) (uint64, error) {
	n := def
	line, ok, err := ctl.Line(file)
	if err != nil {
		return 0, err
	}
	if v, digits := scanUlong(line); ok && digits {
		n = v
	}
	if v, ok := getenv(env); ok {
		n, _ = scanUlong(v)
	}
	return n, nil
}

// dns is the resolver SPF and MFCHECK share, made on first use: making
// it reads /etc/resolv.conf when DNSCACHEIP is not set.
func (c *Config) dns() *resolver.Client {
	if c.resolver == nil {
		c.resolver = resolver.Default()
	}
	return c.resolver
}

// scanUlong reads leading decimal digits as djb's scan_ulong does, wrapping
// on overflow like the C unsigned long; digits is false if there are none.
func scanUlong(s string) (n uint64, digits bool) {
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
		digits = true
	}
	return n, digits
}

// Environ adapts os.LookupEnv for Load.
func Environ(name string) (string, bool) { return os.LookupEnv(name) }

// badMailFrom reports whether addr, or its "@domain", is listed.
func (c *Config) badMailFrom(addr string) bool {
	if c.BadMailFrom == nil {
		return false
	}
	lower := smtpaddr.Lower(addr)
	if c.BadMailFrom[lower] {
		return true
	}
	if i := strings.LastIndexByte(lower, '@'); i >= 0 {
		return c.BadMailFrom[lower[i:]]
	}
	return false
}
