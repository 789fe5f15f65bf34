package qmqp

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/quail-mta/quail/pkg/netstring"
)

// Port is QMQP's TCP port.
const Port = 628

// qmail-qmqpc's exit codes, those of qmail-queue's interface.
const (
	ExitOK        = 0
	ExitPerm      = 31 // the server said D
	ExitNoMem     = 51
	ExitRead      = 54 // cannot read the message or envelope
	ExitControl   = 55 // cannot read control/qmqpservers
	ExitSocket    = 56
	ExitHome      = 61
	ExitTemp      = 71 // the server said Z
	ExitTimeout   = 72 // connecting timed out
	ExitRefused   = 73 // connecting failed
	ExitConn      = 74 // the connection broke after it was made
	ExitEnvFormat = 91 // the envelope is not qmail-queue's format
)

// Timeouts of qmail-qmqpc.
const (
	ConnectTimeout = 10 * time.Second
	IOTimeout      = 60 * time.Second
)

// ErrEnvelope is an envelope not in qmail-queue's format.
var ErrEnvelope = errors.New("bad envelope format")

// Envelope is a sender and its recipients.
type Envelope struct {
	Sender     string
	Recipients []string
}

// ReadEnvelope reads qmail-queue's envelope: "F" sender NUL, then
// "T" recipient NUL for each recipient, then one more NUL. Anything else,
// including an envelope cut short, is ErrEnvelope.
func ReadEnvelope(r io.Reader) (Envelope, error) {
	br := bufio.NewReader(r)
	var env Envelope
	first := true
	for {
		field, err := br.ReadString(0)
		if err == io.EOF {
			return env, ErrEnvelope
		}
		if err != nil {
			return env, err
		}
		field = field[:len(field)-1]
		switch {
		case first:
			if field == "" || field[0] != 'F' {
				return env, ErrEnvelope
			}
			env.Sender = field[1:]
			first = false
		case field == "":
			return env, nil
		case field[0] != 'T':
			return env, ErrEnvelope
		default:
			env.Recipients = append(env.Recipients, field[1:])
		}
	}
}

// Request is the whole QMQP request for a message and its envelope.
func Request(message []byte, env Envelope) []byte {
	inner := netstring.Append(nil, message)
	inner = netstring.AppendString(inner, env.Sender)
	for _, r := range env.Recipients {
		inner = netstring.AppendString(inner, r)
	}
	return netstring.Append(make([]byte, 0, len(inner)+12), inner)
}

// ServerAddress turns a line of control/qmqpservers into a host:port to
// dial: an IP address means port 628, and quail also takes "ip:port" or
// "[ipv6]:port". ok is false for a line that is none of these, which
// qmail-qmqpc skips.
func ServerAddress(line string) (addr string, ok bool) {
	if ip := net.ParseIP(line); ip != nil {
		return net.JoinHostPort(ip.String(), strconv.Itoa(Port)), true
	}
	host, port, err := net.SplitHostPort(line)
	if err != nil || net.ParseIP(host) == nil {
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", false
	}
	return line, true
}

// Client sends one request to a list of servers.
type Client struct {
	ConnectTimeout time.Duration
	IOTimeout      time.Duration
}

// Send tries the servers in order, as qmail-qmqpc does, and returns its
// exit code: the first server that can be reached decides (K 0, Z 71,
// D 31, a broken connection 74); if none can be, the exit code for the
// last failure (72 timeout, 73 otherwise), or 55 for no servers at all.
func (c Client) Send(servers []string, request []byte) int {
	last := ExitControl
	for _, line := range servers {
		addr, ok := ServerAddress(line)
		if !ok {
			continue
		}
		conn, err := net.DialTimeout("tcp", addr, c.connectTimeout())
		if err != nil {
			last = ExitRefused
			if errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err) {
				last = ExitTimeout
			}
			continue
		}
		code := c.talk(conn, request)
		conn.Close()
		return code
	}
	return last
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// talk sends the request and reads the answer up to its first K, Z or D.
func (c Client) talk(conn net.Conn, request []byte) int {
	conn.SetWriteDeadline(time.Now().Add(c.ioTimeout()))
	if _, err := conn.Write(request); err != nil {
		return ExitConn
	}
	br := bufio.NewReader(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(c.ioTimeout()))
		b, err := br.ReadByte()
		if err != nil {
			return ExitConn
		}
		switch b {
		case 'K':
			return ExitOK
		case 'Z':
			return ExitTemp
		case 'D':
			return ExitPerm
		}
	}
}

func (c Client) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 {
		return c.ConnectTimeout
	}
	return ConnectTimeout
}

func (c Client) ioTimeout() time.Duration {
	if c.IOTimeout > 0 {
		return c.IOTimeout
	}
	return IOTimeout
}
