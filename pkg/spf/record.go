package spf

import (
	"net/netip"
	"strconv"
	"strings"
)

// term is one mechanism of a policy: "-ip4:192.0.2.0/24", "mx", "?all".
type term struct {
	qualifier byte   // '+', '-', '~' or '?'; '+' also when none was written
	written   bool   // the qualifier was written out
	name      string // mechanism name, lower case
	spec      string // the domain-spec or address after ':', "" for none
	cidr4     int    // -1: none given
	cidr6     int
	prefix    netip.Prefix // ip4 and ip6
	local     bool         // from spfrules or spfguess, not from DNS
	guess     bool         // from spfguess: a temporary failure means no policy
}

// record is a parsed SPF policy: its mechanisms in order and the two
// modifiers RFC 7208 defines (others are ignored).
type record struct {
	terms    []term
	redirect string
	exp      string
}

// syntaxError is a record that does not parse: a permanent error.
type syntaxError struct{ text string }

func (e *syntaxError) Error() string { return e.text }

// unknownMechanism is a mechanism RFC 7208 does not define.
type unknownMechanism struct{ name string }

func (e *unknownMechanism) Error() string { return "unknown mechanism " + e.name }

// isSPF reports whether a TXT record is an SPF version 1 policy: it
// starts with "v=spf1" followed by a space or nothing (RFC 7208 4.5).
func isSPF(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}

// parseRecord parses the terms after "v=spf1". local marks them as the
// site's own rules.
func parseRecord(text string, local bool) (*record, error) {
	r := &record{}
	for _, word := range strings.Fields(text) {
		if err := r.add(word, local); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// add parses one term, a modifier ("name=value") or a mechanism.
func (r *record) add(word string, local bool) error {
	if name, value, ok := strings.Cut(word, "="); ok && isModifierName(name) {
		known := strings.EqualFold(name, "redirect") || strings.EqualFold(name, "exp")
		if known && value == "" {
			return &syntaxError{name + " needs a domain"}
		}
		switch strings.ToLower(name) {
		case "redirect":
			if r.redirect != "" {
				return &syntaxError{"redirect given twice"}
			}
			r.redirect = value
		case "exp":
			if r.exp != "" {
				return &syntaxError{"exp given twice"}
			}
			r.exp = value
		}
		if err := checkMacroString(value); err != nil {
			return err
		}
		return nil
	}
	t, err := parseTerm(word)
	if err != nil {
		return err
	}
	t.local = local
	r.terms = append(r.terms, t)
	return nil
}

// isModifierName is RFC 7208's name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
func isModifierName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseTerm parses one mechanism with its qualifier.
func parseTerm(word string) (term, error) {
	t := term{qualifier: '+', cidr4: -1, cidr6: -1}
	if word != "" && strings.IndexByte("+-~?", word[0]) >= 0 {
		t.qualifier, t.written = word[0], true
		word = word[1:]
	}
	end := strings.IndexAny(word, ":/")
	if end < 0 {
		end = len(word)
	}
	t.name = strings.ToLower(word[:end])
	rest := word[end:]
	switch t.name {
	case "all":
		if rest != "" {
			return t, &syntaxError{"all takes no argument"}
		}
	case "include", "exists":
		if !strings.HasPrefix(rest, ":") || len(rest) == 1 {
			return t, &syntaxError{t.name + " needs a domain"}
		}
		t.spec = rest[1:]
		return t, checkMacroString(t.spec)
	case "a", "mx", "ptr":
		return t, t.parseDomainCIDR(rest)
	case "ip4", "ip6":
		return t, t.parseIP(rest)
	default:
		if t.name == "" || !isModifierName(t.name) {
			return t, &syntaxError{"bad term " + strconvQuote(word)}
		}
		return t, &unknownMechanism{t.name}
	}
	return t, nil
}

// parseDomainCIDR parses a, mx and ptr's optional ":domain" and, except
// for ptr, "/cidr4" and "//cidr6".
func (t *term) parseDomainCIDR(rest string) error {
	if strings.HasPrefix(rest, ":") {
		spec := rest[1:]
		if i := strings.IndexByte(spec, '/'); i >= 0 {
			spec, rest = spec[:i], spec[i:]
		} else {
			rest = ""
		}
		if spec == "" {
			return &syntaxError{t.name + ": empty domain"}
		}
		if err := checkMacroString(spec); err != nil {
			return err
		}
		t.spec = spec
	}
	if rest == "" {
		return nil
	}
	if t.name == "ptr" {
		return &syntaxError{"ptr takes no prefix length"}
	}
	four, six, dual := strings.Cut(rest[1:], "//")
	if strings.HasPrefix(rest, "//") {
		four, six, dual = "", rest[2:], true
	}
	var err error
	if four != "" {
		if t.cidr4, err = cidrLength(four, 32); err != nil {
			return err
		}
	}
	if dual {
		if t.cidr6, err = cidrLength(six, 128); err != nil {
			return err
		}
	}
	return nil
}

// parseIP parses ip4's and ip6's address and optional prefix length.
func (t *term) parseIP(rest string) error {
	if !strings.HasPrefix(rest, ":") {
		return &syntaxError{t.name + " needs an address"}
	}
	text, length, hasLength := strings.Cut(rest[1:], "/")
	addr, err := netip.ParseAddr(text)
	if err != nil || addr.Zone() != "" || addr.Is4() != (t.name == "ip4") || addr.Is4In6() {
		return &syntaxError{"bad address in " + t.name}
	}
	bits := addr.BitLen()
	if hasLength {
		if bits, err = cidrLength(length, addr.BitLen()); err != nil {
			return err
		}
	}
	t.prefix = netip.PrefixFrom(addr, bits).Masked()
	return nil
}

// cidrLength parses a prefix length of 0 to max, without leading zeros.
func cidrLength(s string, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max || s[0] == '+' || (len(s) > 1 && s[0] == '0') {
		return 0, &syntaxError{"bad prefix length " + strconvQuote(s)}
	}
	return n, nil
}

func strconvQuote(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strconv.Quote(s)
}

// withRules inserts the site's rules into a policy found in DNS just
// before its final "all" (with the run of terms of the same written
// qualifier that precedes it), as the qmail-spf patch does: so that a
// domain's "-all" does not refuse the hosts the site trusts to forward.
// A policy without such an "all", or one that is nothing else, is left
// alone.
func (r *record) withRules(rules *record) {
	if rules == nil || len(rules.terms) == 0 {
		return
	}
	for i, t := range r.terms {
		if t.name != "all" || !t.written || t.qualifier == '+' {
			continue
		}
		at := i
		for at > 0 && r.terms[at-1].written && r.terms[at-1].qualifier == t.qualifier {
			at--
		}
		if at == 0 {
			return
		}
		terms := append([]term(nil), r.terms[:at]...)
		terms = append(terms, rules.terms...)
		r.terms = append(terms, r.terms[at:]...)
		return
	}
}
