// Package rcptcheck answers, while the client is still at RCPT, whether
// delivery to a recipient would bounce for want of a mailbox, as Paul
// Jarc's realrcptto patch does. It asks the code that delivers: qmail-send's
// rewriting (envnoathost, percenthack, locals, virtualdomains) picks the
// channel and the local part, qmail-lspawn's lookup (users/cdb, else
// qmail-getpw's rule) the owner, and qmail-local's .qmail search whether
// a file would take the message. Remote recipients, addresses the default
// delivery takes, and anything it cannot see (a home it may not search)
// are accepted: only a certain bounce is refused.
package rcptcheck

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/local"
	"github.com/quail-mta/quail/pkg/send"
	"github.com/quail-mta/quail/pkg/users"
)

// Checker holds what a check reads.
type Checker struct {
	Controls *send.Controls
	// Assign looks a local part up in users/cdb; found is false when
	// nothing there matches (or there is no users/cdb).
	Assign func(local string) (e users.Entry, found bool, err error)
	// Getpw is qmail-getpw's rule, used when Assign finds nothing.
	Getpw func(local string) (users.Entry, error)
	// Stat stats a file, following links as qmail-local's open does.
	Stat func(path string) (fs.FileInfo, error)
}

// ErrUnsure is a check that met a temporary failure (an unreadable
// users/cdb, a failed passwd lookup): qmail would defer, not bounce.
var ErrUnsure = errors.New("cannot tell whether the recipient exists")

// Deliverable says whether a message to recipient would find a mailbox.
// It is false only where qmail-local would bounce with "Sorry, no
// mailbox here by that name."
func (c *Checker) Deliverable(recipient string) (bool, error) {
	addr, channel := c.Controls.Rewrite(recipient)
	if channel != send.Local {
		return true, nil
	}
	at := strings.LastIndexByte(addr, '@')
	localPart := addr[:at]
	if localPart == "" {
		return true, nil // the trash address: qmail-lspawn drops it
	}
	e, err := c.owner(localPart)
	if err != nil {
		return false, err
	}
	return c.hasMailbox(e)
}

// owner is the account qmail-lspawn would deliver localPart as.
func (c *Checker) owner(localPart string) (users.Entry, error) {
	e, found, err := c.Assign(localPart)
	if err != nil {
		return users.Entry{}, ErrUnsure
	}
	if found {
		return e, nil
	}
	e, err = c.Getpw(localPart)
	if err != nil {
		return users.Entry{}, ErrUnsure // qmail-getpw's failures are all temporary
	}
	return e, nil
}

// hasMailbox is qmail-local's search without the delivery: with no
// extension the default delivery takes the message even without a
// .qmail file; with one, some candidate must be a regular file. A home
// that is missing, unreadable or sticky, or a candidate it cannot stat
// for any reason but its absence, leaves the answer open (qmail-local
// would defer), so the recipient is accepted.
func (c *Checker) hasMailbox(e users.Entry) (bool, error) {
	if e.Dash == "" {
		return true, nil
	}
	if info, err := c.Stat(e.Home); err != nil || !info.IsDir() || info.Mode()&fs.ModeSticky != 0 {
		return true, nil // qmail-local would defer, not bounce
	}
	for _, cand := range local.Candidates(e.Dash, e.Ext) {
		info, err := c.Stat(filepath.Join(e.Home, cand.Name))
		switch {
		case err == nil && info.Mode().IsRegular():
			return true, nil
		case err == nil:
			continue // a directory or device is skipped, as qmail-local does
		case errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR):
			continue
		case djberr.Temporary(err):
			return false, ErrUnsure
		default:
			return true, nil // EACCES and the like: qmail-local would defer
		}
	}
	return false, nil
}
