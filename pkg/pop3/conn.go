// Package pop3 is qmail's POP3 server in its two halves: Popup, the
// authorization dialogue of qmail-popup, which hands the user name and
// password to a checkpassword program, and Serve, the transaction
// dialogue of qmail-pop3d over a Maildir, which checkpassword runs as the
// user once the password is right.
package pop3

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/crlf"
)

// Timeout bounds every read and write, as qmail's 1200 seconds.
const Timeout = 1200 * time.Second

// maxLine is how much of a command line is kept: the rest is read and
// thrown away, so a client cannot make the server hold more. RFC 1939
// commands are a few dozen bytes.
const maxLine = 1024

// conn is the client's side with qmail's buffering: replies are collected
// and sent when a command is done.
type conn struct {
	r    io.Reader
	w    io.Writer
	in   *bufio.Reader
	out  *bufio.Writer
	line []byte
}

func newConn(r io.Reader, w io.Writer) *conn {
	c := &conn{r: r, w: w}
	c.in = bufio.NewReaderSize(readerFunc(c.read), 128)
	c.out = bufio.NewWriterSize(writerFunc(c.write), 1024)
	return c
}

// newExactConn is a conn that never reads past the end of a command
// line, one byte a read: what follows PASS belongs to qmail-pop3d, which
// reads the same connection after checkpassword. (qmail-popup reads 128
// bytes at a time and loses commands a client sends without waiting.)
func newExactConn(r io.Reader, w io.Writer) *conn {
	c := newConn(r, w)
	c.in = bufio.NewReaderSize(readerFunc(func(p []byte) (int, error) { return c.read(p[:1]) }), 128)
	return c
}

// read and write put the deadline on descriptors that take one.
func (c *conn) read(p []byte) (int, error) {
	if d, ok := c.r.(interface{ SetReadDeadline(time.Time) error }); ok {
		d.SetReadDeadline(time.Now().Add(Timeout))
	}
	return c.r.Read(p)
}

func (c *conn) write(p []byte) (int, error) {
	if d, ok := c.w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		d.SetWriteDeadline(time.Now().Add(Timeout))
	}
	return c.w.Write(p)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// command reads the next command line as qmail's commands() does: up to
// LF, one CR before it dropped, read as a C string (up to a NUL), the verb
// up to the first space in lower case, the argument after the spaces
// that follow it. A line cut off by the end of input ends the session.
func (c *conn) command() (verb, arg string, err error) {
	line, buf, err := crlf.ReadLine(c.in, c.line, maxLine)
	c.line = buf
	if err != nil {
		return "", "", err
	}
	if nul := bytes.IndexByte(line, 0); nul >= 0 {
		line = line[:nul]
	}
	verb, arg, _ = strings.Cut(string(line), " ")
	return strings.ToLower(verb), strings.TrimLeft(arg, " "), nil
}

func (c *conn) ok() {
	c.out.WriteString("+OK \r\n")
	c.out.Flush()
}

func (c *conn) err(text string) {
	c.out.WriteString("-ERR " + text + "\r\n")
	c.out.Flush()
}
