package spf

import (
	"strconv"
	"strings"
)

// macroContext says which macro letters a string may use: c, r and t
// only in explanations (RFC 7208 7.2), and the qmail-spf patch's
// x-letters (%{xr}, %{xs}, %{xe}) only in the site's control/spfexp.
type macroContext int

const (
	inDomain macroContext = iota
	inExplanation
	inLocalExplanation
)

// checkMacroString reports a domain-spec that does not parse, so that a
// record with one is a permanent error before anything is looked up.
func checkMacroString(s string) error {
	_, err := expandWith(s, inDomain, func(byte, bool) string { return "" })
	return err
}

// expandWith expands s, asking value for each macro letter (lower case;
// x tells the patch's x-letters). Uppercase letters are URL-escaped.
func expandWith(s string, ctx macroContext, value func(letter byte, x bool) string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if c < 0x20 || c > 0x7e {
				return "", &syntaxError{"bad byte in macro string"}
			}
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", &syntaxError{"% at the end of a macro string"}
		}
		i++
		switch s[i] {
		case '%':
			b.WriteByte('%')
		case '_':
			b.WriteByte(' ')
		case '-':
			b.WriteString("%20")
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", &syntaxError{"unterminated macro"}
			}
			text, err := expandMacro(s[i+1:i+end], ctx, value)
			if err != nil {
				return "", err
			}
			b.WriteString(text)
			i += end
		default:
			return "", &syntaxError{"bad % escape"}
		}
	}
	return b.String(), nil
}

// expandMacro expands the inside of one %{...}: a letter, then an
// optional count of parts to keep, "r" to reverse, and delimiters.
func expandMacro(m string, ctx macroContext, value func(letter byte, x bool) string) (string, error) {
	x := false
	if ctx == inLocalExplanation && len(m) > 1 && (m[0] == 'x' || m[0] == 'X') {
		x, m = true, m[1:]
	}
	if m == "" {
		return "", &syntaxError{"empty macro"}
	}
	letter, upper := m[0]|0x20, m[0] >= 'A' && m[0] <= 'Z'
	if !validLetter(letter, x, ctx) {
		return "", &syntaxError{"bad macro letter " + strconv.Quote(m[:1])}
	}
	rest := m[1:]
	digits := 0
	for digits < len(rest) && isDigit(rest[digits]) {
		digits++
	}
	keep := 0
	if digits > 0 {
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n == 0 || n > 128 {
			return "", &syntaxError{"bad macro part count"}
		}
		keep = n
	}
	rest = rest[digits:]
	reverse := false
	if rest != "" && rest[0]|0x20 == 'r' {
		reverse, rest = true, rest[1:]
	}
	delims := "."
	if rest != "" {
		if strings.Trim(rest, ".-+,/_=") != "" {
			return "", &syntaxError{"bad macro delimiter"}
		}
		delims = rest
	}
	text := transform(value(letter, x), keep, reverse, delims)
	if upper {
		text = urlEscape(text)
	}
	return text, nil
}

func validLetter(letter byte, x bool, ctx macroContext) bool {
	if x {
		return strings.IndexByte("rse", letter) >= 0
	}
	if strings.IndexByte("slodiphv", letter) >= 0 {
		return true
	}
	return ctx != inDomain && strings.IndexByte("crt", letter) >= 0
}

// transform splits a value at any of delims, reverses the parts if asked,
// keeps the rightmost keep of them (0: all), and joins them with dots.
func transform(v string, keep int, reverse bool, delims string) string {
	if keep == 0 && !reverse && delims == "." {
		return v
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(delims, r) })
	if reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if keep > 0 && keep < len(parts) {
		parts = parts[len(parts)-keep:]
	}
	return strings.Join(parts, ".")
}

// urlEscape escapes what RFC 3986 does not leave unreserved.
func urlEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
