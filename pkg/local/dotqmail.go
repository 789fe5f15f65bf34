// Package local is qmail-local: it delivers one message to one address
// as the user that owns it, by the instructions in the user's .qmail
// file (mbox files, Maildirs, programs and forwards), and reports the
// outcome as a line of text and an exit code (0, 100 or 111).
package local

import (
	"strings"
)

// SafeExt is the extension as it appears in .qmail file names: lower
// case, with every '.' turned into ':' so that no name can climb out of
// the home directory or hide as a dot file.
func SafeExt(ext string) string {
	b := []byte(ext)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '.':
			b[i] = ':'
		}
	}
	return string(b)
}

// Candidate is one .qmail file qmail-local may read.
type Candidate struct {
	Name string
	// Default is the offset in ext where DEFAULT starts when this file
	// is used, or -1 when DEFAULT is not set.
	Default int
}

// Candidates are the .qmail files for dash and ext in the order
// qmail-local tries them: the exact name, then "default" in place of
// each dash-separated tail of the extension, longest prefix first.
// For dash "-" and ext "foo-bar": .qmail-foo-bar, .qmail-foo-default,
// .qmail-default.
func Candidates(dash, ext string) []Candidate {
	safe := SafeExt(ext)
	exact := Candidate{Name: ".qmail" + dash + safe, Default: -1}
	if i := len(safe) - 7; i >= 0 && safe[i:] == "default" {
		exact.Default = i
	}
	list := []Candidate{exact}
	for i := len(safe); i >= 0; i-- {
		if i == 0 || safe[i-1] == '-' {
			list = append(list, Candidate{Name: ".qmail" + dash + safe[:i] + "default", Default: i})
		}
	}
	return list
}

// Kind is what one .qmail line asks for.
type Kind int

// The kinds of .qmail lines.
const (
	Blank   Kind = iota // an empty line
	Comment             // "#..."
	Program             // "|command"
	Mbox                // "/path" or "./path"
	Maildir             // "/path/" or "./path/"
	Forward             // "&address" or "address"
	List                // "+list": forwarding only from here on
	Plus                // any other "+..." line, ignored
)

// Line is one parsed .qmail line.
type Line struct {
	Kind Kind
	// Arg is the command (without '|'), the path, or the address
	// (without '&'); for other kinds the whole line.
	Arg string
}

// Parse splits .qmail text into lines as qmail-local does: each line
// loses trailing spaces and tabs (never leading ones) and its first
// character decides what it is. Text not ending in a newline gets one.
func Parse(text string) []Line {
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	raw := strings.Split(text[:len(text)-1], "\n")
	lines := make([]Line, len(raw))
	for n, s := range raw {
		s = strings.TrimRight(s, " \t")
		lines[n] = parseLine(s)
	}
	return lines
}

// parseLine classifies one trimmed line. The kind comes from the bytes
// of the whole line, but like qmail's C strings the argument ends at the
// first NUL byte.
func parseLine(s string) Line {
	if s == "" || s[0] == 0 {
		return Line{Kind: Blank}
	}
	upToNUL := func(x string) string {
		if i := strings.IndexByte(x, 0); i >= 0 {
			return x[:i]
		}
		return x
	}
	switch s[0] {
	case '#':
		return Line{Kind: Comment, Arg: upToNUL(s)}
	case '.', '/':
		if s[len(s)-1] == '/' {
			return Line{Kind: Maildir, Arg: upToNUL(s)}
		}
		return Line{Kind: Mbox, Arg: upToNUL(s)}
	case '|':
		return Line{Kind: Program, Arg: upToNUL(s[1:])}
	case '+':
		if upToNUL(s) == "+list" {
			return Line{Kind: List, Arg: "+list"}
		}
		return Line{Kind: Plus, Arg: upToNUL(s)}
	case '&':
		return Line{Kind: Forward, Arg: upToNUL(s[1:])}
	}
	return Line{Kind: Forward, Arg: upToNUL(s)}
}
