// Package qmtp speaks QMTP, the Quick Mail Transfer Protocol, as
// qmail-qmtpd does: any number of messages per connection, each as three
// netstrings (a mode byte and the message; the sender; a netstring of
// recipient netstrings), each answered with one netstring per recipient
// starting with K, Z or D.
//
// The server streams each message into qmail-queue, converting CRLF when
// the mode byte asks, and keeps no more than one address of under 1000
// bytes and one status byte per recipient in memory. It applies qmail's
// relaying rule (RELAYCLIENT, else control/rcpthosts and
// morercpthosts.cdb) and its databytes limit.
package qmtp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"

	"github.com/quail-mta/quail/pkg/netstring"
	"github.com/quail-mta/quail/pkg/qmqp"
	"github.com/quail-mta/quail/pkg/received"
)

// Errors ending a session without an answer; see qmqp.ExitCode for their
// exit codes.
var (
	ErrProtocol  = qmqp.ErrProtocol
	ErrResources = qmqp.ErrResources
	ErrHangup    = qmqp.ErrHangup
)

// Replies qmail-qmtpd gives instead of qmail-queue's result.
const (
	UnacceptableSender = "Dunacceptable sender (#5.1.7)"
	DatabytesExceeded  = "Dsorry, that message size exceeds my databytes limit (#5.3.4)"
	RejectedDomain     = "Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"
	RejectedRecipient  = "Dsorry, I can't handle that recipient (#5.1.3)"
)

// MaxAddress is the longest address (with RELAYCLIENT appended) taken.
const MaxAddress = 999

// MaxRecipients bounds the recipients of one message, so that a client
// cannot make the server remember without limit; the original has none.
const MaxRecipients = 1 << 20

// Config is what the server checks messages against.
type Config struct {
	// RelayClient is appended to every recipient when HasRelayClient,
	// and then rcpthosts is not consulted.
	RelayClient    string
	HasRelayClient bool
	RcptHosts      *RcptHosts
	// Databytes is the largest message accepted; 0 means no limit.
	Databytes int
}

// Server handles QMTP on a connection until the client closes it.
type Server struct {
	In     io.Reader
	Out    io.Writer
	Open   func() (qmqp.Queue, error)
	Peer   received.Peer
	Config Config
	Now    func() time.Time // time.Now when nil
}

// recipient status bytes, as qmail-qmtpd's failure string.
const (
	statusOK     = 0
	statusDomain = 'D'
	statusLong   = 'L'
	statusNUL    = 'N'
)

// flushingReader flushes the replies before it waits for the client,
// as qmail-qmtpd's saferead does.
type flushingReader struct {
	r   io.Reader
	out *bufio.Writer
	err error
}

func (f *flushingReader) Read(p []byte) (int, error) {
	if err := f.out.Flush(); err != nil {
		f.err = err
		return 0, err
	}
	return f.r.Read(p)
}

type session struct {
	s   *Server
	in  *bufio.Reader
	out *bufio.Writer
}

// Serve answers messages until the client hangs up (nil) or breaks the
// protocol or resources run out (an error).
func (s *Server) Serve() error {
	out := bufio.NewWriterSize(s.Out, 4096)
	in := bufio.NewReaderSize(&flushingReader{r: s.In, out: out}, 4096)
	ss := &session{s: s, in: in, out: out}
	for {
		err := ss.message()
		if errors.Is(err, ErrHangup) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (ss *session) byte() (byte, error) {
	c, err := ss.in.ReadByte()
	if err != nil {
		return 0, ErrHangup
	}
	return c, nil
}

// length reads a netstring length prefix, qmail's getlen.
func (ss *session) length() (int, error) { return qmqp.ReadLength(ss.byte) }

func (ss *session) comma() error {
	c, err := ss.byte()
	if err != nil {
		return err
	}
	if c != ',' {
		return ErrProtocol
	}
	return nil
}

func (ss *session) skip(n int) error {
	if _, err := ss.in.Discard(n); err != nil {
		return ErrHangup
	}
	return nil
}

// message handles one message and queues its answers.
func (ss *session) message() error {
	n, err := ss.length()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrProtocol
	}
	q, err := ss.s.Open()
	if err != nil {
		return ErrResources
	}
	qp := q.Pid()
	mode, err := ss.byte()
	if err != nil {
		return err
	}
	if mode != '\n' && mode != '\r' {
		return ErrProtocol
	}
	io.WriteString(q, received.Line("QMTP", ss.s.Peer, "", ss.s.now()))
	size := &sizeLimit{q: q, limit: ss.s.Config.Databytes}
	if mode == '\r' {
		err = ss.copyCRLF(q, n-1, size)
	} else {
		err = ss.copyLF(q, n-1, size)
	}
	if err != nil {
		return err
	}
	if err := ss.comma(); err != nil {
		return err
	}
	sender, senderOK, err := ss.sender()
	if err != nil {
		return err
	}
	q.From(sender)
	if !senderOK {
		q.Fail()
	}
	status, err := ss.recipients(q)
	if err != nil {
		return err
	}
	result := qmqp.Reply(q.Close(), qp, ss.s.now())
	if !senderOK {
		result = UnacceptableSender
	}
	if size.exceeded {
		result = DatabytesExceeded
	}
	ss.answer(status, result)
	return nil
}

// sizeLimit counts message bytes against databytes.
type sizeLimit struct {
	q        qmqp.Queue
	limit    int
	count    int
	exceeded bool
}

func (l *sizeLimit) add(n int) {
	if l.limit == 0 || l.exceeded {
		return
	}
	l.count += n
	if l.count > l.limit {
		l.exceeded = true
		l.q.Fail()
	}
}

// copyLF passes n message bytes through unchanged.
func (ss *session) copyLF(q qmqp.Queue, n int, size *sizeLimit) error {
	size.add(n)
	if _, err := io.CopyN(q, ss.in, int64(n)); err != nil {
		return ErrHangup
	}
	return nil
}

// copyCRLF passes n message bytes on with each CR before an LF dropped;
// the limit applies to what is passed on.
func (ss *session) copyCRLF(q qmqp.Queue, n int, size *sizeLimit) error {
	var conv crlf
	out := make([]byte, 0, 4096)
	for n > 0 {
		if ss.in.Buffered() == 0 {
			if _, err := ss.in.Peek(1); err != nil {
				return ErrHangup
			}
		}
		chunk, _ := ss.in.Peek(min(n, ss.in.Buffered()))
		out = conv.convert(out[:0], chunk)
		ss.in.Discard(len(chunk))
		n -= len(chunk)
		size.add(len(out))
		q.Write(out)
	}
	if conv.pendingCR {
		size.add(1)
		q.Write([]byte{'\r'})
	}
	return nil
}

// crlf turns CRLF line ends into LF across chunks of a message: a CR
// right before an LF goes, every other byte stays.
type crlf struct {
	pendingCR bool // the last chunk ended in a CR
}

func (c *crlf) convert(dst, chunk []byte) []byte {
	for len(chunk) > 0 {
		if c.pendingCR {
			c.pendingCR = false
			if chunk[0] != '\n' {
				dst = append(dst, '\r')
			}
		}
		i := bytes.IndexByte(chunk, '\r')
		if i < 0 {
			return append(dst, chunk...)
		}
		dst = append(dst, chunk[:i]...)
		c.pendingCR = true
		chunk = chunk[i+1:]
	}
	return dst
}

// sender reads the sender; ok is false for one too long or holding NUL.
func (ss *session) sender() (sender string, ok bool, err error) {
	n, err := ss.length()
	if err != nil {
		return "", false, err
	}
	if n > MaxAddress {
		if err := ss.skip(n); err != nil {
			return "", false, err
		}
		return "", false, ss.comma()
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(ss.in, buf); err != nil {
		return "", false, ErrHangup
	}
	ok = true
	for i, c := range buf {
		if c == 0 {
			// qmail passes the sender on as a C string.
			buf, ok = buf[:i], false
			break
		}
	}
	return string(buf), ok, ss.comma()
}

// recipients reads the recipient list, hands the acceptable ones to q and
// returns each recipient's status.
func (ss *session) recipients(q qmqp.Queue) ([]byte, error) {
	total, err := ss.length()
	if err != nil {
		return nil, err
	}
	var status []byte
	accepted := false
	for total > 0 {
		if len(status) >= MaxRecipients {
			return nil, ErrResources
		}
		n, used, err := ss.innerLength(total)
		if err != nil {
			return nil, err
		}
		total -= used
		if n >= total {
			return nil, ErrProtocol
		}
		st, err := ss.recipient(q, n)
		if err != nil {
			return nil, err
		}
		accepted = accepted || st == statusOK
		status = append(status, st)
		if err := ss.comma(); err != nil {
			return nil, err
		}
		total -= n + 1
	}
	if err := ss.comma(); err != nil {
		return nil, err
	}
	if !accepted {
		q.Fail()
	}
	return status, nil
}

// innerLength reads a recipient's length prefix, which must lie within
// the total bytes of the list.
func (ss *session) innerLength(total int) (n, used int, err error) {
	for {
		if used == total {
			return 0, used, ErrProtocol
		}
		c, err := ss.byte()
		if err != nil {
			return 0, used, err
		}
		used++
		if c == ':' {
			return n, used, nil
		}
		if c < '0' || c > '9' {
			return 0, used, ErrProtocol
		}
		if n > netstring.MaxLen {
			return 0, used, ErrResources
		}
		n = n*10 + int(c-'0')
	}
}

// recipient reads one recipient of n bytes and, if acceptable, gives it
// to q.
func (ss *session) recipient(q qmqp.Queue, n int) (byte, error) {
	cfg := &ss.s.Config
	if n+len(cfg.RelayClient) > MaxAddress {
		return statusLong, ss.skip(n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(ss.in, buf); err != nil {
		return 0, ErrHangup
	}
	var st byte = statusOK
	for _, c := range buf {
		if c == 0 {
			st = statusNUL
		}
	}
	addr := string(buf)
	if cfg.HasRelayClient {
		addr += cfg.RelayClient
	} else {
		ok, err := cfg.RcptHosts.Allowed(addr)
		if err != nil {
			return 0, ErrResources
		}
		if !ok {
			st = statusDomain
		}
	}
	if st == statusOK {
		q.To(addr)
	}
	return st, nil
}

// answer queues one reply per recipient; they go out before the next read.
func (ss *session) answer(status []byte, result string) {
	common := netstring.AppendString(nil, result)
	for _, st := range status {
		switch st {
		case statusOK:
			ss.out.Write(common)
		case statusDomain:
			ss.out.Write(netstring.AppendString(nil, RejectedDomain))
		default:
			ss.out.Write(netstring.AppendString(nil, RejectedRecipient))
		}
	}
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
