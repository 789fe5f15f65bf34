package qconfig

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/pkg/resolver"
)

func TestConfig(t *testing.T) {
	dns := dnstest.Start(t,
		"mail.example.test. A 192.0.2.7",
		"7.2.0.192.in-addr.arpa. PTR Mail.Example.test.",
		"1.0.0.127.in-addr.arpa. PTR localhost.",
	)
	control := t.TempDir()
	var out strings.Builder
	h := Host{
		Name:     "Mail.example.test",
		LocalIPs: []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"), netip.MustParseAddr("192.0.2.7")},
		DNS:      &resolver.Client{Servers: []string{dns.Addr}, Timeouts: []time.Duration{time.Second}},
	}
	if err := Config(&out, control, h); err != nil {
		t.Fatal(err)
	}
	want := "Your hostname is mail.example.test.\n" +
		"Your host's fully qualified name in DNS is mail.example.test.\n" +
		"Putting mail.example.test into control/me...\n" +
		"Putting example.test into control/defaultdomain...\n" +
		"Putting example.test into control/plusdomain...\n" +
		" \nChecking local IP addresses:\n" +
		"127.0.0.1: Adding localhost to control/locals...\n" +
		"192.0.2.7: Adding mail.example.test to control/locals...\n" +
		"::1: PTR lookup failed. I assume this address has no DNS name.\n" +
		" \nIf there are any other domain names that point to you,\n" +
		"you will have to add them to " + control + "/locals.\n" +
		"You don't have to worry about aliases, i.e., domains with CNAME records.\n" +
		" \nCopying " + control + "/locals to " + control + "/rcpthosts...\n" +
		"Now qmail will refuse to accept SMTP messages except to those hosts.\n" +
		"Make sure to change rcpthosts if you add hosts to locals or virtualdomains!\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	for name, text := range map[string]string{
		"me": "mail.example.test\n", "defaultdomain": "example.test\n", "plusdomain": "example.test\n",
		"locals": "localhost\nmail.example.test\n", "rcpthosts": "localhost\nmail.example.test\n",
	} {
		got, _ := os.ReadFile(filepath.Join(control, name))
		if string(got) != text {
			t.Errorf("%s = %q, want %q", name, got, text)
		}
	}
}

func TestConfigUnknownHost(t *testing.T) {
	dns := dnstest.Start(t)
	var out strings.Builder
	h := Host{Name: "nowhere.test", DNS: &resolver.Client{Servers: []string{dns.Addr}, Timeouts: []time.Duration{time.Second}}}
	Config(&out, t.TempDir(), h)
	if want := "Your hostname is nowhere.test.\nSorry, I couldn't find your host's canonical name in DNS.\nYou will have to set up control/me yourself.\n"; out.String() != want {
		t.Errorf("got %q", out.String())
	}
}

func TestFast(t *testing.T) {
	control := t.TempDir()
	var out strings.Builder
	if err := Fast(&out, control, "a.b.example.org"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Putting b.example.org into control/defaultdomain...\nPutting example.org into control/plusdomain...\n") {
		t.Errorf("output: %s", out.String())
	}
	for in, want := range map[string][2]string{"a.b.c.d": {"b.c.d", "c.d"}, "a.b": {"a.b", "a.b"}, "host": {"host", "host"}} {
		if DefaultDomain(in) != want[0] || PlusDomain(in) != want[1] {
			t.Errorf("%s: %s %s, want %v", in, DefaultDomain(in), PlusDomain(in), want)
		}
	}
}
