// Package qmqp speaks QMQP, the Quick Mail Queueing Protocol: one message
// per connection, sent by qmail-qmqpc from a front-end host to a hub where
// qmail-qmqpd puts it into the queue. The request is one netstring holding
// the message's netstring, the sender's and one per recipient; the answer
// is one netstring starting with K (queued), Z (try again) or D (rejected).
//
// The server streams the message into qmail-queue and keeps no more than
// one address (under 1000 bytes) in memory; the client, like qmail's,
// holds the message it sends.
package qmqp

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/quail-mta/quail/pkg/netstring"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/received"
)

// Queue is the part of a running qmail-queue the servers use;
// *qmailq.Queue is one.
type Queue interface {
	Write(p []byte) (int, error)
	From(sender string)
	To(recipient string)
	Fail()
	Close() error
	Pid() int
}

// The ways a server session ends without answering, each with the exit
// code qmail-qmqpd uses for it.
var (
	// ErrProtocol is a request that breaks the protocol: exit 100.
	ErrProtocol = errors.New("protocol violation")
	// ErrResources is a lack of resources (lengths above 200000000,
	// qmail-queue not starting, the hour's alarm): exit 111.
	ErrResources = errors.New("out of resources")
	// ErrHangup is the client going away: exit 0.
	ErrHangup = errors.New("connection closed")
)

// ExitCode is the process exit code for a session's result.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, ErrHangup):
		return 0
	case errors.Is(err, ErrProtocol):
		return 100
	}
	return 111
}

// MaxAddress is the longest address qmail's servers take: addresses of
// this length or more are read past and make the message fail.
const MaxAddress = 999

// outerPrefixLimit is how many bytes qmail-qmqpd reads before it must
// have the request's length.
const outerPrefixLimit = 100

// BadAddressReply is qmail-qmqpd's answer when an address was too long
// or held a NUL byte.
const BadAddressReply = "Dsorry, I can't accept addresses like that (#5.1.3)"

// Server handles one QMQP request as qmail-qmqpd does.
type Server struct {
	In   io.Reader
	Out  io.Writer
	Open func() (Queue, error) // starts qmail-queue
	Peer received.Peer
	Now  func() time.Time // time.Now when nil
}

// request reads a request whose bytes are counted against left, as
// qmail-qmqpd's bytesleft.
type request struct {
	r    *bufio.Reader
	left int
}

// Serve reads one request, queues its message and writes the answer. It
// returns nil after answering, else why it stopped without an answer.
func (s *Server) Serve() error {
	br := bufio.NewReaderSize(s.In, 4096)
	req := &request{r: br, left: outerPrefixLimit}
	total, err := req.length()
	if err != nil {
		return err
	}
	req.left = total
	msgLen, err := req.length()
	if err != nil {
		return err
	}
	q, err := s.Open()
	if err != nil {
		return ErrResources
	}
	qp := q.Pid()
	io.WriteString(q, received.Line("QMQP", s.Peer, "", s.now()))
	if err := req.copy(q, msgLen); err != nil {
		return err
	}
	ok := true
	sender, good, err := req.address()
	if err != nil {
		return err
	}
	if !good {
		sender = ""
		ok = false
	}
	q.From(sender)
	if !ok {
		q.Fail()
	}
	for req.left > 0 {
		rcpt, good, err := req.address()
		if err != nil {
			return err
		}
		if !good {
			q.Fail()
			ok = false
			continue
		}
		q.To(rcpt)
	}
	req.left = 1
	if err := req.comma(); err != nil {
		return err
	}
	reply := Reply(q.Close(), qp, s.now())
	if !ok {
		reply = BadAddressReply
	}
	if _, err := s.Out.Write(netstring.AppendString(nil, reply)); err != nil {
		return ErrHangup
	}
	return nil
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Reply is the answer for qmail-queue's result: "Kok <time> qp <pid>"
// when it took the message, else "D" (permanent) or "Z" and its reason.
func Reply(err error, qp int, now time.Time) string {
	if err == nil {
		return "Kok " + strconv.FormatInt(now.Unix(), 10) + " qp " + strconv.Itoa(qp)
	}
	var qerr *qmailq.Error
	if errors.As(err, &qerr) && qerr.Permanent {
		return "D" + qerr.Text
	}
	if qerr != nil {
		return "Z" + qerr.Text
	}
	return "Zqq temporary problem (#4.3.0)"
}

// length reads a length prefix within the bytes left, byte by byte so
// that it stops exactly where qmail-qmqpd would.
func (r *request) length() (int, error) { return ReadLength(r.byte) }

// ReadLength is qmail's getlen, shared by the QMQP and QMTP servers: the
// digits of a netstring length up to its ':', read one byte at a time from
// next. As there, no digits before the ':' mean 0; where qmail would make
// a number of any byte, quail calls a non-digit a protocol violation.
func ReadLength(next func() (byte, error)) (int, error) {
	n := 0
	for {
		c, err := next()
		if err != nil {
			return 0, err
		}
		if c == ':' {
			return n, nil
		}
		if c < '0' || c > '9' {
			return 0, ErrProtocol
		}
		if n > netstring.MaxLen {
			return 0, ErrResources
		}
		n = n*10 + int(c-'0')
	}
}

// byte reads one byte of the request.
func (r *request) byte() (byte, error) {
	if err := r.take(1); err != nil {
		return 0, err
	}
	c, err := r.r.ReadByte()
	if err != nil {
		return 0, ErrHangup
	}
	return c, nil
}

// take accounts for n more bytes of the request.
func (r *request) take(n int) error {
	if n > r.left {
		return ErrProtocol
	}
	r.left -= n
	return nil
}

func (r *request) comma() error {
	c, err := r.byte()
	if err != nil {
		return err
	}
	if c != ',' {
		return ErrProtocol
	}
	return nil
}

// copy moves n message bytes to w, then reads the ','.
func (r *request) copy(w io.Writer, n int) error {
	if err := r.take(n); err != nil {
		return err
	}
	if _, err := io.CopyN(w, r.r, int64(n)); err != nil {
		return ErrHangup
	}
	return r.comma()
}

// address reads one address netstring; good is false for one of
// MaxAddress+1 bytes or more, which is skipped, or one holding a NUL.
func (r *request) address() (addr string, good bool, err error) {
	n, err := r.length()
	if err != nil {
		return "", false, err
	}
	if err := r.take(n); err != nil {
		return "", false, err
	}
	if n > MaxAddress {
		if _, err := r.r.Discard(n); err != nil {
			return "", false, ErrHangup
		}
		return "", false, r.comma()
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.r, buf); err != nil {
		return "", false, ErrHangup
	}
	if err := r.comma(); err != nil {
		return "", false, err
	}
	for _, c := range buf {
		if c == 0 {
			return "", false, nil
		}
	}
	return string(buf), true, nil
}
