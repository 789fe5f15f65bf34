package inject

import "github.com/quail-mta/quail/pkg/rfc822"

// complete rewrites one address (tokens in reading order) as qmail-header(5)
// says: a source route is dropped, a trailing '.' or '@' removed, an
// address without '@' gets @defaulthost, a host ending in '+' gets the '+'
// replaced by .plusdomain, and a host without a dot gets .defaultdomain.
// The empty address <> and anything@[] stay as they are.
func (d *domains) complete(addr []rfc822.Token) []rfc822.Token {
	n := len(addr)
	if n == 0 {
		return addr
	}
	if n >= 2 && addr[n-2].Kind == rfc822.At && addr[n-1].Kind == rfc822.Literal && addr[n-1].Text == "" {
		return addr
	}
	addr = dropRoute(addr)
	if len(addr) == 0 {
		return addr
	}
	if addr[len(addr)-1].Kind == rfc822.Dot {
		addr = addr[:len(addr)-1]
		if len(addr) == 0 {
			return addr
		}
	}
	if addr[len(addr)-1].Kind == rfc822.At {
		addr = addr[:len(addr)-1]
		if len(addr) == 0 {
			return addr
		}
	}
	addr = append([]rfc822.Token(nil), addr...) // the caller's slice stays intact
	if !hasKind(addr, rfc822.At) {
		addr = append(addr, d.defaultHost...)
	}
	if last := &addr[len(addr)-1]; last.Kind == rfc822.Atom && last.Text != "" &&
		last.Text[len(last.Text)-1] == '+' {
		last.Text = last.Text[:len(last.Text)-1]
		addr = append(addr, d.plusDomain...)
	}
	if needsDomain(addr) {
		addr = append(addr, d.defaultDomain...)
	}
	return addr
}

// dropRoute removes a source route "@a,@b:" from the front of an address
// (all of it if there is no colon).
func dropRoute(addr []rfc822.Token) []rfc822.Token {
	if addr[0].Kind != rfc822.At {
		return addr
	}
	for i, t := range addr {
		if t.Kind == rfc822.Colon {
			return addr[i+1:]
		}
	}
	return addr[:0]
}

func hasKind(addr []rfc822.Token, k rfc822.Kind) bool {
	for _, t := range addr {
		if t.Kind == k {
			return true
		}
	}
	return false
}

// needsDomain reports whether the host (after the last '@') has neither a
// dot nor a domain literal.
func needsDomain(addr []rfc822.Token) bool {
	for i := len(addr) - 1; i >= 0; i-- {
		switch addr[i].Kind {
		case rfc822.Dot, rfc822.Literal:
			return false
		case rfc822.At:
			return true
		}
	}
	return true
}
