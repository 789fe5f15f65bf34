package spf

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/quail-mta/quail/pkg/resolver"
)

// match says whether one mechanism matches the client.
func (c *check) match(t term, domain string) (bool, error) {
	switch t.name {
	case "all":
		return true, nil
	case "ip4", "ip6":
		return t.prefix.Contains(c.ip), nil
	}
	if err := c.countLookup(); err != nil {
		return false, err
	}
	target := domain
	if t.spec != "" {
		var err error
		if target, err = c.target(t.spec, domain); err != nil {
			return false, err
		}
	}
	switch t.name {
	case "include":
		return c.include(target)
	case "a":
		return c.matchA(target, t)
	case "mx":
		return c.matchMX(target, t)
	case "ptr":
		return c.matchPTR(target), nil
	case "exists":
		return c.exists(target)
	}
	return false, &unknownMechanism{t.name}
}

// include matches when the other domain's policy passes the client.
func (c *check) include(target string) (bool, error) {
	rec, o := c.fetch(target)
	if rec != nil {
		o = c.evaluate(rec, target, false)
	}
	switch o.result {
	case Pass:
		return true, nil
	case Fail, SoftFail, Neutral:
		return false, nil
	case Error:
		return false, errTemp
	case None:
		return false, errors.New("include:" + target + " has no SPF record")
	}
	if o.mech != "" {
		return false, &unknownMechanism{o.mech}
	}
	return false, errors.New(o.problem)
}

// matchA matches the client against a name's addresses of its family.
func (c *check) matchA(name string, t term) (bool, error) {
	addrs, err := c.p.DNS.Addrs(c.ctx, name, c.ip.Is6())
	if err == nil && len(addrs) == 0 {
		return false, c.countVoid()
	}
	if err != nil {
		return false, c.lookupError(err)
	}
	return c.inNetworks(addrs, t), nil
}

// matchMX matches the client against the addresses of a domain's mail
// exchangers.
func (c *check) matchMX(name string, t term) (bool, error) {
	mxs, err := c.p.DNS.MX(c.ctx, name)
	if err == nil && len(mxs) == 0 {
		return false, c.countVoid()
	}
	if err != nil {
		return false, c.lookupError(err)
	}
	if len(mxs) > maxMX {
		return false, errMX
	}
	for _, mx := range mxs {
		if mx.Host == "" || mx.Host == "." { // RFC 7505's "no mail here"
			continue
		}
		addrs, err := c.p.DNS.Addrs(c.ctx, mx.Host, c.ip.Is6())
		if err != nil && !resolver.IsNotFound(err) {
			return false, errTemp
		}
		if c.inNetworks(addrs, t) {
			return true, nil
		}
	}
	return false, nil
}

// inNetworks says whether the client is in the network of one of addrs
// with the mechanism's prefix length for its family.
func (c *check) inNetworks(addrs []netip.Addr, t term) bool {
	bits := t.cidr4
	if c.ip.Is6() {
		bits = t.cidr6
	}
	for _, a := range addrs {
		a = a.Unmap()
		if a.Is4() != c.ip.Is4() {
			continue
		}
		n := bits
		if n < 0 {
			n = a.BitLen()
		}
		if p, err := a.Prefix(n); err == nil && p.Contains(c.ip) {
			return true
		}
	}
	return false
}

// matchPTR matches when one of the client's validated names is the
// target or below it. Lookup failures just do not match (RFC 7208 5.5).
func (c *check) matchPTR(target string) bool {
	target = strings.ToLower(strings.TrimSuffix(target, "."))
	for _, name := range c.validatedNames() {
		if name == target || strings.HasSuffix(name, "."+target) {
			return true
		}
	}
	return false
}

// validatedNames are the client's PTR names whose addresses include it,
// looked up once per check.
func (c *check) validatedNames() []string {
	if c.named {
		return c.names
	}
	c.named = true
	names, err := c.p.DNS.PTRNames(c.ctx, c.ip)
	if err != nil {
		return nil
	}
	if len(names) > maxPTR {
		names = names[:maxPTR]
	}
	for _, name := range names {
		addrs, err := c.p.DNS.Addrs(c.ctx, name, c.ip.Is6())
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if a.Unmap() == c.ip {
				c.names = append(c.names, strings.ToLower(strings.TrimSuffix(name, ".")))
				break
			}
		}
	}
	return c.names
}

// exists matches when the name has an A record, whatever the client.
func (c *check) exists(name string) (bool, error) {
	addrs, err := c.p.DNS.Addrs(c.ctx, name, false)
	if err == nil && len(addrs) == 0 {
		return false, c.countVoid()
	}
	if err != nil {
		return false, c.lookupError(err)
	}
	return true, nil
}

// target expands a domain-spec and shortens it to 253 bytes by dropping
// labels from the left (RFC 7208 7.3).
func (c *check) target(spec, domain string) (string, error) {
	name, err := expandWith(spec, inDomain, func(letter byte, _ bool) string { return c.macro(letter, domain) })
	if err != nil {
		return "", err
	}
	name = strings.TrimSuffix(name, ".")
	for len(name) > 253 {
		dot := strings.IndexByte(name, '.')
		if dot < 0 {
			return "", &syntaxError{"name too long"}
		}
		name = name[dot+1:]
	}
	return name, nil
}
