package smtpd

import (
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/quail-mta/quail/pkg/cdb"
	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/smtpaddr"
)

// RcptHosts is the list of domains this host accepts mail for:
// control/rcpthosts, and control/morercpthosts.cdb when it exists.
type RcptHosts struct {
	hosts map[string]bool // lowercased lines of rcpthosts
	more  *cdb.Reader     // nil without morercpthosts.cdb
}

// LoadRcptHosts reads the control directory's rcpthosts. It returns nil,
// meaning "every domain", when rcpthosts does not exist: qmail-smtpd then
// never looks at morercpthosts.cdb either.
func LoadRcptHosts(dir string) (*RcptHosts, error) {
	lines, ok, err := control.Open(dir).Lines("rcpthosts")
	if err != nil || !ok {
		return nil, err
	}
	rh := &RcptHosts{hosts: make(map[string]bool, len(lines))}
	for _, line := range lines {
		rh.hosts[smtpaddr.Lower(line)] = true
	}
	more, err := cdb.Open(filepath.Join(dir, "morercpthosts.cdb"))
	switch {
	case err == nil:
		rh.more = more
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return rh, nil
}

// Allowed reports whether mail to addr may be accepted without
// RELAYCLIENT: addr has no "@", or the lowercased domain after its last
// "@" is listed, either itself or as a ".suffix" line. An error is a
// morercpthosts.cdb that cannot be read.
func (rh *RcptHosts) Allowed(addr string) (bool, error) {
	if rh == nil {
		return true, nil
	}
	host, ok := smtpaddr.Domain(addr)
	if !ok {
		return true, nil
	}
	host = smtpaddr.Lower(host)
	for _, candidate := range suffixes(host) {
		if rh.hosts[candidate] {
			return true, nil
		}
	}
	if rh.more == nil {
		return false, nil
	}
	for _, candidate := range suffixes(host) {
		if _, found, err := rh.more.Get([]byte(candidate)); err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// suffixes lists host itself and then every tail of it that starts with a
// dot: "a.b.c" gives "a.b.c", ".b.c", ".c".
func suffixes(host string) []string {
	var out []string
	for i := 0; i < len(host); i++ {
		if i == 0 || host[i] == '.' {
			out = append(out, host[i:])
		}
	}
	return out
}

// Close releases morercpthosts.cdb.
func (rh *RcptHosts) Close() error {
	if rh == nil || rh.more == nil {
		return nil
	}
	return rh.more.Close()
}
