// Package smtpaddr extracts the envelope address from the argument of an
// SMTP MAIL or RCPT command the way qmail-smtpd does: forgiving of clients
// that never read RFC 821, and never failing except on length. It also
// holds the small helpers qmail-smtpd applies to such an address: the
// domain after the last "@", an "@[1.2.3.4]" literal, and ASCII-only case
// folding.
package smtpaddr

import "strings"

// MaxLen is the longest address qmail-smtpd takes: an address of MaxLen
// bytes or more gets "555 syntax error".
const MaxLen = 900

// Parse returns the address in the argument of MAIL or RCPT.
//
// With a "<", the address is the text after the first "<" up to the next
// ">" outside quotes; without one, it is the text after the first ":"
// (spaces skipped) up to the next space outside quotes, or, with no ":"
// either, empty. A leading source route ("@a,@b:") is dropped, double
// quotes are removed and a backslash takes the next byte literally. An
// unterminated address runs to the end of the argument. arg must not
// contain NUL (a command line is cut at its first NUL before parsing).
func Parse(arg string) string {
	terminator := byte('>')
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		arg = arg[i+1:]
	} else {
		terminator = ' '
		if i := strings.IndexByte(arg, ':'); i >= 0 {
			arg = arg[i+1:]
		} else {
			arg = ""
		}
		arg = strings.TrimLeft(arg, " ")
	}
	arg = stripRoute(arg)

	var b strings.Builder
	escaped, quoted := false, false
	for i := 0; i < len(arg); i++ {
		ch := arg[i]
		if escaped {
			b.WriteByte(ch)
			escaped = false
			continue
		}
		if !quoted && ch == terminator {
			break
		}
		switch ch {
		case '\\':
			escaped = true
		case '"':
			quoted = !quoted
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// stripRoute drops a source route: from a leading "@" through the first
// ":", or everything if there is no ":".
func stripRoute(s string) string {
	if !strings.HasPrefix(s, "@") {
		return s
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// TooLong reports whether qmail-smtpd refuses addr for its length.
func TooLong(addr string) bool { return len(addr) >= MaxLen }

// Domain returns the text after the last "@" and whether there is one.
func Domain(addr string) (string, bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return "", false
	}
	return addr[i+1:], true
}

// IPLiteral parses a domain that is exactly "[a.b.c.d]" as qmail's
// ip_scanbracket does: each part is decimal digits, taken modulo 256 as a
// C unsigned char would store it.
func IPLiteral(domain string) ([4]byte, bool) {
	var ip [4]byte
	if len(domain) < 2 || domain[0] != '[' || domain[len(domain)-1] != ']' {
		return ip, false
	}
	s := domain[1 : len(domain)-1]
	for part := 0; part < 4; part++ {
		n := 0
		var v byte
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			v = v*10 + (s[n] - '0')
			n++
		}
		if n == 0 {
			return ip, false
		}
		ip[part] = v
		s = s[n:]
		if part < 3 {
			if s == "" || s[0] != '.' {
				return ip, false
			}
			s = s[1:]
		}
	}
	return ip, s == ""
}

// Lower folds ASCII capitals only, as qmail's case_lowerb does; bytes
// above 127 are left alone.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
