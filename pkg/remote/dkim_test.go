package remote

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/smtptest"
)

func TestDKIMKeyFor(t *testing.T) {
	lines := []string{
		"example.com:mail:keys/example.pem",
		".example.com:sub:keys/parent.pem",
		".org:wide:keys/org.pem",
		"broken line",
		"empty.test::keys/x.pem",
	}
	for _, c := range []struct {
		sender string
		want   dkimKey
		found  bool
	}{
		{"alice@example.com", dkimKey{"example.com", "mail", "keys/example.pem"}, true},
		{"alice@EXAMPLE.COM", dkimKey{"example.com", "mail", "keys/example.pem"}, true},
		{"list-return@lists.example.com", dkimKey{"example.com", "sub", "keys/parent.pem"}, true},
		{"bob@x.example.org", dkimKey{"org", "wide", "keys/org.pem"}, true},
		{"bob@example.net", dkimKey{}, false},
		{"", dkimKey{}, false}, // a bounce
		{"noat", dkimKey{}, false},
		{"carol@empty.test", dkimKey{}, false}, // no selector: the line is ignored
	} {
		got, found := dkimKeyFor(lines, c.sender)
		if got != c.want || found != c.found {
			t.Errorf("dkimKeyFor(%q) = %v, %v; want %v, %v", c.sender, got, found, c.want, c.found)
		}
	}
}

// writeKey makes an Ed25519 key in PKCS #8 PEM.
func writeKey(t *testing.T) string {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDKIMSigning(t *testing.T) {
	key := writeKey(t)
	const msg = "From: alice@me.test\nSubject: signed\n\nhello\n"
	onWire := "From: alice@me.test\r\nSubject: signed\r\n\r\nhello\r\n"
	for _, c := range []struct {
		name, sender, dkimkeys, msg string
		unseekable                  bool
		signed                      bool
		report                      string // a failure report instead of a delivery
	}{
		{"signed", "alice@me.test", "me.test:sel:" + key + "\n", msg, false, true, ""},
		{"from a pipe", "alice@me.test", "me.test:sel:" + key + "\n", msg, true, true, ""},
		{"another domain", "alice@other.test", "me.test:sel:" + key + "\n", msg, false, false, ""},
		{"a bounce", "", "me.test:sel:" + key + "\n", msg, false, false, ""},
		{"no dkimkeys", "alice@me.test", "", msg, false, false, ""},
		{"no From field", "alice@me.test", "me.test:sel:" + key + "\n", "Subject: x\n\nhello\n", false, false, ""},
		{"key missing", "alice@me.test", "me.test:sel:/nonexistent/key.pem\n", msg, false, false,
			"ZUnable to read the DKIM key for me.test. (#4.3.0)\n\x00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})
			extra := map[string]string{}
			if c.dkimkeys != "" {
				extra["dkimkeys"] = c.dkimkeys
			}
			cfg := routed(t, s, extra)
			var in io.Reader = strings.NewReader(c.msg)
			if c.unseekable {
				in = io.MultiReader(in) // hides Seek
			}
			var out bytes.Buffer
			Deliver(cfg, "example.test", c.sender, []string{"x@example.test"}, in, &out)
			if c.report != "" {
				if out.String() != c.report {
					t.Errorf("report %q, want %q", out.String(), c.report)
				}
				return
			}
			if !strings.HasPrefix(out.String(), "r\x00K") {
				t.Fatalf("report %q", out.String())
			}
			s.WaitEnd(t)
			got := s.Messages()
			if len(got) != 1 {
				t.Fatalf("%d messages", len(got))
			}
			sig, rest, _ := strings.Cut(got[0], "\r\n\tb=")
			switch {
			case c.signed && !strings.HasPrefix(sig, "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=me.test; s=sel;\r\n"):
				t.Errorf("signature field %q", sig)
			case c.signed && !strings.HasSuffix(rest, "\r\n"+onWire):
				t.Errorf("the message after the signature: %q", rest)
			case !c.signed && strings.Contains(got[0], "DKIM-Signature"):
				t.Errorf("signed: %q", got[0])
			}
		})
	}
}
