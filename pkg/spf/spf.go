// Package spf checks whether a client may send mail for the domain of the
// envelope sender, as the domain's SPF policy says (RFC 7208), for
// qmail-smtpd. It follows the interface of the qmail-spf patch that sites
// run with qmail: the site's own rules (control/spfrules) tried just before
// a domain's final "all", a guessed policy (control/spfguess) for domains
// that publish none, the patch's result names (unknown for RFC 7208's
// permerror, error for temperror), its Received-SPF texts and its
// explanation (control/spfexp). Unlike the patch it checks IPv6 clients
// too, and it keeps RFC 7208's limits of 10 lookups and 2 void lookups.
package spf

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/resolver"
)

// Result is the outcome of a check, in the order and with the names of
// the qmail-spf patch.
type Result int

const (
	Pass     Result = iota
	None            // the domain publishes no policy
	Unknown         // RFC 7208's permerror: the policy cannot be used
	Neutral         // the policy says nothing about this client
	SoftFail        // the policy says probably not
	Fail            // the policy says no
	Error           // RFC 7208's temperror: a DNS lookup failed for now
)

var resultNames = [...]string{"pass", "none", "unknown", "neutral", "softfail", "fail", "error"}

func (r Result) String() string { return resultNames[r] }

// DNS is what a check looks up. *resolver.Client has these: NotFound
// errors are answers, any other error is temporary.
type DNS interface {
	TXT(ctx context.Context, name string) ([]string, error)
	MX(ctx context.Context, name string) ([]resolver.MX, error)
	Addrs(ctx context.Context, name string, want6 bool) ([]netip.Addr, error)
	PTRNames(ctx context.Context, addr netip.Addr) ([]string, error)
}

// DefaultExplanation is the qmail-spf patch's explanation, for sites
// without control/spfexp.
const DefaultExplanation = "See http://spf.pobox.com/why.html?sender=%{S}&ip=%{I}&receiver=%{xR}"

// RFC 7208's limits on the work one check may cause.
const (
	maxLookups = 10 // include, a, mx, ptr, exists and redirect
	maxVoids   = 2  // lookups that found nothing
	maxMX      = 10 // mail exchangers of one mx mechanism
	maxPTR     = 10 // names of the client that ptr and %{p} look at
)

// Policy is the site's side of a check.
type Policy struct {
	DNS         DNS
	Receiver    string // this host's name, for %{r} and the Received-SPF text
	Rules       string // control/spfrules: terms tried before a domain's final "all"
	Guess       string // control/spfguess: terms for domains without a policy
	Explanation string // control/spfexp; empty: DefaultExplanation
	// Trusted says whether an address is this host's own: mail from it
	// always passes, as from loopback.
	Trusted func(netip.Addr) bool
	Now     func() time.Time
}

// Verdict is what a check found.
type Verdict struct {
	Result Result
	// Info is the text of the Received-SPF header line, after
	// "Received-SPF: ".
	Info string
	// Explanation says why, for a refusal ("550 Explanation (#5.7.1)");
	// empty for Pass.
	Explanation string
}

// outcome is a result with what the texts about it need.
type outcome struct {
	result  Result
	local   bool   // the site's rules decided, not a domain's policy
	domain  string // the domain whose policy decided (or was looked up last)
	problem string // for unknown and error: what went wrong
	mech    string // for unknown: a mechanism this client does not know
	exp     string // the deciding policy's exp= modifier
}

// Check evaluates the policy of sender's domain, or of helo's for the
// null sender, for mail from client.
func (p *Policy) Check(ctx context.Context, client netip.Addr, sender, helo string) Verdict {
	c := newCheck(ctx, p, client, sender, helo)
	var o outcome
	switch {
	case !client.IsValid():
		o = outcome{result: Unknown, problem: "No IP address in conversation"}
	case c.ip.IsLoopback() || (p.Trusted != nil && p.Trusted(c.ip)):
		o = outcome{result: Pass, local: true, domain: c.domain}
	default:
		o = c.top()
	}
	v := Verdict{Result: o.result, Info: c.info(o)}
	if o.result != Pass {
		v.Explanation = c.explain(o)
	}
	return v
}

// check is one evaluation: the client, the sender, and the lookups made.
type check struct {
	p       *Policy
	ctx     context.Context
	ip      netip.Addr
	sender  string // %{s}: the sender, or postmaster@helo for the null sender
	domain  string // %{o}: the sender's domain
	helo    string
	lookups int
	voids   int
	names   []string // the client's validated names, once looked up
	named   bool
	rules   *record // spfrules, parsed once by top
}

func newCheck(ctx context.Context, p *Policy, client netip.Addr, sender, helo string) *check {
	c := &check{p: p, ctx: ctx, ip: client.Unmap(), helo: helo}
	if at := strings.LastIndexByte(sender, '@'); at >= 0 && at+1 < len(sender) {
		c.sender, c.domain = sender, sender[at+1:]
	} else {
		c.domain = helo
		if at := strings.LastIndexByte(helo, '@'); at >= 0 {
			c.domain = helo[at+1:]
		}
		c.sender = "postmaster@" + c.domain
	}
	return c
}

// top evaluates the sender domain's policy with the site's rules in it,
// or the site's guess and rules when the domain publishes none. Rules or
// a guess that do not parse make every result unknown, as the patch's
// would once it reached them.
func (c *check) top() outcome {
	rules, err := c.siteRecord(c.p.Rules, false)
	if err != nil {
		return c.badSitePolicy()
	}
	c.rules = rules
	rec, o := c.fetch(c.domain)
	if rec != nil {
		rec.withRules(rules)
		return c.evaluate(rec, c.domain, true)
	}
	if o.result != None {
		return o
	}
	guess, err := c.siteRecord(c.p.Guess, true)
	if err != nil {
		return c.badSitePolicy()
	}
	guess.terms = append(guess.terms, rules.terms...)
	if len(guess.terms) == 0 {
		return o
	}
	guessed := c.evaluate(guess, c.domain, true)
	if guessed.result == Neutral && !guessed.local { // nothing matched
		return o
	}
	return guessed
}

func (c *check) badSitePolicy() outcome {
	return outcome{result: Unknown, local: true, domain: c.domain, problem: "parse error in local policy"}
}

// siteRecord parses spfrules or spfguess; guess marks the terms whose
// temporary failures count as no policy at all.
func (c *check) siteRecord(text string, guess bool) (*record, error) {
	rec, err := parseRecord(text, true)
	if err != nil {
		return nil, err
	}
	for i := range rec.terms {
		rec.terms[i].guess = guess
	}
	return rec, nil
}

// fetch finds a domain's policy. Without one (nil), the outcome says why:
// none, a temporary error, or a policy that does not parse.
func (c *check) fetch(domain string) (*record, outcome) {
	o := outcome{result: None, domain: domain}
	if !plausibleDomain(domain) {
		return nil, o
	}
	texts, err := c.p.DNS.TXT(c.ctx, domain)
	if err != nil && !resolver.IsNotFound(err) {
		o.result, o.problem = Error, "DNS problem"
		return nil, o
	}
	var found []string
	for _, t := range texts {
		if isSPF(t) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, o
	case 1:
	default:
		o.result, o.problem = Unknown, "Multiple SPF records returned"
		return nil, o
	}
	rec, err := parseRecord(found[0][6:], false)
	var unknown *unknownMechanism
	switch {
	case errors.As(err, &unknown):
		o.result, o.mech = Unknown, unknown.name
		return nil, o
	case err != nil:
		o.result, o.problem = Unknown, "parse error in SPF record at "+domain
		return nil, o
	}
	return rec, o
}

// evaluate runs a policy's mechanisms in order; the first to match
// decides. Then redirect=, else neutral. top says the site's rules apply
// (they do through a redirect, not through an include).
func (c *check) evaluate(rec *record, domain string, top bool) outcome {
	for _, t := range rec.terms {
		matched, err := c.match(t, domain)
		if err != nil {
			o := c.failure(err, domain)
			o.local = t.local
			if o.result == Error && t.guess {
				return outcome{result: None, domain: domain}
			}
			return o
		}
		if matched {
			return outcome{result: qualifierResult(t.qualifier), local: t.local, domain: domain, exp: rec.exp}
		}
	}
	if rec.redirect == "" {
		return outcome{result: Neutral, domain: domain, exp: rec.exp}
	}
	if err := c.countLookup(); err != nil {
		return c.failure(err, domain)
	}
	target, err := c.target(rec.redirect, domain)
	if err != nil {
		return c.failure(err, domain)
	}
	next, o := c.fetch(target)
	if next == nil {
		if o.result == None {
			o.result = Unknown // RFC 7208 6.1: a redirect to nothing is an error
		}
		return o
	}
	if top {
		next.withRules(c.rules)
	}
	return c.evaluate(next, target, top)
}

func qualifierResult(q byte) Result {
	switch q {
	case '-':
		return Fail
	case '~':
		return SoftFail
	case '?':
		return Neutral
	}
	return Pass
}

// errTemp is a lookup that failed for now; anything else a mechanism
// returns is a permanent error.
var errTemp = errors.New("DNS problem")

// failure turns a mechanism's error into the outcome.
func (c *check) failure(err error, domain string) outcome {
	var unknown *unknownMechanism
	switch {
	case errors.Is(err, errTemp):
		return outcome{result: Error, domain: domain, problem: "DNS problem"}
	case errors.As(err, &unknown):
		return outcome{result: Unknown, domain: domain, mech: unknown.name}
	}
	return outcome{result: Unknown, domain: domain, problem: err.Error()}
}

var (
	errLookups = errors.New("Maximum DNS lookups exceeded")
	errVoids   = errors.New("Maximum void DNS lookups exceeded")
	errMX      = errors.New("Too many MX records")
)

func (c *check) countLookup() error {
	if c.lookups++; c.lookups > maxLookups {
		return errLookups
	}
	return nil
}

func (c *check) countVoid() error {
	if c.voids++; c.voids > maxVoids {
		return errVoids
	}
	return nil
}

// lookupError sorts a DNS error: an answer that there is nothing is a
// void lookup, anything else temporary.
func (c *check) lookupError(err error) error {
	if resolver.IsNotFound(err) {
		return c.countVoid()
	}
	return errTemp
}

// plausibleDomain is RFC 7208 4.3's test of the domain to check: at least
// two labels, none empty or longer than 63 bytes, 253 bytes in all.
func plausibleDomain(d string) bool {
	d = strings.TrimSuffix(d, ".")
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
	}
	return true
}
