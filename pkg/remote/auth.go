package remote

import (
	"encoding/base64"
	"slices"
	"strings"
)

// SMTP AUTH (RFC 4954) at a relay that smtproutes gives a user name and
// password for: after EHLO, and STARTTLS when the relay offers it, before
// the first message. PLAIN when the relay offers it, else LOGIN. Every
// failure is temporary, so that mail waits in the queue while the
// password is put right, and the password never goes out in clear text
// unless the route's user name starts with "-".

// authenticate logs in when the route asks for it. done is true when it
// has ended the session with a report.
func (s *session) authenticate() (done bool, err error) {
	login := s.d.route.Login
	if login.User == "" {
		return false, nil
	}
	if !s.encrypted && !login.InClear {
		s.text = ""
		return true, s.quit("ZConnected to ", " but it offers no TLS to send my AUTH password over")
	}
	mechanisms := s.ehlo.Params("AUTH")
	has := func(m string) bool {
		return slices.ContainsFunc(mechanisms, func(p string) bool { return strings.EqualFold(p, m) })
	}
	switch {
	case has("PLAIN"):
		return s.authPlain(login)
	case has("LOGIN"):
		return s.authLogin(login)
	}
	s.text = ""
	return true, s.quit("ZConnected to ", " but it offers neither AUTH PLAIN nor AUTH LOGIN")
}

func (s *session) authPlain(login Login) (bool, error) {
	response := base64.StdEncoding.EncodeToString([]byte("\x00" + login.User + "\x00" + login.Password))
	r, err := s.command("AUTH PLAIN " + response)
	if err != nil {
		return true, err
	}
	if r.Code != 235 {
		return true, s.quit("ZConnected to ", " but authentication was rejected (AUTH PLAIN)")
	}
	return false, nil
}

func (s *session) authLogin(login Login) (bool, error) {
	steps := []string{"AUTH LOGIN", encode64(login.User), encode64(login.Password)}
	for i, line := range steps {
		r, err := s.command(line)
		if err != nil {
			return true, err
		}
		want := uint64(334)
		if i == len(steps)-1 {
			want = 235
		}
		if r.Code != want {
			return true, s.quit("ZConnected to ", " but authentication was rejected (AUTH LOGIN)")
		}
	}
	return false, nil
}

func encode64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
