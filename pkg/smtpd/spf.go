package smtpd

import (
	"context"
	"net/netip"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/spf"
)

// SPF, as the qmail-spf patch does it: control/spfbehavior (or
// $SPFBEHAVIOR) says what a result does, from 0 (no check at all) and 1
// (a Received-SPF line only) to 2 (a DNS failure answers 451), 3 (refuse
// fail), 4 (also softfail), 5 (also neutral) and 6 (anything but pass).
const (
	spfHeaderOnly = 1 + iota
	spfTempErrors
	spfRefuseFail
	spfRefuseSoftFail
	spfRefuseNeutral
	spfRefuseAllButPass
)

const replySPFLookup = "451 SPF lookup failure (#4.3.0)\r\n"

// spfTimeout bounds one check, all its lookups together: RFC 7208 4.6.4
// asks for at least 20 seconds.
const spfTimeout = 20 * time.Second

// loadSPF reads spfbehavior like control_readint, then $SPFBEHAVIOR, and
// when SPF is on spfrules, spfguess and spfexp (first lines). The patch
// reads those three whatever the behaviour; with SPF off they would only
// cost every connection three more opens.
func (c *Config) loadSPF(ctl *control.Dir, getenv func(string) (string, bool)) error {
	n, err := numberSetting(ctl, getenv, "spfbehavior", "SPFBEHAVIOR", 0)
	if err != nil {
		return err
	}
	behavior := uint32(n)
	if behavior == 0 {
		return nil
	}
	var texts [3]string
	for i, name := range []string{"spfrules", "spfguess", "spfexp"} {
		if texts[i], _, err = ctl.Line(name); err != nil {
			return err
		}
	}
	c.SPFBehavior = int(min(behavior, spfRefuseAllButPass))
	c.SPF = &spf.Policy{
		DNS:         c.dns(),
		Receiver:    c.Local,
		Rules:       texts[0],
		Guess:       texts[1],
		Explanation: texts[2],
		Trusted: func(a netip.Addr) bool {
			return a.Is4() && c.IsMe != nil && c.IsMe(a.As4())
		},
	}
	return nil
}

// spfRefuses says whether a result is refused at the configured behaviour.
func spfRefuses(behavior int, r spf.Result) bool {
	switch r {
	case spf.Fail:
		return behavior >= spfRefuseFail
	case spf.SoftFail:
		return behavior >= spfRefuseSoftFail
	case spf.Neutral:
		return behavior >= spfRefuseNeutral
	case spf.None, spf.Unknown:
		return behavior >= spfRefuseAllButPass
	}
	return false
}

// checkSPF runs at MAIL for a client that may not relay. It reports false
// when MAIL itself must fail (a DNS failure with behaviour 2 or more);
// otherwise it notes the Received-SPF text and whether RCPT will refuse.
func (s *session) checkSPF(sender string) bool {
	s.spfInfo, s.spfRefusal = "", ""
	if s.cfg.SPF == nil || s.cfg.Relay || s.barf { // badmailfrom refuses first anyway
		return true
	}
	client, _ := netip.ParseAddr(s.cfg.RemoteIP)
	ctx, cancel := context.WithTimeout(context.Background(), spfTimeout)
	defer cancel()
	v := s.cfg.SPF.Check(ctx, client, sender, s.helo)
	if v.Result == spf.Error && s.cfg.SPFBehavior >= spfTempErrors {
		s.c.reply(replySPFLookup)
		return false
	}
	s.spfInfo = v.Info
	if spfRefuses(s.cfg.SPFBehavior, v.Result) {
		s.spfRefusal = "550 " + v.Explanation + " (#5.7.1)\r\n"
	}
	return true
}

// spfHeader is the Received-SPF line that follows qmail-smtpd's
// Received line, when MAIL checked.
func (s *session) spfHeader() string {
	if s.cfg.SPF == nil || s.cfg.Relay || s.spfInfo == "" {
		return ""
	}
	return "Received-SPF: " + s.spfInfo + "\n"
}
