package smtpd

import (
	"errors"
	"fmt"
	"time"
)

// Session rules from John Simpson's combined patch, each set in the
// environment (by a tcprules line, or the run script of a submission
// service): REQUIRE_AUTH and FORCE_TLS hold MAIL until the client has
// authenticated or encrypted, DENY_TLS withdraws STARTTLS, GREETDELAY
// waits before the greeting and DROP_PRE_GREET hangs up on a client that
// does not wait for it, as spam software often does not.
const (
	replyAuthFirst  = "503 AUTH first (#5.5.1)\r\n"
	replyTLSFirst   = "503 STARTTLS first (#5.5.1)\r\n"
	replyTLSDenied  = "454 TLS not available (4.3.0)\r\n"
	replyTLSBoth    = "421 FORCE_TLS and DENY_TLS both found (#4.3.0)\r\n"
	replyNoAuthProg = "421 REQUIRE_AUTH set without valid AUTH program.\r\n"
	replyPreGreet   = "554 SMTP protocol violation\r\n"
)

// errRefused ends a session before or instead of its greeting.
var errRefused = errors.New("session refused")

// loadPolicy reads the combined patch's variables: each is on when its
// value starts with a positive number.
func (c *Config) loadPolicy(getenv func(string) (string, bool)) {
	on := func(name string) bool {
		v, ok := getenv(name)
		n, _ := scanUlong(v)
		return ok && n > 0
	}
	c.RequireAuth, c.ForceTLS, c.DenyTLS = on("REQUIRE_AUTH"), on("FORCE_TLS"), on("DENY_TLS")
	c.DropPreGreet = on("DROP_PRE_GREET")
	c.AllowCram = on("ALLOW_CRAM")
	c.LogMail, c.LogRcpt = on("QMAILSMTPD_LOG_MAIL"), on("QMAILSMTPD_LOG_RCPT")
	if v, ok := getenv("GREETDELAY"); ok {
		n, _ := scanUlong(v)
		c.GreetDelay = time.Duration(min(n, 3600)) * time.Second
	}
}

// misconfigured is the 421 for settings that cannot work together, said
// instead of the greeting: FORCE_TLS where TLS cannot be had (DENY_TLS, or
// no certificate, which the patch counts as DENY_TLS), REQUIRE_AUTH
// without a checkpassword program.
func (s *session) misconfigured() string {
	if s.cfg.ForceTLS && !s.cfg.SMTPS && (s.cfg.DenyTLS || !s.certificateExists()) {
		return replyTLSBoth
	}
	if s.cfg.RequireAuth && len(s.cfg.Checkpassword) == 0 {
		return replyNoAuthProg
	}
	return ""
}

// mailAllowed answers MAIL for a client that must first encrypt or
// authenticate.
func (s *session) mailAllowed() bool {
	switch {
	case s.cfg.ForceTLS && !s.tlsOn:
		s.c.reply(replyTLSFirst)
	case s.cfg.RequireAuth && s.authUser == "":
		s.c.reply(replyAuthFirst)
	default:
		return true
	}
	return false
}

// waitBeforeGreeting keeps the greeting back for GREETDELAY seconds (one
// with only DROP_PRE_GREET). A client that speaks meanwhile is refused
// with DROP_PRE_GREET; without it, what it sent waits its turn.
func (s *session) waitBeforeGreeting() error {
	if s.cfg.GreetDelay == 0 && !s.cfg.DropPreGreet {
		return nil
	}
	delay := s.cfg.GreetDelay
	if delay == 0 {
		delay = time.Second
	}
	err := s.c.peekWithin(delay)
	switch {
	case errors.Is(err, errTimeout):
		return nil
	case err != nil:
		s.logf("before greeting: [%s] client disconnected", s.cfg.RemoteIP)
		return err
	case s.cfg.DropPreGreet:
		s.logf("before greeting: [%s] client sent data", s.cfg.RemoteIP)
		s.c.reply(replyPreGreet)
		return errRefused
	}
	return nil
}

// logf writes a line to the log (qmail-smtpd's descriptor 2) in the
// patch's form, "qmail-smtpd[pid]: text".
func (s *session) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, "qmail-smtpd[%d]: "+format+"\n", append([]any{s.cfg.PID}, args...)...)
	}
}
