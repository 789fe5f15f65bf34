package spf

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/visible"
)

// macro is the value of a macro letter (RFC 7208 7.3) while domain's
// policy is evaluated.
func (c *check) macro(letter byte, domain string) string {
	switch letter {
	case 's':
		return c.sender
	case 'l':
		return c.sender[:strings.LastIndexByte(c.sender, '@')]
	case 'o':
		return c.domain
	case 'd':
		return domain
	case 'i':
		return dottedIP(c.ip)
	case 'p':
		return c.validatedName(domain)
	case 'v':
		if c.ip.Is6() {
			return "ip6"
		}
		return "in-addr"
	case 'h':
		return c.helo
	case 'c':
		return c.ip.String()
	case 'r':
		return c.receiver()
	case 't':
		return strconv.FormatInt(c.now().Unix(), 10)
	}
	return ""
}

// dottedIP is %{i}: IPv4 as usual, IPv6 as 32 dot-separated nibbles.
func dottedIP(ip netip.Addr) string {
	if ip.Is4() {
		return ip.String()
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i, byt := range ip.As16() {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteByte(hex[byt>>4])
		b.WriteByte('.')
		b.WriteByte(hex[byt&15])
	}
	return b.String()
}

// validatedName is %{p}: a validated name of the client in domain, else
// any validated name, else "unknown".
func (c *check) validatedName(domain string) string {
	names := c.validatedNames()
	domain = strings.ToLower(domain)
	for _, n := range names {
		if n == domain || strings.HasSuffix(n, "."+domain) {
			return n
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return "unknown"
}

func (c *check) receiver() string {
	if c.p.Receiver == "" {
		return "unknown"
	}
	return c.p.Receiver
}

func (c *check) now() time.Time {
	if c.p.Now != nil {
		return c.p.Now()
	}
	return time.Now()
}

// who names the policy that decided, as the patch's %{xs} does.
func (o outcome) who() string {
	if o.local || o.domain == "" {
		return "local policy"
	}
	return "SPF record at " + o.domain
}

// info is the Received-SPF text, in the qmail-spf patch's words. Names
// from the client or from DNS go through headerSafe.
func (c *check) info(o outcome) string {
	r, ip, who, d := headerSafe(c.receiver()), c.ip.String(), headerSafe(o.who()), headerSafe(o.domain)
	switch o.result {
	case Pass:
		return "pass (" + r + ": " + who + " designates " + ip + " as permitted sender)"
	case Fail:
		return "fail (" + r + ": " + who + " does not designate " + ip + " as permitted sender)"
	case SoftFail:
		return "softfail (" + r + ": transitioning " + who + " does not designate " + ip + " as permitted sender)"
	case Neutral:
		return "neutral (" + r + ": " + ip + " is neither permitted nor denied by " + who + ")"
	case None:
		return "none (" + r + ": domain at " + d + " does not designate permitted sender hosts)"
	case Error:
		return "error (" + r + ": error in processing during lookup of " + d + ": " + o.problem + ")"
	}
	switch {
	case o.mech != "":
		return "unknown " + headerSafe(o.mech) + " (" + r + ": " + who + " uses mechanism not recognized by this client)"
	case o.problem != "":
		return "unknown (" + r + ": " + headerSafe(o.problem) + ")"
	}
	return "unknown (" + r + ": domain at " + d + " does not designate permitted sender hosts)"
}

// explain is the text of a refusal: the failing domain's own exp= text
// when it has one that is fit to show, else the site's control/spfexp.
func (c *check) explain(o outcome) string {
	if o.result == Fail && o.exp != "" {
		if text, ok := c.domainExplanation(o); ok {
			return text
		}
	}
	site := c.p.Explanation
	if site == "" {
		site = DefaultExplanation
	}
	value := func(letter byte, x bool) string {
		if !x {
			return c.macro(letter, o.domain)
		}
		switch letter {
		case 'r':
			return c.receiver()
		case 's':
			return o.who()
		}
		return o.problem
	}
	text, err := expandWith(site, inLocalExplanation, value)
	if err != nil {
		text, _ = expandWith(DefaultExplanation, inLocalExplanation, value)
	}
	return visible.String(text, ' ', '?')
}

// domainExplanation looks up and expands an exp= modifier (RFC 7208 6.2):
// exactly one TXT record, printable ASCII after expansion, or nothing.
func (c *check) domainExplanation(o outcome) (string, bool) {
	name, err := c.target(o.exp, o.domain)
	if err != nil {
		return "", false
	}
	texts, err := c.p.DNS.TXT(c.ctx, name)
	if err != nil || len(texts) != 1 {
		return "", false
	}
	text, err := expandWith(texts[0], inExplanation, func(letter byte, _ bool) string { return c.macro(letter, o.domain) })
	if err != nil || text == "" || visible.String(text, ' ', '?') != text {
		return "", false
	}
	return text, true
}

// headerSafe keeps a name in the Received-SPF line from breaking the
// header or its comment: only letters, digits and -._@:+= stay.
func headerSafe(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !isAlpha(ch) && !isDigit(ch) && strings.IndexByte("-._@:+= ", ch) < 0 {
			b[i] = '?'
		}
	}
	return string(b)
}
