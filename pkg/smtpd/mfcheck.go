package smtpd

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/resolver"
)

// MFCHECK, as in John Simpson's combined patch: the domain of a MAIL
// address must exist in DNS, with an MX record or else an address
// record, so that a bounce could be delivered. control/mfcheck or
// $MFCHECK turn it on; 2 or more logs refusals, 3 or more every check.
const (
	replyMFNoDomain = "553 sorry, your envelope sender domain must exist (#5.7.1)\r\n"
	replyMFTemp     = "451 DNS temporary failure (#4.3.0)\r\n"
	mfTimeout       = 30 * time.Second
)

// MailDNS is what MFCHECK looks up; *resolver.Client has it.
type MailDNS interface {
	MX(ctx context.Context, name string) ([]resolver.MX, error)
	Addrs(ctx context.Context, name string, want6 bool) ([]netip.Addr, error)
}

// loadMFCheck reads control/mfcheck like control_readint, then $MFCHECK.
func (c *Config) loadMFCheck(ctl *control.Dir, getenv func(string) (string, bool)) error {
	level, err := numberSetting(ctl, getenv, "mfcheck", "MFCHECK", 0)
	if err != nil {
		return err
	}
	if level > 0 {
		c.MFCheck = int(min(level, 9))
		c.MailDNS = c.dns()
	}
	return nil
}

// mfCheck answers MAIL for a sender whose domain does not exist, and
// reports whether MAIL may go on. The null sender and qmail's double
// bounce address "#@[]" have no domain to check, and a sender in
// badmailfrom is refused at RCPT without a lookup.
func (s *session) mfCheck(addr string) bool {
	if s.cfg.MFCheck == 0 || s.barf || addr == "" || addr == "#@[]" {
		return true
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		if s.cfg.MFCheck > 1 {
			s.logf("MFCHECK invalid [%s] %s", s.cfg.RemoteIP, addr)
		}
		s.c.reply(replyMFNoDomain)
		return false
	}
	domain := addr[at+1:]
	exists, err := s.domainExists(domain)
	switch {
	case err != nil:
		s.c.reply(replyMFTemp)
	case !exists:
		if s.cfg.MFCheck > 1 {
			s.logf("MFCHECK fail [%s] %s", s.cfg.RemoteIP, domain)
		}
		s.c.reply(replyMFNoDomain)
	default:
		if s.cfg.MFCheck > 2 {
			s.logf("MFCHECK pass [%s] %s", s.cfg.RemoteIP, domain)
		}
		return true
	}
	return false
}

// domainExists asks for MX records, then (for a domain without them, as
// mail would be delivered) address records of either family. An address
// literal exists as it is. err is a temporary failure.
func (s *session) domainExists(domain string) (bool, error) {
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return true, nil // an address literal: nothing to look up
	}
	ctx, cancel := context.WithTimeout(context.Background(), mfTimeout)
	defer cancel()
	mxs, err := s.cfg.MailDNS.MX(ctx, domain)
	switch {
	case resolver.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, err
	case len(mxs) > 0:
		return true, nil
	}
	for _, want6 := range []bool{false, true} {
		addrs, err := s.cfg.MailDNS.Addrs(ctx, domain, want6)
		if err != nil && !resolver.IsNotFound(err) {
			return false, err
		}
		if len(addrs) > 0 {
			return true, nil
		}
	}
	return false, nil
}
