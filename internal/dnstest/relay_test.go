package dnstest

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestOnPort53: a query to the relay gets the server's answer.
func TestOnPort53(t *testing.T) {
	s := Start(t, "relay.test. A 192.0.2.7")
	ip := s.OnPort53(t)
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: 5 * time.Second}
		m := new(dns.Msg)
		m.SetQuestion("relay.test.", dns.TypeA)
		r, _, err := c.Exchange(m, net.JoinHostPort(ip, "53"))
		if err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.7" {
			t.Errorf("%s: %v %v", network, r, err)
		}
	}
}
