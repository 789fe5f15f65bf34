package remote

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"
)

type envelope struct {
	sender string
	recips []string
}

// deadlineConn bounds every read and write by the timeoutremote limit, as
// qmail's timeoutread and timeoutwrite do; TLS runs on top of it.
type deadlineConn struct {
	net.Conn
	limit time.Duration
}

func (c deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.limit))
	return c.Conn.Read(p)
}

func (c deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.limit))
	return c.Conn.Write(p)
}

// errDropped is any failure to read or write the connection: qmail
// reports them all as "connection died".
var errDropped = errors.New("connection died")

// errRetryPlain asks for a new connection without TLS after an
// opportunistic handshake failed, since a failed handshake leaves
// nothing to talk on.
var errRetryPlain = errors.New("TLS handshake failed; retry without TLS")

// session is one SMTP connection; with a Pool it may carry several
// messages, one delivery after another.
type session struct {
	d         *delivery
	raw       net.Conn
	conn      net.Conn
	r         *bufio.Reader
	w         *bufio.Writer
	partner   Candidate
	ip        string
	text      string // the last reply's text, for reports
	code      uint64 // the last reply's code
	critical  bool   // the final dot is out: a drop now may duplicate
	noTLS     bool
	smtps     bool  // TLS from the first byte: the port is the SMTPS port
	ehlo      Reply // the EHLO reply in force (the one after STARTTLS)
	encrypted bool
	reusable  bool // greeting, EHLO, TLS and AUTH are done: fit for the pool
	messages  int
	key       poolKey
}

func newSession(d *delivery, conn net.Conn, c Candidate, port int, noTLS bool) *session {
	s := &session{d: d, raw: conn, partner: c, ip: c.Addr.String(), noTLS: noTLS, smtps: port == smtpsPort}
	if d.cfg.Pool != nil {
		s.key = d.poolKey(c, port)
	}
	s.use(deadlineConn{conn, d.settings.TimeoutRemote})
	return s
}

func (s *session) use(conn net.Conn) {
	s.conn = conn
	s.r = bufio.NewReaderSize(conn, 1024)
	s.w = bufio.NewWriterSize(conn, 4096)
}

// run speaks SMTP and writes the reports. It returns errRetryPlain when
// the connection must be made again without TLS, and nothing else.
func (s *session) run(env envelope) error {
	return s.finish(s.dialogue(env))
}

// finish handles the end of a dialogue that did not end in quit, which
// has already parked or closed the connection.
func (s *session) finish(err error) error {
	if err == nil {
		return nil
	}
	s.raw.Close()
	if errors.Is(err, errRetryPlain) {
		return err
	}
	if errors.Is(err, errDropped) {
		s.dropped()
	}
	// Otherwise the report is written already (message read failures).
	return nil
}

// reuse checks that a pooled connection is still alive with RSET, and
// runs the transaction for delivery d on it. It reports false, having
// closed the connection, when the connection turns out dead; nothing has
// been written for d then.
func (s *session) reuse(d *delivery, env envelope) bool {
	s.d = d
	s.critical = false
	s.use(deadlineConn{s.conn.(deadlineConn).Conn, d.settings.TimeoutRemote})
	r, err := s.command("RSET")
	s.text = ""
	if err != nil || r.Code != 250 {
		s.raw.Close()
		return false
	}
	s.finish(s.transaction(env))
	return true
}

// close ends an idle connection politely.
func (s *session) close() {
	s.raw.SetWriteDeadline(time.Now().Add(5 * time.Second))
	s.w.WriteString("QUIT\r\n")
	s.w.Flush()
	s.raw.Close()
}

func (s *session) command(line string) (Reply, error) {
	s.w.WriteString(line)
	s.w.WriteString("\r\n")
	if err := s.w.Flush(); err != nil {
		return Reply{}, errDropped
	}
	return s.reply()
}

func (s *session) reply() (Reply, error) {
	r, err := ReadReply(s.r)
	if err != nil {
		return Reply{}, errDropped
	}
	s.text, s.code = r.Text, r.Code
	return r, nil
}

// quit ends the transaction: the message report "<letter>...<ip>..."
// with the last reply, then QUIT without waiting for its answer, or, with
// a pool and a connection still fit, the pool instead of QUIT. Unlike
// qmail, a failure to send QUIT does not turn the report into
// "connection died": the outcome is already known.
func (s *session) quit(prefix, suffix string) error {
	out := s.d.out
	out.WriteString(prefix + s.ip + suffix + ".\n")
	s.writeText()
	out.WriteByte(0)
	if s.reusable && s.code != 421 && s.d.cfg.Pool.put(s.key, s) {
		return nil
	}
	s.w.WriteString("QUIT\r\n")
	s.w.Flush()
	s.raw.Close()
	return nil
}

func (s *session) writeText() {
	if s.text == "" {
		return
	}
	out := s.d.out
	out.WriteString("Remote host said: ")
	for i := 0; i < len(s.text); i++ {
		if c := s.text[i]; c == 0 {
			out.WriteByte('?')
		} else {
			out.WriteByte(c)
		}
	}
	s.text = ""
}

func (s *session) dropped() {
	text := "ZConnected to " + s.ip + " but connection died. "
	if s.critical {
		text += "Possible duplicate! "
	}
	writeReport(s.d.out, text+"(#4.4.2)\n")
}

func (s *session) dialogue(env envelope) error {
	if s.smtps {
		if done, err := s.implicitTLS(); done || err != nil {
			return err
		}
	}
	r, err := s.reply()
	if err != nil {
		return err
	}
	if r.Code != 220 {
		if s.smtps {
			return s.quit("ZTLS Connected to ", " but greeting failed") // the patch's words
		}
		return s.quit("ZConnected to ", " but greeting failed")
	}
	ehlo, err := s.hello()
	if err != nil || ehlo == nil {
		return err
	}
	s.ehlo = *ehlo
	if done, err := s.startTLS(*ehlo); done || err != nil {
		return err
	}
	if done, err := s.authenticate(); done || err != nil {
		return err
	}
	s.reusable = true
	return s.transaction(env)
}

// hello says EHLO, falling back to HELO when EHLO is refused. It returns
// the EHLO reply (empty after HELO), or nil when a report was written.
func (s *session) hello() (*Reply, error) {
	helo := s.d.settings.HeloHost
	r, err := s.command("EHLO " + helo)
	if err != nil {
		return nil, err
	}
	if r.Code == 250 {
		return &r, nil
	}
	r, err = s.command("HELO " + helo)
	if err != nil {
		return nil, err
	}
	if r.Code != 250 {
		return nil, s.quit("ZConnected to ", " but my name was rejected")
	}
	return &Reply{}, nil
}

func (s *session) transaction(env envelope) error {
	s.messages++
	r, err := s.command("MAIL FROM:<" + env.sender + ">")
	if err != nil {
		return err
	}
	switch {
	case r.Code >= 500:
		return s.quit("DConnected to ", " but sender was rejected")
	case r.Code >= 400:
		return s.quit("ZConnected to ", " but sender was rejected")
	}
	accepted := false
	for _, recip := range env.recips {
		r, err := s.command("RCPT TO:<" + recip + ">")
		if err != nil {
			return err
		}
		s.recipientReport(r.Code)
		if r.Code < 400 {
			accepted = true
		}
	}
	if !accepted {
		return s.quit("DGiving up on ", "")
	}
	r, err = s.command("DATA")
	if err != nil {
		return err
	}
	switch {
	case r.Code >= 500:
		return s.quit("D", " failed on DATA command")
	case r.Code >= 400:
		return s.quit("Z", " failed on DATA command")
	}
	if err := s.blast(); err != nil {
		return err
	}
	r, err = s.reply()
	if err != nil {
		return err
	}
	s.critical = false
	switch {
	case r.Code >= 500:
		return s.quit("D", " failed after I sent the message")
	case r.Code >= 400:
		return s.quit("Z", " failed after I sent the message")
	}
	return s.quit("K", " accepted message")
}

func (s *session) recipientReport(code uint64) {
	out := s.d.out
	switch {
	case code >= 500:
		out.WriteString("h" + s.ip + " does not like recipient.\n")
		s.writeText()
	case code >= 400:
		out.WriteString("s" + s.ip + " does not like recipient.\n")
		s.writeText()
	default:
		out.WriteString("r")
	}
	out.WriteByte(0)
}

// errReported means the message report is written and the connection
// is to be dropped without QUIT, as qmail exits at once on these.
var errReported = errors.New("reported")

// blast sends the message: LF line ends become CR LF (a line already
// ending in CR LF is left alone, as in notqmail), a line starting with a
// dot gets another, and a final line without LF is refused.
func (s *session) blast() error {
	in := bufio.NewReaderSize(s.d.msg, 8192)
	lineStart, lastCR := true, false
	var werr error
	put := func(b []byte) {
		if werr == nil {
			_, werr = s.w.Write(b)
		}
	}
	for werr == nil {
		chunk, err := in.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart && chunk[0] == '.' {
				put(dot)
			}
			if chunk[len(chunk)-1] == '\n' {
				body := chunk[:len(chunk)-1]
				put(body)
				crDone := len(body) > 0 && body[len(body)-1] == '\r' || len(body) == 0 && lastCR
				if crDone {
					put(lf)
				} else {
					put(crlf)
				}
				lineStart, lastCR = true, false
			} else {
				put(chunk)
				lineStart, lastCR = false, chunk[len(chunk)-1] == '\r'
			}
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if !lineStart {
				writeReport(s.d.out, textPartial)
				return errReported
			}
			s.critical = true
			put(endData)
			if werr != nil || s.w.Flush() != nil {
				return errDropped
			}
			return nil
		default:
			writeReport(s.d.out, textRead)
			return errReported
		}
	}
	return errDropped
}

var (
	dot     = []byte(".")
	lf      = []byte("\n")
	crlf    = []byte("\r\n")
	endData = []byte(".\r\n")
)

// handshake runs the TLS client handshake over the connection, bounded
// by the timeoutremote limit, and moves the session onto it.
func (s *session) handshake(cfg *tls.Config) error {
	tc := tls.Client(s.raw, cfg)
	s.raw.SetDeadline(time.Now().Add(s.d.settings.TimeoutRemote))
	if err := tc.Handshake(); err != nil {
		return err
	}
	s.use(deadlineConn{tc, s.d.settings.TimeoutRemote})
	return nil
}
