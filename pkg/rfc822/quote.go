package rfc822

import "strings"

// localOK marks the bytes a local part may hold unquoted.
func localOK(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0
}

// NeedsQuote reports whether a local part must be quoted: empty, holding a
// byte outside the atom set, or with a leading, trailing or double dot.
func NeedsQuote(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 128 || !localOK(s[i]) {
			return true
		}
	}
	return s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..")
}

// quote puts s in double quotes, escaping CR, LF, '"' and '\'.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r', '\n', '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteAddress quotes the local part of an address (everything before the
// last '@') where it needs it, as qmail's quote2 does. The empty address
// stays empty.
func QuoteAddress(addr string) string {
	if addr == "" {
		return ""
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		if NeedsQuote(addr) {
			return quote(addr)
		}
		return addr
	}
	local := addr[:at]
	if NeedsQuote(local) {
		local = quote(local)
	}
	return local + addr[at:]
}
