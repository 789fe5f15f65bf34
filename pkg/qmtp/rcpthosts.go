package qmtp

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/quail-mta/quail/pkg/cdb"
	"github.com/quail-mta/quail/pkg/control"
)

// RcptHosts is qmail's list of domains it accepts mail for:
// control/rcpthosts and control/morercpthosts.cdb (rcpthosts.c).
type RcptHosts struct {
	checked bool // control/rcpthosts exists
	hosts   map[string]bool
	more    *cdb.Reader
}

// LoadRcptHosts reads the lists from ctl. Without control/rcpthosts every
// domain is accepted, as in qmail; a missing morercpthosts.cdb is fine.
func LoadRcptHosts(ctl *control.Dir) (*RcptHosts, error) {
	lines, ok, err := ctl.Lines("rcpthosts")
	if err != nil {
		return nil, err
	}
	rh := &RcptHosts{checked: ok, hosts: map[string]bool{}}
	if !ok {
		return rh, nil
	}
	for _, line := range lines {
		rh.hosts[strings.ToLower(line)] = true
	}
	more, err := cdb.Open(ctl.Path + "/morercpthosts.cdb")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err == nil {
		rh.more = more
	}
	return rh, nil
}

// Allowed reports whether mail for addr may be accepted: an address
// without '@', or whose domain or a parent domain written with its
// leading dot (".example.com") is listed.
func (rh *RcptHosts) Allowed(addr string) (bool, error) {
	if rh == nil || !rh.checked {
		return true, nil
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return true, nil
	}
	host := strings.ToLower(addr[at+1:])
	for i := 0; i < len(host); i++ {
		if i == 0 || host[i] == '.' {
			if rh.hosts[host[i:]] {
				return true, nil
			}
		}
	}
	if rh.more == nil {
		return false, nil
	}
	for i := 0; i < len(host); i++ {
		if i == 0 || host[i] == '.' {
			_, found, err := rh.more.Get([]byte(host[i:]))
			if err != nil || found {
				return found, err
			}
		}
	}
	return false, nil
}
