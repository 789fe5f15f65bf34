// Package send is qmail-send: it preprocesses queued messages (todo into
// info, local and remote), schedules one delivery per recipient through
// qmail-lspawn and qmail-rspawn with qmail's retry schedule and concurrency
// limits, writes bounces, and asks qmail-clean to remove what is done. The
// on-disk queue, the pipe protocols and the log lines are qmail's (see
// queue.md and delivery.md in the reference set).
//
// Unlike the original's single select loop, preprocessing and each
// channel's deliveries run independently, so a flood of new mail never
// starves delivery (qmail's "silly qmail syndrome").
package send

import (
	"strings"

	"github.com/quail-mta/quail/pkg/control"
)

// Controls are qmail-send's settings from control/.
type Controls struct {
	Locals            map[string]bool
	PercentHack       map[string]bool
	VirtualDomains    map[string]string // key (address, domain, .suffix, "") to prepend
	EnvNoAtHost       string
	BounceFrom        string
	BounceHost        string
	DoubleBounceTo    string
	DoubleBounceHost  string
	ConcurrencyLocal  int
	ConcurrencyRemote int
	QueueLifetime     int64 // seconds
}

// ReadControls reads the control files as qmail-send does at startup.
func ReadControls(dir *control.Dir) (*Controls, error) {
	c := &Controls{}
	var err error
	if c.Locals, err = readSet(dir, "locals", true); err != nil {
		return nil, err
	}
	if c.PercentHack, err = readSet(dir, "percenthack", false); err != nil {
		return nil, err
	}
	if c.VirtualDomains, err = readVirtualDomains(dir); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		field *string
		name  string
		useMe bool
		def   string
	}{
		{&c.EnvNoAtHost, "envnoathost", true, "envnoathost"},
		{&c.BounceFrom, "bouncefrom", false, "MAILER-DAEMON"},
		{&c.BounceHost, "bouncehost", true, "bouncehost"},
		{&c.DoubleBounceTo, "doublebounceto", false, "postmaster"},
		{&c.DoubleBounceHost, "doublebouncehost", true, "doublebouncehost"},
	} {
		if *s.field, err = dir.LineDefault(s.name, s.useMe, s.def); err != nil {
			return nil, err
		}
	}
	if c.ConcurrencyLocal, err = dir.Int("concurrencylocal", 10); err != nil {
		return nil, err
	}
	if c.ConcurrencyRemote, err = dir.Int("concurrencyremote", 20); err != nil {
		return nil, err
	}
	lifetime, err := dir.Int("queuelifetime", 604800)
	c.QueueLifetime = int64(lifetime)
	return c, err
}

// readSet reads a list of domains, lower-cased; locals defaults to me.
func readSet(dir *control.Dir, name string, meDefault bool) (map[string]bool, error) {
	var lines []string
	var err error
	if meDefault {
		lines, err = dir.LinesDefault(name, true)
	} else {
		lines, _, err = dir.Lines(name)
	}
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, l := range lines {
		set[strings.ToLower(l)] = true
	}
	return set, nil
}

func readVirtualDomains(dir *control.Dir) (map[string]string, error) {
	lines, _, err := dir.Lines("virtualdomains")
	if err != nil {
		return nil, err
	}
	vd := map[string]string{}
	for _, l := range lines {
		key, value, _ := strings.Cut(l, ":")
		key = strings.ToLower(key)
		if _, dup := vd[key]; !dup { // the first line for a key wins
			vd[key] = value
		}
	}
	return vd, nil
}

// Channel says where a recipient goes.
type Channel int

const (
	Local  Channel = 0
	Remote Channel = 1
)

func (c Channel) String() string {
	if c == Local {
		return "local"
	}
	return "remote"
}

// Rewrite applies envnoathost, percenthack, locals and virtualdomains to a
// recipient, in that order, and says which channel delivers it.
func (c *Controls) Rewrite(addr string) (string, Channel) {
	if !strings.Contains(addr, "@") {
		addr += "@" + c.EnvNoAtHost
	}
	addr = c.percentHack(addr)
	at := strings.LastIndexByte(addr, '@')
	domain := strings.ToLower(addr[at+1:])
	if c.Locals[domain] {
		return addr, Local
	}
	if prepend, ok := c.virtualDomain(strings.ToLower(addr), domain); ok {
		if prepend == "" {
			return addr, Remote
		}
		return prepend + "-" + addr, Local
	}
	return addr, Remote
}

// percentHack turns u%d@listed into u@d, as often as the domain is listed.
func (c *Controls) percentHack(addr string) string {
	for {
		at := strings.LastIndexByte(addr, '@')
		if !c.PercentHack[strings.ToLower(addr[at+1:])] {
			return addr
		}
		pct := strings.LastIndexByte(addr[:at], '%')
		if pct < 0 {
			return addr
		}
		addr = addr[:pct] + "@" + addr[pct+1:at]
	}
}

// virtualDomain looks the address up in virtualdomains: the whole address,
// the domain, each dot suffix longest first, then the empty key.
func (c *Controls) virtualDomain(addr, domain string) (string, bool) {
	if v, ok := c.VirtualDomains[addr]; ok {
		return v, true
	}
	if v, ok := c.VirtualDomains[domain]; ok {
		return v, true
	}
	for i := 0; i < len(domain); i++ {
		if domain[i] == '.' {
			if v, ok := c.VirtualDomains[domain[i:]]; ok {
				return v, true
			}
		}
	}
	v, ok := c.VirtualDomains[""]
	return v, ok
}

// bounceRecipient removes a virtualdomain prefix from a delivered address
// for the bounce report: the prepend found for its domain, then "-".
func (c *Controls) bounceRecipient(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at >= 0 {
		domain := strings.ToLower(addr[at+1:])
		if prepend, ok := c.virtualDomain(strings.ToLower(addr), domain); ok && prepend != "" {
			addr = strings.TrimPrefix(addr, prepend+"-")
		}
	}
	return strings.ReplaceAll(addr, "\n", "_")
}
