// Package crlf owns the line-ending transforms of ucspi-tcp's addcr,
// delcr, fixcrio and mconnect-io: each works on a stream in pieces of any
// size, carrying what it needs from one piece to the next. ReadLine is
// the bounded command-line reader of qmail-smtpd and qmail-pop3d.
package crlf

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Transform turns one piece of a stream into output appended to dst.
type Transform interface {
	Append(dst, src []byte) []byte
	// End appends what is still held back when the stream ends.
	End(dst []byte) []byte
}

// AddCR is addcr: every LF becomes CR LF, even one that had a CR already.
type AddCR struct{}

func (AddCR) Append(dst, src []byte) []byte {
	for _, c := range src {
		if c == '\n' {
			dst = append(dst, '\r')
		}
		dst = append(dst, c)
	}
	return dst
}

func (AddCR) End(dst []byte) []byte { return dst }

// Plain passes the stream on as it is.
type Plain struct{}

func (Plain) Append(dst, src []byte) []byte { return append(dst, src...) }
func (Plain) End(dst []byte) []byte         { return dst }

// DelCR is delcr: a CR right before an LF goes; any other CR stays,
// including one at the very end of the stream.
type DelCR struct{ pendingCR bool }

func (d *DelCR) Append(dst, src []byte) []byte {
	for _, c := range src {
		if c != '\n' && d.pendingCR {
			dst = append(dst, '\r')
		}
		if c != '\r' {
			dst = append(dst, c)
		}
		d.pendingCR = c == '\r'
	}
	return dst
}

func (d *DelCR) End(dst []byte) []byte {
	if d.pendingCR {
		dst = append(dst, '\r')
		d.pendingCR = false
	}
	return dst
}

// FixCR is fixcrio's transform: a CR goes in before each LF that lacks
// one.
type FixCR struct{ lastCR bool }

func (f *FixCR) Append(dst, src []byte) []byte {
	for _, c := range src {
		if c == '\n' && !f.lastCR {
			dst = append(dst, '\r')
		}
		dst = append(dst, c)
		f.lastCR = c == '\r'
	}
	return dst
}

func (f *FixCR) End(dst []byte) []byte { return dst }

// Errors of Copy, to tell a failed read from a failed write.
var (
	ErrRead  = errors.New("unable to read input")
	ErrWrite = errors.New("unable to write output")
)

// Copy sends r through t to w until r ends, in pieces of at most size
// bytes, writing each piece's output before reading more.
func Copy(w io.Writer, r io.Reader, t Transform, size int) error {
	in := make([]byte, size)
	out := make([]byte, 0, 2*size)
	for {
		n, err := r.Read(in)
		if n > 0 {
			out = t.Append(out[:0], in[:n])
			if _, werr := w.Write(out); werr != nil {
				return errors.Join(ErrWrite, werr)
			}
		}
		if err == io.EOF {
			if out = t.End(out[:0]); len(out) > 0 {
				if _, werr := w.Write(out); werr != nil {
					return errors.Join(ErrWrite, werr)
				}
			}
			return nil
		}
		if err != nil {
			return errors.Join(ErrRead, err)
		}
	}
}

// ReadLine reads one command line of a line-oriented server (SMTP, POP3)
// into buf: up to LF, returned without the LF and one CR before it. At
// most max bytes of it are kept; the rest is read and thrown away, so a
// client cannot make the server hold more. A line cut off by the end of
// input is an error. buf is returned for reuse.
func ReadLine(in *bufio.Reader, buf []byte, max int) (line, reuse []byte, err error) {
	buf = buf[:0]
	for {
		chunk, err := in.ReadSlice('\n')
		if room := max + 2 - len(buf); room > 0 {
			buf = append(buf, chunk[:min(room, len(chunk))]...)
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return nil, buf, err
		}
	}
	line = bytes.TrimSuffix(buf, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line[:min(len(line), max)], buf, nil
}
