package main

import (
	"regexp"
	"testing"
)

// TestSessionRules runs the binary with the combined patch's variables
// as a tcprules line would set them.
func TestSessionRules(t *testing.T) {
	h := newHome(t, baseControl)
	quit := []byte("QUIT\r\n")

	r := h.smtpd(t, append(baseEnv, "REQUIRE_AUTH=1"), quit, false)
	if string(r.out) != "421 REQUIRE_AUTH set without valid AUTH program.\r\n" || r.exit != 1 {
		t.Errorf("REQUIRE_AUTH without checkpassword: %q, exit %d", r.out, r.exit)
	}
	r = h.smtpd(t, append(baseEnv, "FORCE_TLS=1"), quit, false) // and no servercert.pem
	if string(r.out) != "421 FORCE_TLS and DENY_TLS both found (#4.3.0)\r\n" || r.exit != 1 {
		t.Errorf("FORCE_TLS without a certificate: %q, exit %d", r.out, r.exit)
	}
	r = h.smtpd(t, append(baseEnv, "DROP_PRE_GREET=1"), quit, false)
	if string(r.out) != "554 SMTP protocol violation\r\n" || r.exit != 1 {
		t.Errorf("DROP_PRE_GREET: %q, exit %d", r.out, r.exit)
	}
	if !regexp.MustCompile(`^qmail-smtpd\[\d+\]: before greeting: \[127\.0\.0\.1\] client sent data\n$`).Match(r.stderr) {
		t.Errorf("DROP_PRE_GREET logged %q", r.stderr)
	}
}
