package rules

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"

	"github.com/quail-mta/quail/pkg/cdb"
)

// Client is what the lookup knows about a connection: tcpserver's
// TCPREMOTEIP, TCPREMOTEHOST and TCPREMOTEINFO.
type Client struct {
	IP      string
	Host    string
	HasHost bool // TCPREMOTEHOST is set (possibly empty)
	Info    string
	HasInfo bool // TCPREMOTEINFO is set (possibly empty)
}

// Var is one environment setting of a rule.
type Var struct{ Name, Value string }

// Decision is the outcome of a lookup.
type Decision struct {
	Matched bool   // false: no rule matched, and the connection is allowed
	Key     string // the key of the rule that matched
	Deny    bool
	Vars    []Var  // the rule's settings, in rule order
	Data    []byte // the rule's cdb data as stored
	Tried   []string
}

// Lookup finds the rule for c in the cdb at path. The database is opened
// for this call only, so a rebuilt database applies to the next connection.
// A missing file gives an error wrapping fs.ErrNotExist, a corrupt one
// cdb.ErrFormat.
func Lookup(path string, c Client) (Decision, error) {
	return lookup(path, c, false)
}

// Explain is Lookup that also records every key tried, in order, in
// Decision.Tried.
func Explain(path string, c Client) (Decision, error) {
	return lookup(path, c, true)
}

func lookup(path string, c Client, trace bool) (Decision, error) {
	db, err := cdb.Open(path)
	if err != nil {
		return Decision{}, err
	}
	defer db.Close()
	var d Decision
	for _, key := range Keys(c) {
		if trace {
			d.Tried = append(d.Tried, key)
		}
		data, found, err := db.Get([]byte(key))
		if err != nil {
			return Decision{}, err
		}
		if found {
			d.Matched, d.Key, d.Data = true, key, data
			d.Deny, d.Vars = decode(data)
			return d, nil
		}
	}
	return d, nil
}

// decode reads rule data: NUL-terminated entries, "D" for deny and
// "+NAME=VALUE" for settings. Settings after a deny do not apply.
func decode(data []byte) (deny bool, vars []Var) {
	for {
		end := bytes.IndexByte(data, 0)
		if end < 0 {
			return false, vars
		}
		entry := data[:end]
		data = data[end+1:]
		if len(entry) == 0 {
			continue
		}
		switch entry[0] {
		case 'D':
			return true, vars
		case '+':
			if name, value, ok := strings.Cut(string(entry[1:]), "="); ok {
				vars = append(vars, Var{name, value})
			}
		}
	}
}

// Keys lists the keys a lookup tries, in order. The classic order of
// ucspi-tcp 0.88 and its IPv6 build comes first, with quail's additions
// slotted in where they cannot change a classic result:
//
//  1. INFO@IP, INFO@=HOST, IP, =HOST
//  2. for an IPv4-mapped client ::ffff:a.b.c.d: INFO@a.b.c.d, a.b.c.d
//  3. prefixes, longest first: CIDR keys ("10.0.0.0/8", "2001:db8::/32",
//     network address in canonical form) interleaved by length with the
//     dotted prefixes ("10."); then the IP string's prefixes ending in ':'
//  4. =.DOMAIN suffixes of HOST, longest first; "=" if HOST is set; ""
func Keys(c Client) []string {
	keys := make([]string, 0, 64)
	ip := c.IP
	if c.HasInfo {
		keys = append(keys, c.Info+"@"+ip)
		if c.HasHost {
			keys = append(keys, c.Info+"@="+c.Host)
		}
	}
	keys = append(keys, ip)
	if c.HasHost {
		keys = append(keys, "="+c.Host)
	}
	addr, err := netip.ParseAddr(ip)
	parsed := err == nil
	if parsed && addr.Zone() != "" {
		parsed = false // a zoned address has no network prefix
	}
	mapped := parsed && addr.Is4In6()
	v4 := ip
	if mapped {
		v4 = addr.Unmap().String()
		if c.HasInfo {
			keys = append(keys, c.Info+"@"+v4)
		}
		keys = append(keys, v4)
	}
	keys = prefixKeys(keys, ip, v4, addr, parsed, mapped)
	if c.HasHost {
		for i := 0; i < len(c.Host); i++ {
			if c.Host[i] == '.' {
				keys = append(keys, "="+c.Host[i:])
			}
		}
		keys = append(keys, "=")
	}
	return append(keys, "")
}

// prefixKeys appends step 3 of Keys.
func prefixKeys(keys []string, ip, v4 string, addr netip.Addr, parsed, mapped bool) []string {
	switch {
	case mapped:
		// The mapped form's own dotted prefixes first (rules written for
		// the IPv6 build), then the IPv4 ones, then "::ffff:", "::", ":",
		// which would otherwise hide every IPv4 rule.
		keys = append(keys, stringPrefixes(ip, ".")...)
		keys = ipv4Prefixes(keys, addr.Unmap(), stringPrefixes(v4, "."))
		return append(keys, stringPrefixes(ip, ":")...)
	case parsed && addr.Is4():
		return ipv4Prefixes(keys, addr, stringPrefixes(ip, "."))
	case parsed:
		for bits := addr.BitLen(); bits >= 0; bits-- {
			keys = append(keys, cidrKey(addr, bits))
		}
	}
	// The IPv6 build's walk: prefixes ending in '.' or ':', longest first.
	return append(keys, stringPrefixes(ip, ".:")...)
}

// ipv4Prefixes appends CIDR keys /32 to /0 with the dotted prefixes of the
// address string placed at their lengths ("a.b.c." after /24).
func ipv4Prefixes(keys []string, addr netip.Addr, dotted []string) []string {
	for bits := 32; bits >= 0; bits-- {
		keys = append(keys, cidrKey(addr, bits))
		for _, p := range dotted {
			if strings.Count(p, ".")*8 == bits {
				keys = append(keys, p)
			}
		}
	}
	return keys
}

func cidrKey(addr netip.Addr, bits int) string {
	p, _ := addr.Prefix(bits)
	return p.Addr().String() + "/" + strconv.Itoa(bits)
}

// stringPrefixes returns the prefixes of s that end in one of seps,
// longest first, as the C lookup walks the string (s itself included when
// it ends in a separator).
func stringPrefixes(s, seps string) []string {
	var out []string
	for n := len(s); n > 0; n-- {
		if strings.IndexByte(seps, s[n-1]) >= 0 {
			out = append(out, s[:n])
		}
	}
	return out
}
