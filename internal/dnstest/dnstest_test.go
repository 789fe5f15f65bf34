package dnstest

import (
	"context"
	"testing"

	"github.com/quail-mta/quail/pkg/resolver"
)

func TestServerThroughResolver(t *testing.T) {
	s := Start(t,
		"example.test. MX 10 mx.example.test.",
		"mx.example.test. A 127.0.0.5",
		"mx.example.test. AAAA ::1",
		"2.0.0.127.in-addr.arpa. PTR two.example.test.",
		"2.0.0.127.bl.test. TXT \"listed\"",
	)
	r := resolver.New(s.Addr)
	ctx := context.Background()
	mx, err := r.LookupMX(ctx, "example.test")
	if err != nil || len(mx) != 1 || mx[0].Host != "mx.example.test." {
		t.Fatalf("MX = %v, %v", mx, err)
	}
	ips, err := r.LookupIP(ctx, "ip", "mx.example.test")
	if err != nil || len(ips) != 2 {
		t.Fatalf("A+AAAA = %v, %v", ips, err)
	}
	names, err := r.LookupAddr(ctx, "127.0.0.2")
	if err != nil || len(names) != 1 || names[0] != "two.example.test." {
		t.Fatalf("PTR = %v, %v", names, err)
	}
	txt, err := r.LookupTXT(ctx, "2.0.0.127.bl.test")
	if err != nil || len(txt) != 1 || txt[0] != "listed" {
		t.Fatalf("TXT = %v, %v", txt, err)
	}
	_, err = r.LookupTXT(ctx, "3.0.0.127.bl.test")
	if !resolver.IsNotFound(err) || resolver.IsTemporary(err) {
		t.Fatalf("missing name: err = %v, want not found", err)
	}
	s.ServFail("bad.test")
	_, err = r.LookupMX(ctx, "bad.test")
	if !resolver.IsTemporary(err) {
		t.Fatalf("SERVFAIL: err = %v, want temporary", err)
	}
}
