// Package rblsmtpd owns rblsmtpd's decision and its stand-in SMTP
// dialogue: whether a client is refused (by $RBLSMTPD, by DNS block lists
// with TXT records as the reason, or let through by anti-RBL lists with A
// records), the 451/553 reply and log line, and the limited conversation
// that gives a refused client that reply until it quits or time runs out.
//
// It behaves as ucspi-tcp 0.88's rblsmtpd as Debian ships it (no block
// list compiled in), with one addition: an IPv6 client is looked up in
// the usual nibble form (as the IPv6 build does not), and an IPv4-mapped
// address as the IPv4 address.
package rblsmtpd

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/resolver"
)

// LookupTimeout bounds each block-list lookup, as dnscache's own retries
// do.
const LookupTimeout = 30 * time.Second

// DNS is what the checks ask: resolver.Client does it.
type DNS interface {
	TXT(ctx context.Context, name string) ([]string, error)
	Query(ctx context.Context, name string, qtype uint16) ([]resolver.Answer, error)
}

type decision int

const (
	undecided decision = iota
	accept
	reject // temporary: 451
	bounce // permanent: 553
)

// Checker reaches the decision as the options come, in order: each -r
// and -a list is consulted when it is met, with the -b/-c settings of
// that moment, and the first list that decides wins.
type Checker struct {
	DNS        DNS
	Bounce     bool // -b: a listed client gets 553; -B (default): 451
	FailClosed bool // -c: a failed lookup refuses (451); -C (default): it lets through

	reversed      string
	decision      decision
	text          string
	mustNotBounce bool // a lookup failed: never 553
}

// NewChecker starts with the client's address ($TCPREMOTEIP) and
// $RBLSMTPD: unset means look up; empty means let through; text refuses
// with it (451), or with the text after a leading "-" (553).
func NewChecker(dns DNS, remoteIP string, rblsmtpd string, rblsmtpdSet bool) *Checker {
	c := &Checker{DNS: dns, reversed: ReverseName(remoteIP)}
	switch {
	case !rblsmtpdSet:
	case rblsmtpd == "":
		c.decision = accept
	case rblsmtpd[0] == '-':
		c.decision, c.text = bounce, rblsmtpd[1:]
	default:
		c.decision, c.text = reject, rblsmtpd
	}
	return c
}

// ReverseName is the client's part of a block-list name, with its final
// dot: "4.3.2.1." for 1.2.3.4, 32 nibbles for an IPv6 address. Anything
// else is reversed at its dots, as the original does with any text.
func ReverseName(ip string) string {
	if addr, err := netip.ParseAddr(ip); err == nil && addr.Zone() == "" {
		addr = addr.Unmap()
		if addr.Is6() {
			return nibbles(addr)
		}
		ip = addr.String()
	}
	var b strings.Builder
	for rest := ip; rest != ""; {
		i := strings.LastIndexByte(rest, '.')
		b.WriteString(rest[i+1:])
		b.WriteByte('.')
		if i < 0 {
			break
		}
		rest = rest[:i]
	}
	return b.String()
}

func nibbles(addr netip.Addr) string {
	const hex = "0123456789abcdef"
	b := addr.As16()
	out := make([]byte, 0, 64)
	for i := 15; i >= 0; i-- {
		out = append(out, hex[b[i]&15], '.', hex[b[i]>>4], '.')
	}
	return string(out)
}

// RBL consults a block list (-r base): a TXT record for the client lists
// it, and the record is the reason given.
func (c *Checker) RBL(base string) {
	if c.decision != undecided {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), LookupTimeout)
	defer cancel()
	texts, err := c.DNS.TXT(ctx, c.reversed+base)
	if err != nil && !resolver.IsNotFound(err) {
		c.mustNotBounce = true
		if c.FailClosed {
			c.decision, c.text = reject, "temporary RBL lookup error"
		}
		return
	}
	if text := strings.Join(texts, ""); text != "" {
		c.text = text
		c.decision = reject
		if c.Bounce {
			c.decision = bounce
		}
	}
}

// AntiRBL consults an allow list (-a base): an A record for the client
// lets it through whatever later lists say.
func (c *Checker) AntiRBL(base string) {
	if c.decision != undecided {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), LookupTimeout)
	defer cancel()
	answers, err := c.DNS.Query(ctx, c.reversed+base, resolver.TypeA)
	if err != nil && !resolver.IsNotFound(err) {
		c.mustNotBounce = true
		if !c.FailClosed {
			c.decision = accept
		}
		return
	}
	if len(answers) > 0 {
		c.decision = accept
	}
}

// maxText is how much of the reason the reply keeps.
const maxText = 200

// Refusal returns the reply a refused client gets ("451 text" or "553
// text", without CR LF), or false when the client may go on to the real
// SMTP server. The text is cut at 200 bytes, and bytes outside printable
// ASCII become '?'.
func (c *Checker) Refusal() (string, bool) {
	if c.decision != reject && c.decision != bounce {
		return "", false
	}
	code := "553 "
	if c.mustNotBounce || c.decision == reject {
		code = "451 "
	}
	text := c.text
	if len(text) > maxText {
		text = text[:maxText]
	}
	msg := []byte(code + text)
	for i, ch := range msg {
		if ch < 32 || ch > 126 {
			msg[i] = '?'
		}
	}
	return string(msg), true
}
