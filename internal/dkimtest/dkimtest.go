// Package dkimtest checks DKIM signatures with dkimpy (Debian's
// python3-dkim, with python3-nacl for Ed25519), a verifier written apart
// from quail's signer, for the tests of pkg/dkim and of delivery.
package dkimtest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// python is Debian's interpreter, where python3-dkim is installed.
const python = "/usr/bin/python3"

// verifyScript prints "ok", "bad" or "error" for each message file, the
// key coming from the TXT record in $RECORD whatever the name asked.
const verifyScript = `
import os, sys, dkim
record = os.environ["RECORD"].encode()
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = f.read()
    try:
        print("ok" if dkim.verify(msg, dnsfunc=lambda name, timeout=5: record) else "bad")
    except Exception as e:
        print(path, e, file=sys.stderr)
        print("error")
`

// Need skips the test without dkimpy, and fails it in CI, which installs it.
func Need(t testing.TB) {
	t.Helper()
	if err := exec.Command(python, "-c", "import dkim, nacl").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no python3-dkim and python3-nacl: %v", err)
		}
		t.Skip("no python3-dkim and python3-nacl (apt-get install python3-dkim python3-nacl)")
	}
}

// Record is the DNS TXT record publishing key's public half.
func Record(t testing.TB, key crypto.Signer) string {
	t.Helper()
	switch k := key.(type) {
	case *rsa.PrivateKey:
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PrivateKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey))
	}
	t.Fatalf("no record for a %T", key)
	return ""
}

// Verify checks messages (as sent over SMTP: CR LF, no dot-stuffing)
// against record and returns dkimpy's verdict for each: "ok", "bad" or
// "error".
func Verify(t testing.TB, record string, messages ...string) []string {
	t.Helper()
	Need(t)
	dir := t.TempDir()
	args := []string{"-c", verifyScript}
	for i, msg := range messages {
		path := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(path, []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "RECORD="+record)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dkimpy: %v", err)
	}
	verdicts := strings.Fields(string(out))
	if len(verdicts) != len(messages) {
		t.Fatalf("dkimpy gave %d verdicts for %d messages: %q", len(verdicts), len(messages), out)
	}
	return verdicts
}
