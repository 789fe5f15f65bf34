package smtpd

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// TestRequireAuth: MAIL waits for AUTH, which then lets the client in.
func TestRequireAuth(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.RequireAuth, cfg.InsecureAuth = true, true
	cfg.Checkpassword, _ = checkpassword(t)
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "503 AUTH first (#5.5.1)\r\n")
	c.expect("RCPT TO:<u@example.com>\r\n", "503 MAIL first (#5.5.1)\r\n")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00wrong")+"\r\n", "535 authorization failed (#5.7.0)\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "503 AUTH first (#5.5.1)\r\n")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret")+"\r\n", "235 ok, go ahead (#2.0.0)\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("QUIT\r\n", "221 mx.example.com\r\n")
}

// TestForceTLS: MAIL waits for STARTTLS; SMTPS is TLS already.
func TestForceTLS(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.ServerCert = writeServerCert(t)
	cfg.ForceTLS = true
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "503 STARTTLS first (#5.5.1)\r\n")
	c.expect("STARTTLS\r\n", "220 ready for tls\r\n")
	c.encrypt()
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("QUIT\r\n", "221 mx.example.com\r\n")

	cfg.SMTPS = true
	c = startSession(t, cfg)
	c.encrypt()
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
}

// TestDenyTLS: no STARTTLS in EHLO, and the patch's 454 for the command.
func TestDenyTLS(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.ServerCert = writeServerCert(t)
	cfg.DenyTLS = true
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", ehloPlain)
	c.expect("STARTTLS\r\n", "454 TLS not available (4.3.0)\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
}

// TestMisconfigured: settings that cannot work get a 421 instead of the
// greeting.
func TestMisconfigured(t *testing.T) {
	for _, c := range []struct {
		name  string
		set   func(*Config)
		reply string
	}{
		{"FORCE_TLS with DENY_TLS", func(c *Config) {
			c.ServerCert = writeServerCert(t)
			c.ForceTLS, c.DenyTLS = true, true
		}, "421 FORCE_TLS and DENY_TLS both found (#4.3.0)\r\n"},
		{"FORCE_TLS without a certificate", func(c *Config) {
			c.ServerCert, c.ForceTLS = "/nonexistent/servercert.pem", true
		}, "421 FORCE_TLS and DENY_TLS both found (#4.3.0)\r\n"},
		{"REQUIRE_AUTH without checkpassword", func(c *Config) { c.RequireAuth = true },
			"421 REQUIRE_AUTH set without valid AUTH program.\r\n"},
	} {
		var queues []*fakeQueue
		cfg := testConfig(&queues)
		c.set(cfg)
		out, code := serve(cfg, "HELO x\r\nQUIT\r\n")
		if out != c.reply || code != 1 {
			t.Errorf("%s: got %q, exit %d; want %q, exit 1", c.name, out, code, c.reply)
		}
	}
}

// TestGreetDelay: the greeting waits; what a client sends early is kept,
// or with DROP_PRE_GREET refused and logged.
func TestGreetDelay(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.GreetDelay = 300 * time.Millisecond
	start := time.Now()
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	if waited := time.Since(start); waited < cfg.GreetDelay {
		t.Errorf("greeting after %v, want at least %v", waited, cfg.GreetDelay)
	}
	c.expect("HELO x\r\n", "250 mx.example.com\r\n")

	out, code := serve(cfg, "HELO x\r\nQUIT\r\n") // early, but not dropped
	if out != "220 mx.example.com ESMTP\r\n250 mx.example.com\r\n221 mx.example.com\r\n" || code != 0 {
		t.Errorf("early client without DROP_PRE_GREET: %q, exit %d", out, code)
	}

	var log bytes.Buffer
	cfg.DropPreGreet, cfg.Log, cfg.PID = true, &log, 77
	out, code = serve(cfg, "HELO x\r\nQUIT\r\n")
	if out != "554 SMTP protocol violation\r\n" || code != 1 {
		t.Errorf("early client with DROP_PRE_GREET: %q, exit %d", out, code)
	}
	if want := "qmail-smtpd[77]: before greeting: [127.0.0.1] client sent data\n"; log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}

	log.Reset()
	out, code = serve(cfg, "") // hangs up during the delay
	if out != "" || code != 1 || !strings.Contains(log.String(), "client disconnected") {
		t.Errorf("client gone before the greeting: %q, exit %d, log %q", out, code, log.String())
	}

	// DROP_PRE_GREET alone waits one second, through the helper
	// goroutine when the input has no deadlines.
	cfg.GreetDelay = 0
	r, w := io.Pipe()
	defer w.Close()
	var buf bytes.Buffer
	done := make(chan int, 1)
	start = time.Now()
	go func() { done <- Serve(cfg, r, &buf) }()
	time.Sleep(100 * time.Millisecond)
	io.WriteString(w, "QUIT\r\n")
	if code := <-done; code != 1 || buf.String() != "554 SMTP protocol violation\r\n" {
		t.Errorf("early client after 0.1s: %q, exit %d", buf.String(), code)
	}
}

func TestLoadPolicy(t *testing.T) {
	env := map[string]string{"REQUIRE_AUTH": "1", "FORCE_TLS": "0", "DENY_TLS": "", "GREETDELAY": "5", "DROP_PRE_GREET": "2x",
		"ALLOW_CRAM": "1", "QMAILSMTPD_LOG_RCPT": "1"}
	var cfg Config
	cfg.loadPolicy(func(name string) (string, bool) { v, ok := env[name]; return v, ok })
	if !cfg.RequireAuth || cfg.ForceTLS || cfg.DenyTLS || cfg.GreetDelay != 5*time.Second || !cfg.DropPreGreet ||
		!cfg.AllowCram || cfg.LogMail || !cfg.LogRcpt {
		t.Errorf("loaded %+v", cfg)
	}
}

func TestLogMailAndRcpt(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	var log bytes.Buffer
	cfg.Log, cfg.PID, cfg.LogMail, cfg.LogRcpt = &log, 5, true, true
	serve(cfg, "MAIL FROM:<a@b.test>\r\nRCPT TO:<u@example.com>\r\nRCPT TO:<far@elsewhere.test>\r\n")
	want := "qmail-smtpd[5]: MAIL FROM:<a@b.test>\nqmail-smtpd[5]: RCPT TO:<u@example.com>\nqmail-smtpd[5]: RCPT TO:<far@elsewhere.test>\n"
	if log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}
}
