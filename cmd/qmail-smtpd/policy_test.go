package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/quail-mta/quail/pkg/cdb"
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

// TestValidRcptTo: $VALIDRCPTTO_CDB through the binary.
func TestValidRcptTo(t *testing.T) {
	h := newHome(t, baseControl)
	path := filepath.Join(t.TempDir(), "validrcptto.cdb")
	w, err := cdb.Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	w.Add([]byte("u@example.com"), nil)
	if err := w.Commit(path); err != nil {
		t.Fatal(err)
	}
	client := []byte("MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nRCPT TO:<v@example.com>\r\nQUIT\r\n")
	r := h.smtpd(t, append(baseEnv, "VALIDRCPTTO_CDB="+path), client, false)
	want := "250 ok\r\n250 ok\r\n553 sorry, this recipient is not in my validrcptto list (#5.7.1)\r\n221 "
	if !strings.Contains(string(r.out), want) || r.exit != 0 {
		t.Errorf("got %q, exit %d", r.out, r.exit)
	}
	if !strings.Contains(string(r.stderr), "validrcptto [127.0.0.1] not found: v@example.com\n") {
		t.Errorf("log %q", r.stderr)
	}
	r = h.smtpd(t, append(baseEnv, "VALIDRCPTTO_CDB="+path+".missing"), client, false)
	if string(r.out) != "421 unable to read controls (#4.3.0)\r\n" || r.exit != 1 {
		t.Errorf("missing cdb: %q, exit %d", r.out, r.exit)
	}
}
