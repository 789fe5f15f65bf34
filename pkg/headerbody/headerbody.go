// Package headerbody splits a message into header fields and body lines
// the way qmail's small helpers (qbiff, qreceipt, maildirwatch) do
// (headerbody.c and hfield.c): a field runs on over lines starting with a
// space or tab; a leading "From " line becomes the field "MBOX-Line: ...";
// the header ends at an empty line, or at the first line that is not a
// field, in which case an empty body line is passed on first.
package headerbody

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// ErrStop, returned by a handler, ends Parse early without an error.
var ErrStop = errors.New("stop")

// Handler receives the parts of a message. Any of its functions may be
// nil; one returning an error stops Parse, which returns that error
// (nil for ErrStop). The slices are only valid during the call.
type Handler struct {
	// Field gets each header field, continuation lines included, with
	// its final newline.
	Field func(field []byte) error
	// HeaderDone is called once, when the header ends.
	HeaderDone func() error
	// Body gets each body line with its newline (one is added to a last
	// line without), starting with the empty line ending the header.
	Body func(line []byte) error
}

// Parse reads a message from r and calls h.
func Parse(r io.Reader, h Handler) error {
	err := parse(bufio.NewReader(r), h)
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// readLine reads one line with its newline, adding one to an unended last
// line; it returns nil at the end.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	buf = append(buf[:0], line...)
	for err == bufio.ErrBufferFull {
		line, err = br.ReadSlice('\n')
		buf = append(buf, line...)
	}
	if err == io.EOF {
		if len(buf) == 0 {
			return nil, nil
		}
		return append(buf, '\n'), nil
	}
	return buf, err
}

func parse(br *bufio.Reader, h Handler) error {
	var field, next []byte
	have := false
	for {
		line, err := readLine(br, next)
		if err != nil {
			return err
		}
		if line == nil {
			if have {
				if err := h.field(field); err != nil {
					return err
				}
			}
			return h.headerDone()
		}
		next = line
		if have {
			if next[0] == ' ' || next[0] == '\t' {
				field = append(field, next...)
				continue
			}
			if err := h.field(field); err != nil {
				return err
			}
		}
		if len(next) == 1 {
			if err := h.headerDone(); err != nil {
				return err
			}
			if err := h.body(next); err != nil {
				return err
			}
			break
		}
		switch {
		case bytes.HasPrefix(next, []byte("From ")):
			field = append(append(field[:0], "MBOX-Line: "...), next...)
		case Valid(next):
			field = append(field[:0], next...)
		default:
			if err := h.headerDone(); err != nil {
				return err
			}
			if err := h.body([]byte("\n")); err != nil {
				return err
			}
			if err := h.body(next); err != nil {
				return err
			}
			return bodyLines(br, h)
		}
		have = true
	}
	return bodyLines(br, h)
}

func bodyLines(br *bufio.Reader, h Handler) error {
	var buf []byte
	for {
		line, err := readLine(br, buf)
		if err != nil || line == nil {
			return err
		}
		if err := h.body(line); err != nil {
			return err
		}
		buf = line
	}
}

func (h Handler) field(f []byte) error {
	if h.Field == nil {
		return nil
	}
	return h.Field(f)
}

func (h Handler) headerDone() error {
	if h.HeaderDone == nil {
		return nil
	}
	return h.HeaderDone()
}

func (h Handler) body(line []byte) error {
	if h.Body == nil {
		return nil
	}
	return h.Body(line)
}

// Valid reports whether line starts a header field: a name of printable
// characters other than space, then optional spaces or tabs, then ':'.
func Valid(line []byte) bool {
	j := bytes.IndexByte(line, ':')
	if j < 0 {
		return false
	}
	for j > 0 && (line[j-1] == ' ' || line[j-1] == '\t') {
		j--
	}
	if j == 0 {
		return false
	}
	for _, c := range line[:j] {
		if c <= 32 || c >= 127 {
			return false
		}
	}
	return true
}

// Is reports whether field is named name (given in lower case), in any
// case and with spaces or tabs before its ':'.
func Is(field []byte, name string) bool {
	if len(field) < len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c, f := name[i], field[i]
		if c != f && !(c >= 'a' && c <= 'z' && c-32 == f) {
			return false
		}
	}
	for _, c := range field[len(name):] {
		switch c {
		case ':':
			return true
		case ' ', '\t':
			continue
		}
		return false
	}
	return false
}

// SkipName is the offset of a field's value: past the ':' and the spaces,
// tabs and line ends after it.
func SkipName(field []byte) int {
	i := bytes.IndexByte(field, ':')
	if i < 0 {
		return len(field)
	}
	i++
	for i < len(field) {
		switch field[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		}
		break
	}
	return i
}
