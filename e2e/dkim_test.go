package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dkimtest"
	"github.com/quail-mta/quail/internal/smtptest"
)

// TestDKIMSignedDelivery: with control/dkimkeys naming a key for the
// sender's domain, mail that qmail-send hands to qmail-rspawn and
// qmail-remote (a process per delivery, or in qmail-rspawn with
// remotereuse) leaves with a DKIM-Signature that dkimpy accepts; mail
// from another domain leaves unsigned.
func TestDKIMSignedDelivery(t *testing.T) {
	dkimtest.Need(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048) // seconds on a slow machine: once
	if err != nil {
		t.Fatal(err)
	}
	for _, reuse := range []string{"", "60"} {
		t.Run("remotereuse="+reuse, func(t *testing.T) { dkimSignedDelivery(t, key, reuse) })
	}
}

func dkimSignedDelivery(t *testing.T, key *rsa.PrivateKey, reuse string) {
	relay := sink{smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})}
	controls := map[string]string{"smtproutes": "isp.test:127.0.0.1:" + relay.port()}
	if reuse != "" {
		controls["remotereuse"] = reuse
	}
	s := localSystem(t, controls)
	keyFile := s.write("dkim/e2e.test.pem", string(pem.EncodeToMemory(&pem.Block{
		Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	s.write(filepath.Join("qmail", "control", "dkimkeys"), "e2e.test:mail2026:"+keyFile+"\n")
	s.start()
	for _, from := range []string{"alice@e2e.test", "someone@elsewhere.test"} {
		msg := "From: " + from + "\nTo: friend@isp.test\nSubject: signed?\n\nfrom " + from + "\n"
		if err := s.mail(from, []string{"friend@isp.test"}, msg); err != nil {
			t.Fatal(err)
		}
	}
	s.waitFor("both messages at the relay", time.Minute, func() bool { return len(relay.Messages()) == 2 })
	var signed, unsigned []string
	for _, m := range relay.Messages() {
		if strings.HasPrefix(m, "DKIM-Signature: ") {
			signed = append(signed, m)
		} else {
			unsigned = append(unsigned, m)
		}
	}
	if len(signed) != 1 || !strings.Contains(signed[0], "From: alice@e2e.test") || !strings.Contains(signed[0], " d=e2e.test; s=mail2026;") {
		t.Fatalf("signed: %q", signed)
	}
	if len(unsigned) != 1 || !strings.Contains(unsigned[0], "From: someone@elsewhere.test") {
		t.Errorf("unsigned: %q", unsigned)
	}
	if verdict := dkimtest.Verify(t, dkimtest.Record(t, key), signed[0]); verdict[0] != "ok" {
		t.Errorf("dkimpy: %s for\n%s", verdict[0], signed[0])
	}
}
