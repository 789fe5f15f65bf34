package spf

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/pkg/resolver"
)

// zone is the DNS the checks below run against, served on loopback.
var zone = []string{
	`pass.test. TXT "v=spf1 ip4:192.0.2.0/24 -all"`,
	`pass.test. TXT "some other text"`,
	`soft.test. TXT "v=spf1 a:host.soft.test ~all"`,
	`host.soft.test. A 192.0.2.9`,
	`neutral.test. TXT "v=spf1 ?all"`,
	`none.test. A 192.0.2.30`,
	`none.test. MX 10 none.test.`,
	`multi.test. TXT "v=spf1 -all"`,
	`multi.test. TXT "v=spf1 +all"`,
	`syntax.test. TXT "v=spf1 ip4:300.1.1.1 -all"`,
	`newmech.test. TXT "v=spf1 foo:bar -all"`,
	`mx.test. TXT "v=spf1 mx -all"`,
	`mx.test. MX 10 mail.mx.test.`,
	`mail.mx.test. A 192.0.2.20`,
	`mail.mx.test. AAAA 2001:db8::20`,
	`cidr.test. TXT "v=spf1 mx:mx.test/24//64 -all"`,
	`include.test. TXT "v=spf1 include:pass.test -all"`,
	`incnone.test. TXT "v=spf1 include:none.test -all"`,
	`redirect.test. TXT "v=spf1 redirect=pass.test"`,
	`redirnone.test. TXT "v=spf1 redirect=none.test"`,
	`loop.test. TXT "v=spf1 include:loop.test -all"`,
	`void.test. TXT "v=spf1 a:v1.void.test a:v2.void.test a:v3.void.test -all"`,
	`exists.test. TXT "v=spf1 exists:%{ir}.%{l}._spf.exists.test -all"`,
	`7.2.0.192.bob._spf.exists.test. A 127.0.0.2`,
	`ptr.test. TXT "v=spf1 ptr -all"`,
	`9.2.0.192.in-addr.arpa. PTR host.ptr.test.`,
	`host.ptr.test. A 192.0.2.9`,
	`10.2.0.192.in-addr.arpa. PTR forged.ptr.test.`,
	`forged.ptr.test. A 198.51.100.99`,
	`exp.test. TXT "v=spf1 -all exp=why.exp.test"`,
	`why.exp.test. TXT "%{i} may not send for %{d}"`,
	`onlyall.test. TXT "v=spf1 -all"`,
	`run.test. TXT "v=spf1 a:host.soft.test -ip4:192.0.2.66 -all"`,
	`v6.test. TXT "v=spf1 ip6:2001:db8:1::/48 -all"`,
	`tempinc.test. TXT "v=spf1 include:tempfail.test -all"`,
}

func testPolicy(t *testing.T) (*Policy, *dnstest.Server) {
	srv := dnstest.Start(t, zone...)
	srv.ServFail("tempfail.test")
	dns := &resolver.Client{Servers: []string{srv.Addr}, Timeouts: []time.Duration{500 * time.Millisecond}}
	return &Policy{DNS: dns, Receiver: "mx.receiver.test", Now: func() time.Time { return time.Unix(1700000000, 0) }}, srv
}

func TestCheck(t *testing.T) {
	p, _ := testPolicy(t)
	tests := []struct {
		ip, sender, helo string
		rules, guess     string
		want             Result
		info             string // a part of the Received-SPF text
	}{
		{ip: "192.0.2.7", sender: "a@pass.test", want: Pass,
			info: "pass (mx.receiver.test: SPF record at pass.test designates 192.0.2.7 as permitted sender)"},
		{ip: "198.51.100.1", sender: "a@pass.test", want: Fail,
			info: "fail (mx.receiver.test: SPF record at pass.test does not designate 198.51.100.1 as permitted sender)"},
		{ip: "192.0.2.9", sender: "a@soft.test", want: Pass},
		{ip: "192.0.2.10", sender: "a@soft.test", want: SoftFail,
			info: "softfail (mx.receiver.test: transitioning SPF record at soft.test does not designate 192.0.2.10 as permitted sender)"},
		{ip: "192.0.2.10", sender: "a@neutral.test", want: Neutral,
			info: "neutral (mx.receiver.test: 192.0.2.10 is neither permitted nor denied by SPF record at neutral.test)"},
		{ip: "192.0.2.10", sender: "a@none.test", want: None,
			info: "none (mx.receiver.test: domain at none.test does not designate permitted sender hosts)"},
		{ip: "192.0.2.10", sender: "a@nowhere.test", want: None},
		{ip: "192.0.2.10", sender: "a@localhost", want: None},
		{ip: "192.0.2.10", sender: "a@multi.test", want: Unknown,
			info: "unknown (mx.receiver.test: Multiple SPF records returned)"},
		{ip: "192.0.2.10", sender: "a@syntax.test", want: Unknown,
			info: "unknown (mx.receiver.test: parse error in SPF record at syntax.test)"},
		{ip: "192.0.2.10", sender: "a@newmech.test", want: Unknown,
			info: "unknown foo (mx.receiver.test: SPF record at newmech.test uses mechanism not recognized by this client)"},
		{ip: "192.0.2.20", sender: "a@mx.test", want: Pass},
		{ip: "2001:db8::20", sender: "a@mx.test", want: Pass},
		{ip: "192.0.2.21", sender: "a@mx.test", want: Fail},
		{ip: "192.0.2.200", sender: "a@cidr.test", want: Pass},
		{ip: "2001:db8::ffff:1", sender: "a@cidr.test", want: Pass},
		{ip: "2001:db8:0:1::20", sender: "a@cidr.test", want: Fail},
		{ip: "192.0.2.7", sender: "a@include.test", want: Pass},
		{ip: "198.51.100.1", sender: "a@include.test", want: Fail},
		{ip: "198.51.100.1", sender: "a@incnone.test", want: Unknown,
			info: "unknown (mx.receiver.test: include:none.test has no SPF record)"},
		{ip: "192.0.2.7", sender: "a@redirect.test", want: Pass,
			info: "SPF record at pass.test designates"},
		{ip: "198.51.100.1", sender: "a@redirect.test", want: Fail},
		{ip: "198.51.100.1", sender: "a@redirnone.test", want: Unknown},
		{ip: "198.51.100.1", sender: "a@loop.test", want: Unknown,
			info: "Maximum DNS lookups exceeded"},
		{ip: "198.51.100.1", sender: "a@void.test", want: Unknown,
			info: "Maximum void DNS lookups exceeded"},
		{ip: "198.51.100.1", sender: "a@tempfail.test", want: Error,
			info: "error (mx.receiver.test: error in processing during lookup of tempfail.test: DNS problem)"},
		{ip: "198.51.100.1", sender: "a@tempinc.test", want: Error},
		{ip: "192.0.2.7", sender: "bob@exists.test", want: Pass},
		{ip: "192.0.2.7", sender: "alice@exists.test", want: Fail},
		{ip: "192.0.2.9", sender: "a@ptr.test", want: Pass},
		{ip: "192.0.2.10", sender: "a@ptr.test", want: Fail},
		{ip: "2001:db8:1::5", sender: "a@v6.test", want: Pass},
		{ip: "::ffff:192.0.2.7", sender: "a@pass.test", want: Pass},
		{ip: "192.0.2.5", sender: "a@v6.test", want: Fail},
		// The null sender: the HELO name's policy.
		{ip: "192.0.2.7", sender: "", helo: "pass.test", want: Pass},
		{ip: "198.51.100.1", sender: "", helo: "pass.test", want: Fail},
		// This host and loopback always pass.
		{ip: "127.0.0.1", sender: "a@pass.test", want: Pass,
			info: "pass (mx.receiver.test: local policy designates 127.0.0.1 as permitted sender)"},
		{ip: "::1", sender: "a@pass.test", want: Pass},
		{ip: "unknown", sender: "a@pass.test", want: Unknown,
			info: "unknown (mx.receiver.test: No IP address in conversation)"},
		// spfrules go in before the final "-all" and its run of "-" terms.
		{ip: "203.0.113.5", sender: "a@pass.test", rules: "ip4:203.0.113.5", want: Pass,
			info: "pass (mx.receiver.test: local policy designates 203.0.113.5 as permitted sender)"},
		{ip: "192.0.2.66", sender: "a@run.test", rules: "ip4:192.0.2.66", want: Pass},
		{ip: "203.0.113.5", sender: "a@onlyall.test", rules: "ip4:203.0.113.5", want: Fail},
		{ip: "203.0.113.5", sender: "a@neutral.test", rules: "ip4:203.0.113.5", want: Neutral},
		{ip: "203.0.113.5", sender: "a@include.test", rules: "ip4:203.0.113.5", want: Pass},
		{ip: "203.0.113.5", sender: "a@redirect.test", rules: "ip4:203.0.113.5", want: Pass},
		// spfguess for domains without a policy, spfrules after it.
		{ip: "192.0.2.31", sender: "a@none.test", guess: "a/24 mx/24", want: Pass,
			info: "local policy designates"},
		{ip: "198.51.100.1", sender: "a@none.test", guess: "a/24 mx/24", want: None},
		{ip: "198.51.100.1", sender: "a@none.test", guess: "a/24", rules: "ip4:198.51.100.0/24", want: Pass},
		{ip: "198.51.100.1", sender: "a@none.test", guess: "a:tempfail.test", want: None},
		{ip: "198.51.100.1", sender: "a@none.test", guess: "-all", want: Fail},
		{ip: "198.51.100.1", sender: "a@none.test", guess: "ip4:bad", want: Unknown},
	}
	for _, tt := range tests {
		p.Rules, p.Guess = tt.rules, tt.guess
		ip, _ := netip.ParseAddr(tt.ip)
		v := p.Check(context.Background(), ip, tt.sender, tt.helo)
		if v.Result != tt.want || !strings.Contains(v.Info, tt.info) {
			t.Errorf("%s from %s (rules %q, guess %q) = %v, %q; want %v, %q",
				tt.sender, tt.ip, tt.rules, tt.guess, v.Result, v.Info, tt.want, tt.info)
		}
		if (v.Explanation == "") != (v.Result == Pass) {
			t.Errorf("%s from %s: explanation %q with %v", tt.sender, tt.ip, v.Explanation, v.Result)
		}
	}
}

func TestExplanation(t *testing.T) {
	p, _ := testPolicy(t)
	ip := netip.MustParseAddr("198.51.100.1")
	v := p.Check(context.Background(), ip, "a@pass.test", "")
	want := "See http://spf.pobox.com/why.html?sender=a%40pass.test&ip=198.51.100.1&receiver=mx.receiver.test"
	if v.Explanation != want {
		t.Errorf("default explanation = %q, want %q", v.Explanation, want)
	}
	p.Explanation = "%{xs} says no to %{i} (%{xr}, %{d}, %{c})"
	v = p.Check(context.Background(), ip, "a@pass.test", "")
	if want := "SPF record at pass.test says no to 198.51.100.1 (mx.receiver.test, pass.test, 198.51.100.1)"; v.Explanation != want {
		t.Errorf("spfexp explanation = %q, want %q", v.Explanation, want)
	}
	p.Explanation = "broken %{"
	v = p.Check(context.Background(), ip, "a@pass.test", "")
	if !strings.HasPrefix(v.Explanation, "See http://spf.pobox.com/") {
		t.Errorf("a broken spfexp gives %q, want the default", v.Explanation)
	}
	// The domain's own exp= text replaces the site's for a fail.
	v = p.Check(context.Background(), ip, "a@exp.test", "")
	if want := "198.51.100.1 may not send for exp.test"; v.Explanation != want {
		t.Errorf("exp= explanation = %q, want %q", v.Explanation, want)
	}
}

// TestMacros checks RFC 7208 7.4's examples.
func TestMacros(t *testing.T) {
	c := newCheck(context.Background(), &Policy{Receiver: "mx.receiver.test"},
		netip.MustParseAddr("192.0.2.3"), "strong-bad@email.example.com", "helo.test")
	c6 := newCheck(context.Background(), &Policy{}, netip.MustParseAddr("2001:db8::cb01"),
		"strong-bad@email.example.com", "")
	tests := []struct {
		c         *check
		spec, out string
	}{
		{c, "%{s}", "strong-bad@email.example.com"},
		{c, "%{o}", "email.example.com"},
		{c, "%{d}", "email.example.com"},
		{c, "%{d4}", "email.example.com"},
		{c, "%{d3}", "email.example.com"},
		{c, "%{d2}", "example.com"},
		{c, "%{d1}", "com"},
		{c, "%{dr}", "com.example.email"},
		{c, "%{d2r}", "example.email"},
		{c, "%{l}", "strong-bad"},
		{c, "%{l-}", "strong.bad"},
		{c, "%{lr}", "strong-bad"},
		{c, "%{lr-}", "bad.strong"},
		{c, "%{l1r-}", "strong"},
		{c, "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
		{c, "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
		{c, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
		{c, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
		{c, "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
		{c, "%{h}%%%_%-", "helo.test% %20"},
		{c6, "%{ir}.%{v}._spf.%{d2}", "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"},
	}
	for _, tt := range tests {
		got, err := tt.c.target(tt.spec, "email.example.com")
		if err != nil || got != tt.out {
			t.Errorf("%q = %q, %v; want %q", tt.spec, got, err, tt.out)
		}
	}
	for _, bad := range []string{"%{c}", "%{r}", "%{t}", "%{x}", "%{d0}", "%{d", "%", "%a", "%{dq}", "%{xr}"} {
		if _, err := c.target(bad, "email.example.com"); err == nil {
			t.Errorf("%q expanded in a domain", bad)
		}
	}
	got, err := expandWith("%{L}/%{c}/%{r}/%{t}", inExplanation, func(l byte, _ bool) string { return c.macro(l, "d.test") })
	if want := "strong-bad/192.0.2.3/mx.receiver.test/"; err != nil || !strings.HasPrefix(got, want) {
		t.Errorf("explanation macros = %q, %v; want %q...", got, err, want)
	}
	if got := urlEscape("a@b c/d~"); got != "a%40b%20c%2Fd~" {
		t.Errorf("urlEscape = %q", got)
	}
}

func TestParseRecord(t *testing.T) {
	good := []string{
		"", "-all", "+all ~all ?all", "a", "a:example.com", "a/24", "a//64", "a/24//64",
		"a:%{d}/24", "mx:mail.%{d2}//48", "ptr", "ptr:example.com", "ip4:192.0.2.0/24",
		"ip6:2001:db8::/32", "ip6:::1", "include:_spf.example.com", "exists:%{i}.bl.example.com",
		"redirect=_spf.example.com", "exp=explain.%{d}", "unknown-modifier=anything",
		"IP4:192.0.2.1 MX A:x.test", "  a   mx  ",
	}
	for _, text := range good {
		if _, err := parseRecord(text, false); err != nil {
			t.Errorf("parseRecord(%q): %v", text, err)
		}
	}
	bad := []string{
		"all:x", "include", "include:", "exists", "a:", "a/33", "a//129", "a/024", "a/-1",
		"ptr/24", "ip4", "ip4:192.0.2.0/33", "ip4:2001:db8::1", "ip6:192.0.2.1", "ip4:1.2.3",
		"ip6:fe80::1%eth0", "a:%{z}", "redirect=a redirect=b", "exp=a exp=b", "=x", "-", "a:b%",
		"foo", "bar:baz", "1mech", "redirect=", "exp=",
	}
	for _, text := range bad {
		if _, err := parseRecord(text, false); err == nil {
			t.Errorf("parseRecord(%q) accepted", text)
		}
	}
	for _, txt := range []string{"v=spf1", "v=spf1 -all", "V=SPF1 a"} {
		if !isSPF(txt) {
			t.Errorf("isSPF(%q) = false", txt)
		}
	}
	for _, txt := range []string{"v=spf10", "v=spf1.1 a", "spf1", "v=spf2.0/pra a", ""} {
		if isSPF(txt) {
			t.Errorf("isSPF(%q) = true", txt)
		}
	}
}

func TestWithRules(t *testing.T) {
	tests := []struct{ record, want string }{
		{"a -all", "a R -all"},
		{"a -ip4:192.0.2.1 -all", "a R -ip4:192.0.2.1 -all"},
		{"a ~all", "a R ~all"},
		{"a ?all", "a R ?all"},
		{"-all", "-all"},
		{"-a -all", "-a -all"},
		{"a +all", "a +all"},
		{"a all", "a all"},
		{"a", "a"},
	}
	rules, _ := parseRecord("ip4:192.0.2.99", true)
	for _, tt := range tests {
		rec, err := parseRecord(tt.record, false)
		if err != nil {
			t.Fatal(err)
		}
		rec.withRules(rules)
		var words []string
		for _, term := range rec.terms {
			w := term.name
			if term.local {
				w = "R"
			} else if term.spec != "" {
				w += ":" + term.spec
			}
			if term.name == "ip4" && !term.local {
				w = "ip4:" + term.prefix.Addr().String()
			}
			if term.written {
				w = string(term.qualifier) + w
			}
			words = append(words, w)
		}
		if got := strings.Join(words, " "); got != tt.want {
			t.Errorf("%q with rules = %q, want %q", tt.record, got, tt.want)
		}
	}
}

// TestHungDNS: a server that never answers is a temporary error once the
// context's time is up, not a hang.
func TestHungDNS(t *testing.T) {
	p, srv := testPolicy(t)
	srv.Hang("hung.test")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v := p.Check(ctx, netip.MustParseAddr("192.0.2.1"), "a@hung.test", "")
	if v.Result != Error {
		t.Errorf("hung DNS = %v %q, want error", v.Result, v.Info)
	}
}

// memoryDNS answers every TXT question with one record and every other
// question from a small fixed set, for the fuzz target.
type memoryDNS struct{ txt string }

func (m memoryDNS) TXT(_ context.Context, name string) ([]string, error) {
	if strings.HasPrefix(name, "none.") {
		return nil, nil
	}
	return []string{m.txt}, nil
}

func (m memoryDNS) MX(_ context.Context, name string) ([]resolver.MX, error) {
	return []resolver.MX{{Pref: 10, Host: "mx." + name}}, nil
}

func (m memoryDNS) Addrs(_ context.Context, name string, want6 bool) ([]netip.Addr, error) {
	if strings.HasPrefix(name, "void.") {
		return nil, &resolver.Error{Name: name, NotFound: true}
	}
	if want6 {
		return []netip.Addr{netip.MustParseAddr("2001:db8::1")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("192.0.2.1")}, nil
}

func (m memoryDNS) PTRNames(context.Context, netip.Addr) ([]string, error) {
	return []string{"host.example.test"}, nil
}

// FuzzCheck evaluates any policy a domain might publish: no panic, a
// result in range, header text without line breaks, and a bounded number
// of lookups whatever includes and redirects it chains.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		"v=spf1 -all", "v=spf1 include:x.test -all", "v=spf1 redirect=%{d}.x",
		"v=spf1 exists:%{ir}.%{l1r-}.%{d2} ~all", "v=spf1 a/24//64 mx:%{o} ptr ?all exp=e.%{d}",
		"v=spf1 a:void.1 a:void.2 a:void.3", "v=spf1 ip6:::/0 ip4:0.0.0.0/0",
	} {
		f.Add(seed, "user@example.test", "192.0.2.1")
	}
	f.Fuzz(func(t *testing.T, txt, sender, ip string) {
		dns := &countingDNS{memoryDNS: memoryDNS{txt: txt}}
		p := &Policy{DNS: dns, Receiver: "r.test", Rules: "ip4:203.0.113.0/24", Guess: "a mx"}
		addr, _ := netip.ParseAddr(ip)
		v := p.Check(context.Background(), addr, sender, "helo.test")
		if v.Result < Pass || v.Result > Error {
			t.Fatalf("result %d", v.Result)
		}
		if strings.ContainsAny(v.Info+v.Explanation, "\r\n") {
			t.Fatalf("line break in %q / %q", v.Info, v.Explanation)
		}
		if dns.queries > 4*maxLookups*(maxMX+2) {
			t.Fatalf("%d queries", dns.queries)
		}
	})
}

type countingDNS struct {
	memoryDNS
	queries int
}

func (c *countingDNS) TXT(ctx context.Context, name string) ([]string, error) {
	c.queries++
	return c.memoryDNS.TXT(ctx, name)
}

func (c *countingDNS) Addrs(ctx context.Context, name string, want6 bool) ([]netip.Addr, error) {
	c.queries++
	return c.memoryDNS.Addrs(ctx, name, want6)
}

// TestBadSitePolicy: spfrules or spfguess that do not parse make the
// result unknown, with or without a policy in DNS.
func TestBadSitePolicy(t *testing.T) {
	p, _ := testPolicy(t)
	ip := netip.MustParseAddr("192.0.2.7")
	for _, site := range []struct{ rules, guess, sender string }{
		{"ip4:300.0.0.0", "", "a@pass.test"},
		{"ip4:300.0.0.0", "", "a@none.test"},
		{"", "a/99", "a@none.test"},
	} {
		p.Rules, p.Guess = site.rules, site.guess
		v := p.Check(context.Background(), ip, site.sender, "")
		if v.Result != Unknown || !strings.Contains(v.Info, "parse error in local policy") {
			t.Errorf("rules %q guess %q for %s: %v %q", site.rules, site.guess, site.sender, v.Result, v.Info)
		}
	}
}

// BenchmarkCheck is the CPU one check costs apart from DNS round trips:
// a policy with an include, an mx and the site's rules, answered from
// memory.
func BenchmarkCheck(b *testing.B) {
	p := &Policy{
		DNS:      memoryDNS{txt: "v=spf1 ip4:198.51.100.0/24 mx include:_spf.example.test ~all"},
		Receiver: "mx.receiver.test",
		Rules:    "include:spf.trusted-forwarder.test",
	}
	ip := netip.MustParseAddr("203.0.113.9")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p.Check(ctx, ip, "someone@example.test", "helo.test")
	}
}
