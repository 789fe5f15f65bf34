package smtpd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/spf"
)

// spfZone gives each SPF result a sender domain, for a client at
// 192.0.2.10.
var spfZone = []string{
	`pass.test. TXT "v=spf1 ip4:192.0.2.10 -all"`,
	`fail.test. TXT "v=spf1 ip4:192.0.2.99 -all"`,
	`soft.test. TXT "v=spf1 ~all"`,
	`neutral.test. TXT "v=spf1 ?all"`,
	`none.test. A 192.0.2.99`,
	`perm.test. TXT "v=spf1 ip4:bad"`,
}

func spfConfig(t *testing.T, queues *[]*fakeQueue, behavior int) (*Config, *dnstest.Server) {
	srv := dnstest.Start(t, spfZone...)
	srv.ServFail("temp.test")
	cfg := testConfig(queues)
	cfg.RemoteIP = "192.0.2.10"
	cfg.SPFBehavior = behavior
	cfg.SPF = &spf.Policy{
		DNS:      &resolver.Client{Servers: []string{srv.Addr}, Timeouts: []time.Duration{time.Second}},
		Receiver: cfg.Local,
	}
	return cfg, srv
}

// TestSPFBehavior: what MAIL and RCPT answer for each result at each
// spfbehavior, as the qmail-spf patch decides it.
func TestSPFBehavior(t *testing.T) {
	// The replies of MAIL+RCPT per behaviour 1 to 6: "2" for 250 to both,
	// "5" for 250 then 550, "4" for 451 at MAIL.
	want := map[string]string{
		"pass":    "222222",
		"fail":    "225555",
		"soft":    "222555",
		"neutral": "222255",
		"none":    "222225",
		"perm":    "222225",
		"temp":    "244444",
	}
	for domain, replies := range want {
		for behavior := 1; behavior <= 6; behavior++ {
			var queues []*fakeQueue
			cfg, _ := spfConfig(t, &queues, behavior)
			out, _ := serve(cfg, "MAIL FROM:<a@"+domain+".test>\r\nRCPT TO:<u@example.com>\r\nQUIT\r\n")
			var got string
			switch {
			case strings.HasPrefix(out, "220 mx.example.com ESMTP\r\n451 SPF lookup failure (#4.3.0)\r\n503 MAIL first"):
				got = "4"
			case strings.Contains(out, "250 ok\r\n550 "):
				got = "5"
			case strings.Contains(out, "250 ok\r\n250 ok\r\n"):
				got = "2"
			default:
				got = "?"
			}
			if got != replies[behavior-1:behavior] {
				t.Errorf("%s at spfbehavior %d: %s", domain, behavior, out)
			}
		}
	}
}

func TestSPFRefusalText(t *testing.T) {
	var queues []*fakeQueue
	cfg, _ := spfConfig(t, &queues, 3)
	out, _ := serve(cfg, "MAIL FROM:<a@fail.test>\r\nRCPT TO:<u@example.com>\r\nRCPT TO:<v@example.com>\r\nQUIT\r\n")
	refusal := "550 See http://spf.pobox.com/why.html?sender=a%40fail.test&ip=192.0.2.10&receiver=mx.example.com (#5.7.1)\r\n"
	if strings.Count(out, refusal) != 2 {
		t.Errorf("every RCPT should get %q:\n%s", refusal, out)
	}
	cfg.SPF.Explanation = "%{i} is not a mail server of %{d}"
	out, _ = serve(cfg, "MAIL FROM:<a@fail.test>\r\nRCPT TO:<u@example.com>\r\n")
	if !strings.Contains(out, "550 192.0.2.10 is not a mail server of fail.test (#5.7.1)\r\n") {
		t.Errorf("with spfexp:\n%s", out)
	}
	// badmailfrom comes first, without a lookup; a new MAIL checks again.
	cfg, srv := spfConfig(t, &queues, 3)
	cfg.BadMailFrom = map[string]bool{"spammer@fail.test": true}
	out, _ = serve(cfg, "MAIL FROM:<spammer@fail.test>\r\nRCPT TO:<u@example.com>\r\nRSET\r\n"+
		"MAIL FROM:<a@pass.test>\r\nRCPT TO:<u@example.com>\r\n")
	if !strings.Contains(out, "\r\n553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\r\n250 flushed\r\n250 ok\r\n250 ok\r\n") {
		t.Errorf("badmailfrom, then a passing sender:\n%s", out)
	}
	if q := srv.Queries(); len(q) != 1 || q[0] != "TXT pass.test." {
		t.Errorf("queries %q, want only pass.test's policy", q)
	}
}

// TestSPFHeader: a Received-SPF line follows the Received line, even at
// spfbehavior 1 where nothing is refused.
func TestSPFHeader(t *testing.T) {
	var queues []*fakeQueue
	cfg, _ := spfConfig(t, &queues, 1)
	out, _ := serve(cfg, "MAIL FROM:<a@fail.test>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n")
	if !strings.Contains(out, "250 ok 1795600000 qp 4242") || len(queues) != 1 {
		t.Fatalf("not accepted:\n%s", out)
	}
	want := "  by mx.example.com with SMTP; 25 Nov 2026 09:46:40 -0000\n" +
		"Received-SPF: fail (mx.example.com: SPF record at fail.test does not designate 192.0.2.10 as permitted sender)\n" +
		"Subject: x\n"
	if !strings.Contains(queues[0].msg.String(), want) {
		t.Errorf("message:\n%s\nwant:\n%s", queues[0].msg.String(), want)
	}
}

// TestSPFSkippedForRelayClients: clients that may relay are not checked,
// so nothing is looked up and no Received-SPF line is written.
func TestSPFSkippedForRelayClients(t *testing.T) {
	var queues []*fakeQueue
	cfg, srv := spfConfig(t, &queues, 6)
	cfg.Relay = true
	out, _ := serve(cfg, "MAIL FROM:<a@fail.test>\r\nRCPT TO:<u@far.test>\r\nDATA\r\nx\r\n.\r\n")
	if !strings.Contains(out, "250 ok 1795600000 qp 4242") {
		t.Fatalf("relay client refused:\n%s", out)
	}
	if q := srv.Queries(); len(q) != 0 {
		t.Errorf("looked up %q for a relay client", q)
	}
	if strings.Contains(queues[0].msg.String(), "Received-SPF") {
		t.Errorf("Received-SPF for a relay client:\n%s", queues[0].msg.String())
	}
}

func TestLoadSPF(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("me", "mx.example.com\n")
	env := map[string]string{"TCPLOCALHOST": "mx.local.test"}
	getenv := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	load := func() *Config {
		t.Helper()
		cfg, err := Load(dir, getenv)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if cfg := load(); cfg.SPF != nil {
		t.Errorf("SPF on without spfbehavior")
	}
	write("spfbehavior", "3 \n")
	write("spfrules", "include:spf.trusted-forwarder.org  \nsecond line\n")
	write("spfguess", "a/24 mx/24 ptr\n")
	write("spfexp", "no %{i}\n")
	cfg := load()
	if cfg.SPF == nil || cfg.SPFBehavior != 3 || cfg.SPF.Rules != "include:spf.trusted-forwarder.org" ||
		cfg.SPF.Guess != "a/24 mx/24 ptr" || cfg.SPF.Explanation != "no %{i}" || cfg.SPF.Receiver != "mx.local.test" {
		t.Errorf("loaded %d %+v", cfg.SPFBehavior, cfg.SPF)
	}
	env["SPFBEHAVIOR"] = "9"
	if cfg := load(); cfg.SPFBehavior != 6 {
		t.Errorf("SPFBEHAVIOR=9 gives %d, want 6", cfg.SPFBehavior)
	}
	env["SPFBEHAVIOR"] = "0"
	if cfg := load(); cfg.SPF != nil {
		t.Errorf("SPFBEHAVIOR=0 left SPF on")
	}
	delete(env, "SPFBEHAVIOR")
	if os.Geteuid() != 0 { // root reads any file
		os.Chmod(filepath.Join(dir, "spfguess"), 0)
		if _, err := Load(dir, getenv); err == nil {
			t.Errorf("an unreadable spfguess was not an error")
		}
	}
}
