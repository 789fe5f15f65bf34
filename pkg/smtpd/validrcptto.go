package smtpd

import (
	"strings"

	"github.com/quail-mta/quail/pkg/cdb"
)

// validrcptto, as John Simpson's validrcptto.cdb patch does it:
// $VALIDRCPTTO_CDB names a cdb whose keys are the addresses that exist
// (lower case), "user-default@domain" entries covering extensions and
// "@domain" entries whole domains; an entry whose data starts with "-"
// refuses the address after all. A client that may not relay is refused
// every other recipient, and after $VALIDRCPTTO_LIMIT of them (default
// 10, 0 for no limit) the session ends.
const (
	replyNotValid      = "553 sorry, this recipient is not in my validrcptto list (#5.7.1)\r\n"
	replyTooManyBad    = "421 too many invalid addresses, goodbye (#4.3.0)\r\n"
	defaultInvalidRcpt = 10
)

// ValidRcptTo is the open validrcptto.cdb with its settings.
type ValidRcptTo struct {
	db    *cdb.Reader
	Limit int // refusals before the session ends; 0: no limit
	Log   int // $VALIDRCPTTO_LOG: 1 logs each lookup's outcome, 2 each key tried
}

// loadValidRcptTo opens $VALIDRCPTTO_CDB; an empty value means none.
func (c *Config) loadValidRcptTo(getenv func(string) (string, bool)) error {
	path, _ := getenv("VALIDRCPTTO_CDB")
	if path == "" {
		return nil
	}
	db, err := cdb.Open(path)
	if err != nil {
		return err
	}
	v := &ValidRcptTo{db: db, Limit: defaultInvalidRcpt}
	if s, ok := getenv("VALIDRCPTTO_LIMIT"); ok {
		n, _ := scanUlong(s)
		v.Limit = int(min(n, 1<<30))
	}
	if s, ok := getenv("VALIDRCPTTO_LOG"); ok {
		n, _ := scanUlong(s)
		v.Log = int(min(n, 9))
	}
	c.ValidRcptTo = v
	return nil
}

// validRecipient looks addr up: the address itself, then its "-default" forms
// from the longest extension down, then "@domain". The log lines are the
// patch's.
func (s *session) validRecipient(addr string) (bool, error) {
	v := s.cfg.ValidRcptTo
	lower := strings.ToLower(addr)
	if !s.cfg.LogRcpt { // else logged already
		s.vrtLog(1, "RCPT TO: ", lower)
	}
	keys := []string{lower}
	if at := strings.LastIndexByte(lower, '@'); at >= 0 {
		user, domain := lower[:at], lower[at:]
		for {
			dash := strings.LastIndexByte(user, '-')
			if dash < 0 {
				break
			}
			keys = append(keys, user[:dash+1]+"default"+domain)
			user = user[:dash]
		}
		keys = append(keys, domain)
	}
	for _, key := range keys {
		s.vrtLog(2, "trying: ", key)
		data, found, err := v.db.Get([]byte(key))
		if err != nil {
			return false, err
		}
		if !found {
			continue
		}
		if strings.HasPrefix(string(data), "-") {
			s.vrtLog(1, "reject: ", key)
			return false, nil
		}
		s.vrtLog(1, "found: ", key)
		return true, nil
	}
	return false, nil
}

func (s *session) vrtLog(level int, what, addr string) {
	if level <= s.cfg.ValidRcptTo.Log {
		s.logf("validrcptto [%s] %s%s", s.cfg.RemoteIP, what, addr)
	}
}

// refuseInvalid answers a recipient not in validrcptto.cdb, ending the
// session once the client has had its limit.
func (s *session) refuseInvalid(addr string) error {
	s.logf("validrcptto [%s] not found: %s", s.cfg.RemoteIP, addr)
	s.invalidRcpts++
	if limit := s.cfg.ValidRcptTo.Limit; limit > 0 && s.invalidRcpts >= limit {
		s.logf("validrcptto [%s] excessive violations, hanging up", s.cfg.RemoteIP)
		s.c.reply(replyTooManyBad)
		return errRefused
	}
	s.c.reply(replyNotValid)
	return nil
}
