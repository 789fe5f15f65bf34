package rules

import (
	"fmt"
	"net/netip"
	"strings"
)

// Finding is one problem Lint reports about a rules file.
type Finding struct {
	Line int
	Text string
}

func (f Finding) String() string { return fmt.Sprintf("line %d: %s", f.Line, f.Text) }

// Lint compiles input as tcprules would and reports rules that never take
// effect: a key defined again after an earlier rule (lookups stop at the
// first), and keys no lookup ever tries. A parse error is returned as the
// error.
func Lint(input []byte) ([]Finding, error) {
	var findings []Finding
	first := map[string]int{}
	err := Compile(input, func() error {
		findings, first = nil, map[string]int{}
		return nil
	}, func(line int, key, _ []byte) error {
		k := string(key)
		if prev, dup := first[k]; dup {
			findings = append(findings, Finding{line, fmt.Sprintf("key %q is shadowed by the rule on line %d", k, prev)})
			return nil
		}
		first[k] = line
		if why := unreachable(k); why != "" {
			findings = append(findings, Finding{line, fmt.Sprintf("key %q never matches: %s", k, why)})
		}
		return nil
	})
	return findings, err
}

// unreachable says why no lookup ever tries key, or "".
func unreachable(key string) string {
	if key == "" || key[0] == '=' {
		return ""
	}
	if strings.TrimSpace(key) != key {
		return "white space is part of the key"
	}
	if _, addr, ok := strings.Cut(key, "@"); ok {
		if strings.HasSuffix(addr, ".") || strings.HasSuffix(addr, ":") || strings.Contains(addr, "/") {
			return "INFO@ takes a whole address or =host, not a prefix"
		}
		return ""
	}
	if strings.Contains(key, "/") {
		p, err := netip.ParsePrefix(key)
		if err != nil {
			return "not a CIDR prefix: " + err.Error()
		}
		if canon := p.Masked().String(); canon != key {
			return fmt.Sprintf("write the CIDR prefix as %q", canon)
		}
		return ""
	}
	if strings.Contains(key, ":") && strings.ToLower(key) != key {
		return "tcpserver writes IPv6 addresses in lower case"
	}
	return ""
}
