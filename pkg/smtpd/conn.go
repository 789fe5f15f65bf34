package smtpd

import (
	"bufio"
	"errors"
	"io"
	"os"
	"time"

	"github.com/quail-mta/quail/pkg/crlf"
)

// MaxLine is the longest command line kept: the rest of a longer line is
// read and thrown away, so a client cannot make the server hold more. No
// real command comes near it (an address may not exceed 900 bytes).
const MaxLine = 64 * 1024

// readBufferSize is the input buffer: how much of a pipelined client's
// input is read ahead at once.
const readBufferSize = 16 * 1024

var (
	errTimeout = errors.New("timeout")
	errQuit    = errors.New("quit")
)

// conn is the client connection with qmail-smtpd's buffering: replies are
// collected and sent before the server next waits for input (or at once
// for commands that need it), and every read and write is bounded by the
// timeout.
type conn struct {
	in      *bufio.Reader
	out     *bufio.Writer
	line    []byte // the current command line, at most MaxLine+2 bytes
	timeout time.Duration
	reader  *timedReader
}

func newConn(r io.Reader, w io.Writer, timeout time.Duration) *conn {
	c := &conn{timeout: timeout}
	c.out = bufio.NewWriterSize(&timedWriter{w: w, timeout: timeout}, 512)
	c.reader = &timedReader{r: r, flush: c.out.Flush, timeout: timeout}
	c.in = bufio.NewReaderSize(c.reader, readBufferSize)
	return c
}

// close ends the session's read helper, if it has one, so that a caller
// running many sessions in one process (a test, a fuzzer) does not keep a
// goroutine and its buffer per session.
func (c *conn) close() { c.reader.stop() }

// reply queues text; write errors surface at the next flush.
func (c *conn) reply(text string) { c.out.WriteString(text) }

func (c *conn) flush() error { return c.out.Flush() }

// readLine returns the next command line without its "\n" and one "\r"
// before it, cut to MaxLine bytes. A line not ended before EOF is an error,
// as in qmail-smtpd.
func (c *conn) readLine() ([]byte, error) {
	line, buf, err := crlf.ReadLine(c.in, c.line, MaxLine)
	c.line = buf
	return line, err
}

// peekWithin waits up to d for the client to send something, and keeps
// what it sends for the next read. It fails with errTimeout when nothing
// came.
func (c *conn) peekWithin(d time.Duration) error {
	saved := c.reader.timeout
	c.reader.timeout = d
	defer func() { c.reader.timeout = saved }()
	_, err := c.in.Peek(1)
	return err
}

// readDeadliner and writeDeadliner are connections that can bound one
// operation in time: net.Conn, and sockets and pipes as *os.File once the
// caller made them non-blocking.
type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

type writeDeadliner interface {
	SetWriteDeadline(time.Time) error
}

// timedReader sends pending replies, then reads with the timeout: through
// a deadline when the reader has one, else through a helper goroutine
// that the session abandons when it times out.
type timedReader struct {
	r       io.Reader
	flush   func() error
	timeout time.Duration
	noDL    bool // the reader refused a deadline
	pump    *pump
}

func (t *timedReader) Read(p []byte) (int, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	if !t.noDL {
		if d, ok := t.r.(readDeadliner); ok && d.SetReadDeadline(time.Now().Add(t.timeout)) == nil {
			n, err := t.r.Read(p)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = errTimeout
			}
			return n, err
		}
		t.noDL = true
	}
	if t.pump == nil {
		t.pump = newPump(t.r, len(p))
	}
	return t.pump.read(p, t.timeout)
}

func (t *timedReader) stop() {
	if t.pump != nil {
		close(t.pump.want)
		t.pump = nil
	}
}

// pump reads on a goroutine of its own into its own buffer, so a read can
// be given up on without a deadline.
type pump struct {
	r       io.Reader
	buf     []byte
	rest    []byte // read but not yet handed out
	err     error  // the error that came with rest
	want    chan struct{}
	got     chan pumped
	pending bool
}

type pumped struct {
	n   int
	err error
}

func newPump(r io.Reader, size int) *pump {
	// got has room for the answer to a read given up on, so that the
	// goroutine can finish it and see want closed.
	p := &pump{r: r, buf: make([]byte, size), want: make(chan struct{}), got: make(chan pumped, 1)}
	go func() {
		for range p.want {
			n, err := p.r.Read(p.buf)
			p.got <- pumped{n, err}
		}
	}()
	return p
}

func (p *pump) read(dst []byte, timeout time.Duration) (int, error) {
	if len(p.rest) == 0 && p.err == nil {
		if !p.pending {
			p.want <- struct{}{}
			p.pending = true
		}
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		select {
		case res := <-p.got:
			p.pending = false
			p.rest, p.err = p.buf[:res.n], res.err
		case <-timer.C:
			return 0, errTimeout
		}
	}
	n := copy(dst, p.rest)
	p.rest = p.rest[n:]
	if len(p.rest) > 0 {
		return n, nil
	}
	err := p.err
	p.err = nil
	return n, err
}

// timedWriter writes with the timeout where the writer takes a deadline.
type timedWriter struct {
	w       io.Writer
	timeout time.Duration
	noDL    bool
}

func (t *timedWriter) Write(p []byte) (int, error) {
	if !t.noDL {
		if d, ok := t.w.(writeDeadliner); ok && d.SetWriteDeadline(time.Now().Add(t.timeout)) == nil {
			return t.w.Write(p)
		}
		t.noDL = true
	}
	return t.w.Write(p)
}
