package qreceipt

import (
	"errors"
	"strings"
)

// ErrSyntax is an address list that cannot be read: an unterminated
// quoted string, comment or domain literal, or unbalanced angle brackets.
var ErrSyntax = errors.New("address list syntax")

type tokenKind int

const (
	atom    tokenKind = iota // atom, quoted string or domain literal
	special                  // one of < > , : ; @ .
)

type token struct {
	kind tokenKind
	text string // unquoted text, or the special character
}

// tokenize splits an RFC 822 field value into tokens, dropping white
// space and comments and unquoting quoted strings.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			end, err := skipComment(s, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '"':
			text, end, err := quoted(s, i+1, '"')
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{atom, text})
			i = end
		case c == '[':
			text, end, err := quoted(s, i+1, ']')
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{atom, "[" + text + "]"})
			i = end
		case c == ')': // a comment's end with no start
			return nil, ErrSyntax
		case strings.IndexByte("<>,:;@.", c) >= 0:
			toks = append(toks, token{special, string(c)})
			i++
		default:
			start := i
			for i < len(s) && strings.IndexByte(" \t\r\n()\"[<>,:;@.", s[i]) < 0 {
				i++
			}
			toks = append(toks, token{atom, s[start:i]})
		}
	}
	return toks, nil
}

// skipComment returns the offset after the comment opening at s[i].
func skipComment(s string, i int) (int, error) {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, ErrSyntax
}

// quoted reads up to the closing byte, undoing backslash escapes.
func quoted(s string, i int, closing byte) (string, int, error) {
	var b strings.Builder
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
			if i < len(s) {
				b.WriteByte(s[i])
			}
		case closing:
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, ErrSyntax
}

// Addresses returns the addresses of an RFC 822 address list, unquoted:
// `Joe <"j o"@x>, (c) b@y, group: c@z;` gives "j o@x", "b@y", "c@z".
func Addresses(value string) ([]string, error) {
	toks, err := tokenize(value)
	if err != nil {
		return nil, err
	}
	var addrs []string
	var cur, angle strings.Builder
	inAngle, hadAngle := false, false
	finish := func() {
		addr := cur.String()
		if hadAngle {
			addr = angle.String()
		}
		if addr != "" {
			addrs = append(addrs, addr)
		}
		cur.Reset()
		angle.Reset()
		hadAngle = false
	}
	for _, t := range toks {
		if t.kind == atom {
			if inAngle {
				angle.WriteString(t.text)
			} else {
				cur.WriteString(t.text)
			}
			continue
		}
		switch t.text {
		case "<":
			if inAngle {
				return nil, ErrSyntax
			}
			inAngle, hadAngle = true, true
			angle.Reset()
		case ">":
			if !inAngle {
				return nil, ErrSyntax
			}
			inAngle = false
		case ":":
			// A group's name, or the end of a route inside brackets.
			if inAngle {
				angle.Reset()
			} else {
				cur.Reset()
			}
		case ",":
			if inAngle {
				angle.Reset() // a route's list of hosts
			} else {
				finish()
			}
		case ";":
			if inAngle {
				return nil, ErrSyntax
			}
			finish()
		default: // "@" and "."
			if inAngle {
				angle.WriteString(t.text)
			} else {
				cur.WriteString(t.text)
			}
		}
	}
	if inAngle {
		return nil, ErrSyntax
	}
	finish()
	return addrs, nil
}
