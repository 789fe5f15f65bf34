// Package qconfig is qmail's config and config-fast: it writes control/me,
// defaultdomain, plusdomain, locals and rcpthosts for this host, saying
// what it does in the original scripts' words.
package qconfig

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/resolver"
)

// Host is what config learns about the machine; tests supply their own.
type Host struct {
	Name     string       // the host name (hostname)
	LocalIPs []netip.Addr // the interfaces' addresses (ipmeprint)
	DNS      *resolver.Client
}

// ThisHost describes the running machine.
func ThisHost() Host {
	name, _ := os.Hostname()
	var ips []netip.Addr
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				ips = append(ips, p.Addr())
			}
		}
	}
	return Host{Name: name, LocalIPs: ips, DNS: resolver.Default()}
}

// writer writes control files and says so.
type writer struct {
	out     io.Writer
	control string
	err     error
}

func (w *writer) say(format string, args ...any) { fmt.Fprintf(w.out, format+"\n", args...) }

func (w *writer) put(name, text string, appendTo bool) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendTo {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(filepath.Join(w.control, name), flags, 0o644)
	if err == nil {
		_, err = io.WriteString(f, text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		os.Chmod(filepath.Join(w.control, name), 0o644)
	}
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Config is qmail's config: it finds the host's name in DNS and the names
// of its addresses. It returns an error if a file could not be written;
// a name DNS does not know is reported, not an error.
func Config(out io.Writer, control string, h Host) error {
	w := &writer{out: out, control: control}
	host := strings.ToLower(h.Name)
	if host == "" {
		w.say("Sorry, I couldn't find your hostname.")
		w.say("You will have to set up control/me yourself.")
		return nil
	}
	w.say("Your hostname is %s.", host)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fqdn := fullyQualified(ctx, h.DNS, host)
	if fqdn == "" {
		w.say("Sorry, I couldn't find your host's canonical name in DNS.")
		w.say("You will have to set up control/me yourself.")
		return nil
	}
	w.say("Your host's fully qualified name in DNS is %s.", fqdn)
	w.names(fqdn)
	w.say(" ")
	w.say("Checking local IP addresses:")
	w.put("locals", "", false)
	for _, ip := range localAddresses(ctx, h, fqdn) {
		name, err := h.DNS.PTR(ctx, netip.MustParseAddr(ip))
		if err != nil || name == "" {
			w.say("%s: PTR lookup failed. I assume this address has no DNS name.", ip)
			continue
		}
		w.say("%s: Adding %s to control/locals...", ip, name)
		w.put("locals", name+"\n", true)
	}
	w.say(" ")
	w.say("If there are any other domain names that point to you,")
	w.say("you will have to add them to %s/locals.", control)
	w.say("You don't have to worry about aliases, i.e., domains with CNAME records.")
	w.say(" ")
	w.say("Copying %s/locals to %s/rcpthosts...", control, control)
	if locals, err := os.ReadFile(filepath.Join(control, "locals")); err == nil {
		w.put("rcpthosts", string(locals), false)
	}
	w.say("Now qmail will refuse to accept SMTP messages except to those hosts.")
	w.say("Make sure to change rcpthosts if you add hosts to locals or virtualdomains!")
	return w.err
}

// Fast is config-fast: the fully qualified name is given.
func Fast(out io.Writer, control, fqdn string) error {
	w := &writer{out: out, control: control}
	w.say("Your fully qualified host name is %s.", fqdn)
	w.names(fqdn)
	w.say("Putting %s into control/locals...", fqdn)
	w.put("locals", fqdn+"\n", true)
	w.say("Putting %s into control/rcpthosts...", fqdn)
	w.put("rcpthosts", fqdn+"\n", true)
	w.say("Now qmail will refuse to accept SMTP messages except to %s.", fqdn)
	w.say("Make sure to change rcpthosts if you add hosts to locals or virtualdomains!")
	return w.err
}

// names writes me, defaultdomain and plusdomain.
func (w *writer) names(fqdn string) {
	w.say("Putting %s into control/me...", fqdn)
	w.put("me", fqdn+"\n", false)
	ddom := DefaultDomain(fqdn)
	w.say("Putting %s into control/defaultdomain...", ddom)
	w.put("defaultdomain", ddom+"\n", false)
	pdom := PlusDomain(fqdn)
	w.say("Putting %s into control/plusdomain...", pdom)
	w.put("plusdomain", pdom+"\n", false)
}

// DefaultDomain drops the first label of a name with three or more.
func DefaultDomain(fqdn string) string {
	first := strings.IndexByte(fqdn, '.')
	if first < 0 || strings.IndexByte(fqdn[first+1:], '.') < 0 {
		return fqdn
	}
	return fqdn[first+1:]
}

// PlusDomain keeps the last two labels of a name with three or more.
func PlusDomain(fqdn string) string {
	last := strings.LastIndexByte(fqdn, '.')
	if last < 0 {
		return fqdn
	}
	prev := strings.LastIndexByte(fqdn[:last], '.')
	if prev < 0 {
		return fqdn
	}
	return fqdn[prev+1:]
}

// fullyQualified is dnsfq: the name of the host's first address.
func fullyQualified(ctx context.Context, dns *resolver.Client, host string) string {
	ips, err := dns.IPs(ctx, host)
	if err != nil {
		return ""
	}
	for _, ip := range ips {
		if name, err := dns.PTR(ctx, ip); err == nil && name != "" {
			return strings.ToLower(name)
		}
	}
	return ""
}

// localAddresses are the name's addresses and the interfaces', sorted and
// unique as text (the script's sort -u).
func localAddresses(ctx context.Context, h Host, fqdn string) []string {
	seen := map[string]bool{}
	ips, _ := h.DNS.IPs(ctx, fqdn)
	for _, ip := range append(ips, h.LocalIPs...) {
		seen[ip.Unmap().WithZone("").String()] = true
	}
	list := make([]string, 0, len(seen))
	for ip := range seen {
		list = append(list, ip)
	}
	sort.Strings(list)
	return list
}
