// Package netstring reads and writes D. J. Bernstein's netstrings, the
// framing of QMQP and QMTP: "<decimal length>:<bytes>," as in "5:hello,".
//
// The reader is bounded: a length prefix may have at most MaxDigits digits
// and a body read whole may be at most the limit its caller gives, so a
// peer cannot make it buffer more than that. Lengths whose value exceeds a
// limit are reported with ErrTooLong before any body byte is read, so a
// caller can skip the body instead (qmail skips addresses of 1000 bytes or
// more without storing them).
package netstring

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// MaxDigits bounds the length prefix: qmail gives up on lengths above
// 200000000, which have at most 9 digits; 10 lets that check happen.
const MaxDigits = 10

// MaxLen is the largest length qmail's parsers accept (getlen in
// qmail-qmqpd.c and qmail-qmtpd.c gives up beyond it).
const MaxLen = 200000000

var (
	// ErrFormat is a netstring that is not one: a non-digit in the
	// length, a missing ':' or a missing ','.
	ErrFormat = errors.New("netstring: bad format")
	// ErrTooLong is a length above MaxLen or above the caller's limit.
	ErrTooLong = errors.New("netstring: too long")
)

// Reader reads netstrings from a buffered stream.
type Reader struct {
	r *bufio.Reader
}

// NewReader reads from r, buffering it unless it already is a
// *bufio.Reader.
func NewReader(r io.Reader) *Reader {
	if br, ok := r.(*bufio.Reader); ok {
		return &Reader{r: br}
	}
	return &Reader{r: bufio.NewReader(r)}
}

// Buffered is the underlying reader, for reading a body piecewise
// after ReadLen.
func (r *Reader) Buffered() *bufio.Reader { return r.r }

// ReadLen reads a length prefix up to and including its ':' and returns
// the length and how many bytes the prefix took. A length above MaxLen
// gives ErrTooLong; io.EOF before the first byte is returned as is, a
// stream ending later as io.ErrUnexpectedEOF.
func (r *Reader) ReadLen() (n int, used int, err error) {
	for {
		c, err := r.r.ReadByte()
		if err != nil {
			if err == io.EOF && used > 0 {
				err = io.ErrUnexpectedEOF
			}
			return 0, used, err
		}
		used++
		if c == ':' {
			if used == 1 {
				return 0, used, ErrFormat
			}
			return n, used, nil
		}
		if c < '0' || c > '9' || used > MaxDigits {
			return 0, used, ErrFormat
		}
		n = n*10 + int(c-'0')
		if n > MaxLen {
			return 0, used, ErrTooLong
		}
	}
}

// ReadComma reads the ',' that ends a netstring.
func (r *Reader) ReadComma() error {
	c, err := r.r.ReadByte()
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	if c != ',' {
		return ErrFormat
	}
	return nil
}

// Read reads one whole netstring of at most limit bytes and returns its
// body. A longer one gives ErrTooLong with nothing of its body consumed.
func (r *Reader) Read(limit int) ([]byte, error) {
	n, _, err := r.ReadLen()
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, ErrTooLong
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if err := r.ReadComma(); err != nil {
		return nil, err
	}
	return body, nil
}

// Append appends the netstring of s to dst.
func Append(dst []byte, s []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, ':')
	dst = append(dst, s...)
	return append(dst, ',')
}

// AppendString appends the netstring of s to dst.
func AppendString(dst []byte, s string) []byte {
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, ':')
	dst = append(dst, s...)
	return append(dst, ',')
}

// Encode returns the netstring of s.
func Encode(s []byte) []byte { return Append(make([]byte, 0, len(s)+12), s) }

// Writer writes netstrings.
type Writer struct {
	w io.Writer
}

// NewWriter writes to w; each netstring goes out in one Write call.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes the netstring of s.
func (w *Writer) Write(s []byte) error {
	_, err := w.w.Write(Encode(s))
	return err
}

// WriteString writes the netstring of s.
func (w *Writer) WriteString(s string) error {
	_, err := w.w.Write(AppendString(make([]byte, 0, len(s)+12), s))
	return err
}
