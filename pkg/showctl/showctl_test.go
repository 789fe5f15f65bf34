package showctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShow(t *testing.T) {
	home := t.TempDir()
	ctl := filepath.Join(home, "control")
	os.Mkdir(ctl, 0o755)
	for name, text := range map[string]string{
		"me":                "mx.example.com\n",
		"locals":            "localhost\n# comment\nexample.com\n",
		"rcpthosts":         "example.com\n",
		"concurrencyremote": "abc\n",
		"databytes":         "1000000\n",
		"smtpgreeting":      "mx.example.com ESMTP\x01\n",
		"unknownfile":       "x\n",
		"tarpitcount":       "50\n",
		"spfbehavior":       "3\n",
		"defaultdelivery":   "./Maildir/\n",
		"smtproutes":        "isp.test:smtp.isp.test:587 me@isp.test hunter2 and more\n:mx.test\n",
		"spfrules":          "include:spf.trusted-forwarder.org\n",
		"dkimkeys":          "example.com:sel:control/dkim.pem\n",
		"servercert.pem":    "-----BEGIN PRIVATE KEY-----\nsecret\n",
	} {
		os.WriteFile(filepath.Join(ctl, name), []byte(text), 0o644)
	}
	var out strings.Builder
	if err := Show(&out, Defaults(home)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"qmail home directory: " + home + ".\nuser-ext delimiter: -.\npaternalism (in decimal): 2.\nsilent concurrency limit: 120.\nsubdirectory split: 23.\n",
		"\nbadmailfrom: (Default.) Any MAIL FROM is allowed.\n",
		"\nbouncehost: (Default.) Bounce host name is mx.example.com.\n",
		"\nbouncefrom: (Default.) Bounce user name is MAILER-DAEMON.\n",
		"\nconcurrencyremote: (Default.) Remote concurrency is 20.\n",
		"\ndatabytes: SMTP DATA limit is 1000000 bytes.\n",
		"\nlocals: \nMessages for localhost are delivered locally.\nMessages for example.com are delivered locally.\n",
		"\nme: My name is mx.example.com.\n",
		"\nrcpthosts: \nSMTP clients may send messages to recipients at example.com.\n",
		"\nmorercpthosts: (Default.) No effect.\n\nmorercpthosts.cdb: (Default.) No effect.\n",
		"\nsmtpgreeting: SMTP greeting: 220 mx.example.com ESMTP?.\n",
		"\nunknownfile: I have no idea what this file does.\n",
		"\ntarpitcount: SMTP tarpitting starts at recipient 50.\n",
		"\nspfbehavior: SPF behavior is 3.\n",
		"\ndefaultdelivery: Default delivery (read by Life with qmail's rc script): ./Maildir/.\n",
		"\nsmtproutes: \nSMTP route: isp.test:smtp.isp.test:587 me@isp.test (password not shown)\nSMTP route: :mx.test\n",
		"\nspfrules: SPF local rules: include:spf.trusted-forwarder.org.\n",
		"\ndkimkeys: \nDKIM key (domain:selector:file): example.com:sel:control/dkim.pem\n",
		"\nservercert.pem: SMTP server certificate: STARTTLS is offered.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "\nme: I have no idea") || strings.Contains(got, "\ntarpitcount: I have no idea") {
		t.Error("a known file reported as unknown")
	}
	for _, absent := range []string{"tarpitdelay", "tlsclients", "remotereuse", "spfguess", "secret", "hunter2", "concurrencyincoming"} {
		if strings.Contains(got, absent) {
			t.Errorf("output shows %q, which is absent or secret", absent)
		}
	}
}
