package remote

import (
	"errors"
	"io"
	"os"
	"strings"

	"github.com/quail-mta/quail/pkg/dkim"
)

// textDKIMKey is the report for a signing key named in dkimkeys that
// cannot be used: the message waits rather than leave unsigned.
const textDKIMKey = "ZUnable to read the DKIM key for "

// dkimKey is one line of control/dkimkeys: "domain:selector:keyfile",
// where a domain starting with a dot stands for its subdomains.
type dkimKey struct {
	domain, selector, file string
}

// dkimKeyFor finds the key for the sender's domain: the domain itself,
// else the longest ".suffix" line. Signing uses the line's domain (without
// the dot) as d=, so one key in the parent domain serves its subdomains.
func dkimKeyFor(lines []string, sender string) (dkimKey, bool) {
	at := strings.LastIndexByte(sender, '@')
	if at < 0 {
		return dkimKey{}, false // the empty sender of bounces, or no domain
	}
	domain := strings.ToLower(sender[at+1:])
	keys := map[string]dkimKey{}
	for _, line := range lines {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			continue
		}
		keys[strings.ToLower(parts[0])] = dkimKey{strings.TrimPrefix(strings.ToLower(parts[0]), "."), parts[1], parts[2]}
	}
	if k, ok := keys[domain]; ok {
		return k, true
	}
	for i := 0; i < len(domain); i++ {
		if domain[i] == '.' {
			if k, ok := keys[domain[i:]]; ok {
				return k, true
			}
		}
	}
	return dkimKey{}, false
}

// signMessage puts a DKIM-Signature on msg when control/dkimkeys has a
// key for the sender's domain. A message it cannot sign (no From field, a
// huge header) goes as it is; a key it cannot read is a temporary failure
// (the report text). msg is read twice, so one that cannot seek is first
// copied to an unlinked temporary file.
func (d *delivery) signMessage(sender string, msg io.Reader) (io.Reader, string) {
	key, ok := dkimKeyFor(d.settings.DKIMKeys, sender)
	if !ok {
		return msg, ""
	}
	pemBytes, err := os.ReadFile(key.file)
	if err != nil {
		return nil, textDKIMKey + key.domain + ". (#4.3.0)\n"
	}
	signer, err := dkim.ParseKey(pemBytes)
	if err != nil {
		return nil, textDKIMKey + key.domain + ". (#4.3.0)\n"
	}
	seeker, start, err := d.seekable(msg)
	if err != nil {
		return nil, textRead
	}
	s := &dkim.Signer{Domain: key.domain, Selector: key.selector, Key: signer}
	field, signErr := s.Sign(seeker)
	if _, err := seeker.Seek(start, io.SeekStart); err != nil {
		return nil, textRead
	}
	switch {
	case errors.Is(signErr, dkim.ErrNoFrom), errors.Is(signErr, dkim.ErrHeaderSize):
		return seeker, ""
	case signErr != nil:
		return nil, textRead
	}
	return io.MultiReader(strings.NewReader(field), seeker), ""
}

// seekable returns msg as something that can be read again from start;
// a spool file it makes is d.spool, for Deliver to close.
func (d *delivery) seekable(msg io.Reader) (io.ReadSeeker, int64, error) {
	if s, ok := msg.(io.ReadSeeker); ok {
		if start, err := s.Seek(0, io.SeekCurrent); err == nil {
			return s, start, nil
		}
	}
	spool, err := os.CreateTemp("", "qmail-remote-")
	if err != nil {
		return nil, 0, err
	}
	os.Remove(spool.Name()) // gone once closed
	d.spool = spool
	if _, err := io.Copy(spool, msg); err != nil {
		return nil, 0, err
	}
	_, err = spool.Seek(0, io.SeekStart)
	return spool, 0, err
}
