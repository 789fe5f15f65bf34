package smtpd

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/date822"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/smtpaddr"
)

// Replies that carry no variable part.
const (
	replyTimeout    = "451 timeout (#4.4.2)\r\n"
	replyStrayLF    = "451 See https://cr.yp.to/docs/smtplf.html.\r\n"
	replyBMF        = "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\r\n"
	replyNoGateway  = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"
	replyUnimpl     = "502 unimplemented (#5.5.1)\r\n"
	replySyntax     = "555 syntax error (#5.5.4)\r\n"
	replyWantMail   = "503 MAIL first (#5.5.1)\r\n"
	replyWantRcpt   = "503 RCPT first (#5.5.1)\r\n"
	replyOK         = "250 ok\r\n"
	replyVrfy       = "252 send some mail, i'll try my best\r\n"
	replyQQT        = "451 qqt failure (#4.3.0)\r\n"
	replyHelp       = "214 notqmail home page: https://notqmail.org\r\n"
	replyFlushed    = "250 flushed\r\n"
	replyGoAhead    = "354 go ahead\r\n"
	replyHops       = "554 too many hops, this message is looping (#5.4.6)\r\n"
	replyDataBytes  = "552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n"
	replyControls   = "421 unable to read controls (#4.3.0)\r\n"
	replyTooManyRcp = "452 sorry, too many recipients (#4.5.3)\r\n"
)

// Queue is a running qmail-queue as pkg/qmailq provides it.
type Queue interface {
	Write(p []byte) (int, error)
	From(sender string)
	To(recipient string)
	Fail()
	Close() error
	Abort()
	Pid() int
}

// MaxEnvelope bounds the recipients kept for one message (their bytes,
// as qmail-queue's envelope would hold them). qmail-smtpd has no limit;
// quail refuses further RCPTs with a temporary error instead of growing
// without end.
const MaxEnvelope = 4 << 20

// session is one SMTP conversation.
type session struct {
	cfg *Config
	c   *conn
	r   io.Reader // the client's input and output as Serve got them,
	w   io.Writer // for STARTTLS to put TLS on

	tlsOn    bool
	tlsPeer  clientCert // the client's certificate, for relaying by certificate
	protocol string     // for the Received line: "SMTP", or ESMTPS and the cipher
	authUser string     // the AUTH user name, once authenticated
	helo     string     // the HELO/EHLO argument; the client's host name before one
	fake     bool       // helo differs from TCPREMOTEHOST: the Received line shows it

	seenMail   bool
	barf       bool // the sender is in badmailfrom
	mailFrom   string
	rcpts      []string
	rcptsBytes int
	tarpit     int    // recipients accepted since MAIL, for the tarpit
	spfInfo    string // the Received-SPF text of MAIL's check
	spfRefusal string // the reply every RCPT gets when SPF refuses the sender

	invalidRcpts int // recipients validrcptto.cdb refused in this session

	data []byte // reusable buffer for decoded message bytes
}

// Serve runs a session on the client's input and output and returns
// qmail-smtpd's exit code: 0 after QUIT, 1 when the client went away,
// timed out, sent a bare LF in a message, or a control file failed.
func Serve(cfg *Config, r io.Reader, w io.Writer) int {
	own := *cfg // AUTH changes the relay rights of this session only
	s := &session{cfg: &own, c: newConn(r, w, cfg.Timeout), r: r, w: w, protocol: "SMTP"}
	defer func() { s.c.close() }()
	s.setHelo(cfg.RemoteHost)
	err := s.run()
	switch {
	case errors.Is(err, errQuit):
		return 0
	case errors.Is(err, errTLSFailed):
		return 1
	case errors.Is(err, errTimeout):
		s.c.reply(replyTimeout)
	case errors.Is(err, errStrayLF):
		s.c.reply(replyStrayLF)
	case errors.As(err, new(*ControlError)):
		s.c.reply(replyControls)
	}
	var check *rcptCheckError
	if errors.As(err, &check) {
		s.c.reply(check.reply)
	}
	s.c.flush()
	return 1
}

var errStrayLF = errors.New("bare LF in message")

func (s *session) run() error {
	if reply := s.misconfigured(); reply != "" {
		s.c.reply(reply)
		return errRefused
	}
	if s.cfg.SMTPS {
		if err := s.smtps(); err != nil {
			return err
		}
	}
	if err := s.waitBeforeGreeting(); err != nil {
		return err
	}
	s.c.reply("220 " + s.cfg.Greeting + " ESMTP\r\n")
	for {
		line, err := s.c.readLine()
		if err != nil {
			return err
		}
		verb, arg := SplitCommand(line)
		if err := s.dispatch(verb, arg); err != nil {
			return err
		}
	}
}

// SplitCommand cuts a command line as qmail's commands() does: at the
// first NUL (the C string ends there), then into the verb before the
// first space, lowercased, and the argument after the spaces that follow.
func SplitCommand(line []byte) (verb, arg string) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	text := string(line)
	verb, arg, _ = strings.Cut(text, " ")
	return smtpaddr.Lower(verb), strings.TrimLeft(arg, " ")
}

// dispatch runs one command. Replies to MAIL, RCPT and RSET wait in the
// output buffer until the server next reads (pipelining); the others are
// sent at once.
func (s *session) dispatch(verb, arg string) error {
	switch verb {
	case "rcpt":
		return s.rcpt(arg)
	case "mail":
		s.mail(arg)
		return nil
	case "rset":
		s.seenMail = false
		s.c.reply(replyFlushed)
		return nil
	case "data":
		if err := s.dataCommand(); err != nil {
			return err
		}
	case "quit":
		s.c.reply("221 " + s.cfg.Greeting + "\r\n")
		s.c.flush()
		return errQuit
	case "helo":
		s.c.reply("250 " + s.cfg.Greeting + "\r\n")
		s.seenMail = false
		s.setHelo(arg)
	case "ehlo":
		s.c.reply("250-" + s.cfg.Greeting + "\r\n")
		if s.tlsOffered() {
			s.c.reply("250-STARTTLS\r\n")
		}
		s.c.reply(s.authEHLO())
		s.c.reply("250-PIPELINING\r\n250 8BITMIME\r\n")
		s.seenMail = false
		s.setHelo(arg)
	case "starttls":
		return s.startTLS(arg)
	case "auth":
		return s.auth(arg)
	case "help":
		s.c.reply(replyHelp)
	case "noop":
		s.c.reply(replyOK)
	case "vrfy":
		s.c.reply(replyVrfy)
	default:
		s.c.reply(replyUnimpl)
	}
	return s.c.flush()
}

func (s *session) setHelo(arg string) {
	s.helo = arg
	s.fake = smtpaddr.Lower(arg) != smtpaddr.Lower(s.cfg.RemoteHost)
}

// address parses a MAIL or RCPT argument and rewrites "user@[my IP]" to
// user@localiphost; ok is false when it is too long.
func (s *session) address(arg string) (string, bool) {
	addr := smtpaddr.Parse(arg)
	if s.cfg.HasLIPHost {
		if domain, found := smtpaddr.Domain(addr); found {
			if ip, isIP := smtpaddr.IPLiteral(domain); isIP && s.cfg.IsMe != nil && s.cfg.IsMe(ip) {
				addr = addr[:len(addr)-len(domain)] + s.cfg.LocalIPHost
			}
		}
	}
	return addr, !smtpaddr.TooLong(addr)
}

func (s *session) mail(arg string) {
	if !s.mailAllowed() {
		return
	}
	addr, ok := s.address(arg)
	if !ok {
		s.c.reply(replySyntax)
		return
	}
	s.barf = s.cfg.badMailFrom(addr)
	if !s.mfCheck(addr) || !s.checkSPF(addr) {
		return
	}
	if s.cfg.LogMail {
		s.logf("MAIL FROM:<%s>", addr)
	}
	s.seenMail = true
	s.mailFrom = addr
	s.rcpts = s.rcpts[:0]
	s.rcptsBytes = 0
	s.tarpit = 0
	s.c.reply(replyOK)
}

func (s *session) rcpt(arg string) error {
	if !s.seenMail {
		s.c.reply(replyWantMail)
		return nil
	}
	addr, ok := s.address(arg)
	if !ok {
		s.c.reply(replySyntax)
		return nil
	}
	if s.cfg.LogRcpt {
		s.logf("RCPT TO:<%s>", addr)
	}
	if s.barf {
		s.c.reply(replyBMF)
		return nil
	}
	if s.spfRefusal != "" {
		s.c.reply(s.spfRefusal)
		return nil
	}
	relaying := s.cfg.Relay
	if s.cfg.Relay {
		addr += s.cfg.RelayClient
	} else {
		allowed, err := s.cfg.RcptHosts.Allowed(addr)
		if err != nil {
			return &ControlError{Err: err}
		}
		if !allowed {
			byCert, err := s.certRelay()
			if err != nil {
				return err
			}
			if !byCert {
				s.c.reply(s.noGatewayReply())
				return nil
			}
			relaying = true
		}
	}
	if s.cfg.ValidRcptTo != nil && !relaying {
		valid, err := s.validRecipient(addr)
		if err != nil {
			return &ControlError{Err: err}
		}
		if !valid {
			return s.refuseInvalid(addr)
		}
	}
	if s.rcptsBytes+len(addr)+2 > MaxEnvelope {
		s.c.reply(replyTooManyRcp)
		return nil
	}
	if s.cfg.RcptCheck != "" {
		accepted, err := s.checkRecipient(addr)
		if err != nil {
			return err
		}
		if !accepted {
			s.c.reply(replyNoMailbox)
			return nil
		}
	}
	s.rcpts = append(s.rcpts, addr)
	s.rcptsBytes += len(addr) + 2
	s.tarpitWait()
	s.c.reply(replyOK)
	return nil
}

// tarpitWait delays the reply to an accepted recipient once a message has
// tarpitcount of them, so that a client handing over thousands of
// recipients takes hours.
func (s *session) tarpitWait() {
	if s.cfg.TarpitCount == 0 {
		return
	}
	if s.tarpit++; s.tarpit < s.cfg.TarpitCount {
		return
	}
	sleep := s.cfg.Sleep
	if sleep == nil {
		sleep = time.Sleep
	}
	sleep(s.cfg.TarpitDelay)
}

// dataCommand takes a message and hands it to qmail-queue.
func (s *session) dataCommand() error {
	if !s.seenMail {
		s.c.reply(replyWantMail)
		return nil
	}
	if len(s.rcpts) == 0 {
		s.c.reply(replyWantRcpt)
		return nil
	}
	s.seenMail = false
	q, err := s.cfg.OpenQueue()
	if err != nil {
		var pathErr *fs.PathError
		if !errors.As(err, &pathErr) {
			s.c.reply(replyQQT)
			return nil
		}
		// qmail forks first and the child fails to exec: the client
		// still sends its message and then hears why it was lost.
		q = unstartable{}
	}
	qp := q.Pid()
	s.c.reply(replyGoAhead)

	sink := &limitedQueue{q: q, remaining: s.cfg.DataBytes, limited: s.cfg.DataBytes > 0}
	io.WriteString(sink.q, s.received())
	io.WriteString(sink, s.spfHeader()) // counts against databytes, as in the patch
	hops, err := s.blast(sink)
	if err != nil {
		q.Abort() // the session ends mid-message: nothing gets queued
		return err
	}
	looping := hops >= MaxHops
	if looping {
		q.Fail()
	}
	q.From(s.mailFrom)
	for _, rcpt := range s.rcpts {
		q.To(rcpt)
	}
	qerr := q.Close()
	switch {
	case qerr == nil:
		s.c.reply("250 ok " + strconv.FormatInt(s.cfg.Now().Unix(), 10) + " qp " + strconv.Itoa(qp) + "\r\n")
	case looping:
		s.c.reply(replyHops)
	case sink.overflow:
		s.c.reply(replyDataBytes)
	default:
		s.c.reply(queueReply(qerr))
	}
	return nil
}

// queueReply turns qmail-queue's failure into qmail-smtpd's reply.
func queueReply(err error) string {
	var qe *qmailq.Error
	if errors.As(err, &qe) {
		code := "451 "
		if qe.Permanent {
			code = "554 "
		}
		return code + qe.Text + "\r\n"
	}
	return "451 " + err.Error() + "\r\n"
}

// blast copies the message from the client to the queue and returns its
// hop count.
func (s *session) blast(sink *limitedQueue) (int, error) {
	d := NewData()
	for {
		if _, err := s.c.in.Peek(1); err != nil {
			return 0, err
		}
		chunk, _ := s.c.in.Peek(s.c.in.Buffered())
		used, res, out := d.Feed(chunk, s.data[:0])
		s.data = out[:0]
		sink.Write(out)
		s.c.in.Discard(used)
		switch res {
		case End:
			return d.Hops, nil
		case StrayLF:
			return 0, errStrayLF
		}
	}
}

// received is the Received line qmail-smtpd puts at the top of a message.
func (s *session) received() string {
	var b strings.Builder
	b.WriteString("Received: from ")
	b.WriteString(safe(s.cfg.RemoteHost))
	if s.fake {
		b.WriteString(" (HELO " + safe(s.helo) + ")")
	}
	b.WriteString(" (")
	if s.cfg.HasRemoteInfo {
		b.WriteString(safe(s.cfg.RemoteInfo) + "@")
	}
	b.WriteString(safe(s.cfg.RemoteIP))
	b.WriteString(")\n  by " + safe(s.cfg.Local) + " with " + s.protocol + "; ")
	b.WriteString(date822.UTC(s.cfg.Now()) + "\n")
	return b.String()
}

// safe replaces every byte outside letters, digits and .@%+/=:-[] with
// "?", so nothing a client chose can break the header.
func safe(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !safeByte(ch) {
			b[i] = '?'
		}
	}
	return string(b)
}

func safeByte(ch byte) bool {
	switch {
	case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		return true
	}
	return strings.IndexByte(".@%+/=:-[]", ch) >= 0
}

// limitedQueue passes message bytes to the queue up to databytes; the
// first byte beyond fails the message, which is still read to its end.
type limitedQueue struct {
	q         Queue
	remaining int64
	limited   bool
	overflow  bool
}

func (l *limitedQueue) Write(p []byte) (int, error) {
	if l.overflow {
		return len(p), nil
	}
	if l.limited && int64(len(p)) > l.remaining {
		l.q.Write(p[:l.remaining])
		l.overflow = true
		l.q.Fail()
		return len(p), nil
	}
	if l.limited {
		l.remaining -= int64(len(p))
	}
	return l.q.Write(p)
}

// unstartable stands for a qmail-queue that could not be executed.
type unstartable struct{}

func (unstartable) Write(p []byte) (int, error) { return len(p), nil }
func (unstartable) From(string)                 {}
func (unstartable) To(string)                   {}
func (unstartable) Fail()                       {}
func (unstartable) Abort()                      {}
func (unstartable) Pid() int                    { return 0 }
func (unstartable) Close() error {
	return &qmailq.Error{Code: 120, Text: "unable to exec qq (#4.3.0)"}
}
