package smtpd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/pkg/resolver"
)

func TestMFCheck(t *testing.T) {
	srv := dnstest.Start(t,
		"mx.test. MX 10 mail.mx.test.",
		"a.test. A 192.0.2.1",
		"aaaa.test. AAAA 2001:db8::1",
		`txtonly.test. TXT "v=spf1 -all"`,
	)
	srv.ServFail("broken.test")
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.MFCheck = 3
	cfg.MailDNS = &resolver.Client{Servers: []string{srv.Addr}, Timeouts: []time.Duration{time.Second}}
	var log bytes.Buffer
	cfg.Log, cfg.PID = &log, 1
	for sender, want := range map[string]string{
		"a@mx.test":          "250 ok\r\n",
		"a@a.test":           "250 ok\r\n",
		"a@AAAA.test":        "250 ok\r\n",
		"a@txtonly.test":     replyMFNoDomain,
		"a@nowhere.test":     replyMFNoDomain,
		"a@broken.test":      replyMFTemp,
		"nodomain":           replyMFNoDomain,
		"a@":                 replyMFNoDomain,
		"":                   "250 ok\r\n",
		"#@[]":               "250 ok\r\n",
		"a@[192.0.2.7]":      "250 ok\r\n",
		"spammer@nowhere.ev": "250 ok\r\n", // badmailfrom: refused at RCPT, no lookup
	} {
		cfg.BadMailFrom = map[string]bool{"spammer@nowhere.ev": true}
		out, _ := serve(cfg, "MAIL FROM:<"+sender+">\r\nRCPT TO:<u@example.com>\r\n")
		if !strings.HasPrefix(out, "220 mx.example.com ESMTP\r\n"+want) {
			t.Errorf("%q: %q, want %q", sender, out, want)
		}
		if want != "250 ok\r\n" && !strings.Contains(out, "503 MAIL first") {
			t.Errorf("%q: a refused MAIL let RCPT through: %q", sender, out)
		}
	}
	for _, line := range []string{
		"qmail-smtpd[1]: MFCHECK pass [127.0.0.1] mx.test\n",
		"qmail-smtpd[1]: MFCHECK fail [127.0.0.1] nowhere.test\n",
		"qmail-smtpd[1]: MFCHECK invalid [127.0.0.1] nodomain\n",
	} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log.String())
		}
	}
	for _, q := range srv.Queries() {
		if strings.Contains(q, "nowhere.ev") {
			t.Errorf("looked up a badmailfrom sender: %s", q)
		}
	}
}

func TestLoadMFCheck(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"me": "mx.example.com\n", "mfcheck": "2\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{}
	getenv := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	if cfg, err := Load(dir, getenv); err != nil || cfg.MFCheck != 2 || cfg.MailDNS == nil {
		t.Errorf("control/mfcheck 2: %v, %+v", err, cfg)
	}
	env["MFCHECK"] = "0"
	if cfg, err := Load(dir, getenv); err != nil || cfg.MFCheck != 0 {
		t.Errorf("MFCHECK=0: %v, %d", err, cfg.MFCheck)
	}
}
