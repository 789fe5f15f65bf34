package resolver

import (
	"context"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
)

func testClient(t *testing.T, zone ...string) (*Client, *dnstest.Server) {
	srv := dnstest.Start(t, zone...)
	return &Client{Servers: []string{srv.Addr}, Timeouts: []time.Duration{300 * time.Millisecond}}, srv
}

func TestClientLookups(t *testing.T) {
	c, _ := testClient(t,
		"1.0.0.127.in-addr.arpa. PTR LocalHost.",
		"2.0.0.127.in-addr.arpa. PTR odd\\.name.example.",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. PTR ip6-localhost.test.",
		"both.test. A 127.0.0.9",
		"both.test. AAAA ::1",
		"alias.test. CNAME both.test.",
		"alias.test. A 127.0.0.9",
		"rbl.test. TXT \"listed\" \" twice\"",
		"mail.test. MX 10 mx.mail.test.",
	)
	ctx := context.Background()
	for addr, want := range map[string]string{
		"127.0.0.1":        "localhost",
		"::ffff:127.0.0.1": "localhost",
		"127.0.0.2":        "odd\\056name.example",
		"::1":              "ip6-localhost.test",
	} {
		got, err := c.PTR(ctx, netip.MustParseAddr(addr))
		if err != nil || got != want {
			t.Errorf("PTR(%s) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := c.PTR(ctx, netip.MustParseAddr("127.0.0.3")); !IsNotFound(err) {
		t.Errorf("PTR of an address without a name: %v, want not found", err)
	}
	ips, err := c.IPs(ctx, "both.test")
	if want := []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.9")}; err != nil || !reflect.DeepEqual(ips, want) {
		t.Errorf("IPs(both.test) = %v, %v; want %v (AAAA first, as the v6 build asks)", ips, err, want)
	}
	if ips, err := c.IPs(ctx, "alias.test."); err != nil || len(ips) != 1 {
		t.Errorf("IPs(alias.test.) = %v, %v", ips, err)
	}
	if _, err := c.IPs(ctx, "localhost"); !IsNotFound(err) {
		t.Errorf("IPs(localhost) = %v: must come from DNS only, never /etc/hosts", err)
	}
	if txt, err := c.TXT(ctx, "rbl.test"); err != nil || !reflect.DeepEqual(txt, []string{"listed twice"}) {
		t.Errorf("TXT = %q, %v", txt, err)
	}
	mx, err := c.Query(ctx, "mail.test", TypeMX)
	if err != nil || len(mx) != 1 || mx[0].Pref != 10 || string(mx[0].Data) != "mx.mail.test" {
		t.Errorf("MX = %+v, %v", mx, err)
	}
}

func TestClientFailures(t *testing.T) {
	c, srv := testClient(t)
	srv.ServFail("broken.test.")
	srv.Hang("slow.test.")
	ctx := context.Background()
	if _, err := c.Query(ctx, "broken.test", TypeA); !IsTemporary(err) {
		t.Errorf("SERVFAIL gave %v, want a temporary error", err)
	}
	start := time.Now()
	if _, err := c.Query(ctx, "slow.test", TypeA); !IsTemporary(err) {
		t.Errorf("no answer gave %v, want a temporary error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("time-out took %v", d)
	}
	if _, err := c.Query(ctx, "nosuch.test", TypeA); err != nil {
		t.Errorf("NXDOMAIN gave %v, want an empty answer", err)
	}
	long := strings.Repeat("a", 64) + ".test"
	if _, err := c.Query(ctx, long, TypeA); !IsNotFound(err) {
		t.Errorf("a 64-byte label gave %v, want not found", err)
	}
}

func TestReverseName(t *testing.T) {
	if got := reverseName(netip.MustParseAddr("2001:db8::1")); got != "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" {
		t.Errorf("reverseName = %s", got)
	}
}

// FuzzParseReply feeds arbitrary packets to the reply parser: it must never
// panic or loop, whatever a server (or a forger) sends.
func FuzzParseReply(f *testing.F) {
	q, _, _ := buildQuery("example.test", TypePTR)
	reply := append([]byte(nil), q...)
	reply[2] |= 0x80
	reply[7] = 1
	reply = append(reply, 0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 60, 0, 4, 1, 'x', 0xc0, 12)
	f.Add(reply)
	f.Add(q)
	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) < 12 {
			return
		}
		for _, qtype := range []uint16{TypeA, TypeAAAA, TypePTR, TypeMX, TypeTXT} {
			answers, _ := parseReply(msg, qtype)
			for _, a := range answers {
				if qtype == TypeTXT {
					_ = joinCharacterStrings(a.Data)
				}
			}
		}
	})
}

func TestPTRNames(t *testing.T) {
	c, _ := testClient(t,
		"5.2.0.192.in-addr.arpa. PTR one.test.",
		"5.2.0.192.in-addr.arpa. PTR Two.test.",
	)
	names, err := c.PTRNames(context.Background(), netip.MustParseAddr("192.0.2.5"))
	if err != nil || !reflect.DeepEqual(names, []string{"one.test", "two.test"}) {
		t.Errorf("PTRNames = %q, %v", names, err)
	}
	names, err = c.PTRNames(context.Background(), netip.MustParseAddr("192.0.2.6"))
	if err != nil || len(names) != 0 {
		t.Errorf("PTRNames of an unnamed address = %q, %v", names, err)
	}
}
