package resolver

import (
	"context"
	"net/netip"
	"reflect"
	"testing"
)

func TestMailLookups(t *testing.T) {
	c, srv := testClient(t,
		"mail.test. MX 20 b.mail.test.",
		"mail.test. MX 10 a.mail.test.",
		"mail.test. A 192.0.2.1",
		"mail.test. AAAA 2001:db8::1",
		"nomx.test. A 192.0.2.2",
	)
	srv.ServFail("fail.test")
	ctx := context.Background()
	mxs, err := c.MX(ctx, "mail.test")
	if want := []MX{{Pref: 10, Host: "a.mail.test"}, {Pref: 20, Host: "b.mail.test"}}; err != nil || !reflect.DeepEqual(mxs, want) {
		t.Errorf("MX(mail.test) = %v, %v; want %v", mxs, err, want)
	}
	if mxs, err := c.MX(ctx, "nomx.test"); err != nil || len(mxs) != 0 {
		t.Errorf("MX of a name without MX = %v, %v; want none and no error", mxs, err)
	}
	if _, err := c.MX(ctx, "nx.test"); !IsNotFound(err) {
		t.Errorf("MX of a missing name: %v, want NotFound", err)
	}
	if _, err := c.MX(ctx, "fail.test"); err == nil || IsNotFound(err) {
		t.Errorf("MX with SERVFAIL: %v, want a temporary error", err)
	}
	if a, err := c.Addrs(ctx, "mail.test", false); err != nil || !reflect.DeepEqual(a, []netip.Addr{netip.MustParseAddr("192.0.2.1")}) {
		t.Errorf("Addrs A = %v, %v", a, err)
	}
	if a, err := c.Addrs(ctx, "mail.test", true); err != nil || !reflect.DeepEqual(a, []netip.Addr{netip.MustParseAddr("2001:db8::1")}) {
		t.Errorf("Addrs AAAA = %v, %v", a, err)
	}
	if a, err := c.Addrs(ctx, "nomx.test", true); err != nil || len(a) != 0 {
		t.Errorf("Addrs AAAA of an IPv4-only name = %v, %v; want none, no error", a, err)
	}
	if _, err := c.Addrs(ctx, "nx.test", false); !IsNotFound(err) {
		t.Errorf("Addrs of a missing name: %v, want NotFound", err)
	}
}
