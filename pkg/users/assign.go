// Package users owns qmail's address-to-user mapping: the users/assign
// text, the users/cdb database qmail-newu builds from it, the lookup
// qmail-lspawn does in that database, qmail-getpw's passwd rule for
// addresses the database does not cover, and qmail-pw2u's conversion of
// a passwd file into users/assign lines.
package users

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// ErrFormat is a users/assign line qmail-newu rejects.
var ErrFormat = errors.New("bad format in users/assign")

// Record is one users/cdb record.
type Record struct {
	Key, Data []byte
}

// ParseLine turns one users/assign line (with its newline) into the
// users/cdb record qmail-newu stores. A "+" line's key has no trailing
// NUL; every other line's key has one. wild is the character a wildcard
// line adds to the wildchars set, or 0 when it adds none.
func ParseLine(line []byte) (rec Record, wild byte, err error) {
	if bytes.IndexByte(line, 0) >= 0 {
		return Record{}, 0, ErrFormat
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return Record{}, 0, ErrFormat
	}
	key := append([]byte{'!'}, lowerASCII(line[1:colon])...)
	if line[0] == '+' {
		if colon >= 2 {
			wild = line[colon-1]
		}
	} else {
		key = append(key, 0)
	}
	data := append([]byte(nil), line[colon+1:]...)
	colons := 0
	end := len(data)
	for i := range data {
		if data[i] == ':' {
			data[i] = 0
			colons++
			if colons == 6 {
				end = i
				break
			}
		}
	}
	if colons < 6 {
		return Record{}, 0, ErrFormat
	}
	return Record{Key: key, Data: data[:end]}, wild, nil
}

// readError is a failure to read users/assign itself.
type readError struct{ err error }

func (e *readError) Error() string { return "read: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// Compile reads users/assign up to its "." line and passes each record
// qmail-newu would store to add, in file order, ending with the record
// under the empty key that holds the wildcard characters. A missing "."
// line is ErrFormat. Errors from add are returned unchanged.
func Compile(assign io.Reader, add func(Record) error) error {
	r := bufio.NewReader(assign)
	var wildchars []byte
	for {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return &readError{err}
		}
		if len(line) > 0 && line[0] == '.' {
			break
		}
		if err == io.EOF {
			return ErrFormat
		}
		rec, wild, err := ParseLine(line)
		if err != nil {
			return err
		}
		if wild != 0 && bytes.IndexByte(wildchars, wild) < 0 {
			wildchars = append(wildchars, wild)
		}
		if err := add(rec); err != nil {
			return err
		}
	}
	return add(Record{Key: []byte{}, Data: wildchars})
}

// lowerASCII is djb's case_lowerb: only A-Z change.
func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
