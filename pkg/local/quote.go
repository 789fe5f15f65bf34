package local

import "strings"

// atomOK marks the ASCII characters an address's local part may hold
// without quoting (qmail's quote.c table).
var atomOK = func() (ok [128]bool) {
	for c := '!'; c <= '~'; c++ {
		ok[c] = true
	}
	for _, c := range "\"(),:;<>@[\\]" {
		ok[c] = false
	}
	return ok
}()

// quoteNeeded reports whether a local part must be quoted: it is empty,
// has a byte outside the atom characters, or has a dot at either end or
// two in a row.
func quoteNeeded(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 128 || !atomOK[s[i]] {
			return true
		}
	}
	return s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..")
}

// quoteLocal puts a local part in double quotes, escaping CR, LF, '"'
// and '\'.
func quoteLocal(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r', '\n', '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// quoteAddress is qmail's quote2: the part before the last '@' quoted
// if it needs to be, the rest unchanged; an empty address stays empty.
func quoteAddress(addr string) string {
	if addr == "" {
		return ""
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		at = len(addr)
	}
	box := addr[:at]
	if quoteNeeded(box) {
		box = quoteLocal(box)
	}
	return box + addr[at:]
}
