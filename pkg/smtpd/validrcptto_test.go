package smtpd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/pkg/cdb"
)

func writeValidRcptTo(t *testing.T, entries map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "validrcptto.cdb")
	w, err := cdb.Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	for key, data := range entries {
		if err := w.Add([]byte(key), []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func validRcptToConfig(t *testing.T, queues *[]*fakeQueue, env map[string]string) *Config {
	t.Helper()
	env["VALIDRCPTTO_CDB"] = writeValidRcptTo(t, map[string]string{
		"alice@example.com":       "",
		"bob-default@example.com": "",
		"@example.org":            "",
		"carol@example.org":       "-",
	})
	cfg := testConfig(queues)
	cfg.RcptHosts.hosts["example.org"] = true
	if err := cfg.loadValidRcptTo(func(name string) (string, bool) { v, ok := env[name]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestValidRcptTo(t *testing.T) {
	var queues []*fakeQueue
	cfg := validRcptToConfig(t, &queues, map[string]string{})
	for rcpt, want := range map[string]string{
		"alice@example.com":      "250 ok\r\n",
		"Alice@Example.COM":      "250 ok\r\n",
		"bob-list-x@example.com": "250 ok\r\n", // bob-list-default, then bob-default
		"bob@example.com":        replyNotValid,
		"anyone@example.org":     "250 ok\r\n",
		"carol@example.org":      replyNotValid, // "-": refused although @example.org exists
		"nobody@example.com":     replyNotValid,
		"far@elsewhere.test":     "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n",
	} {
		out, _ := serve(cfg, "MAIL FROM:<a@b.test>\r\nRCPT TO:<"+rcpt+">\r\n")
		if !strings.HasSuffix(out, "250 ok\r\n"+want) {
			t.Errorf("%s: %q, want %q", rcpt, out, want)
		}
	}
	cfg.Relay = true // relay clients are not checked
	out, _ := serve(cfg, "MAIL FROM:<a@b.test>\r\nRCPT TO:<nobody@example.com>\r\n")
	if !strings.HasSuffix(out, "250 ok\r\n250 ok\r\n") {
		t.Errorf("relay client: %q", out)
	}
}

// TestValidRcptToLimit: the limit-th refusal ends the session, logged.
func TestValidRcptToLimit(t *testing.T) {
	var queues []*fakeQueue
	cfg := validRcptToConfig(t, &queues, map[string]string{"VALIDRCPTTO_LIMIT": "3", "VALIDRCPTTO_LOG": "2"})
	var log bytes.Buffer
	cfg.Log, cfg.PID = &log, 9
	bad := "RCPT TO:<x@example.com>\r\n"
	out, code := serve(cfg, "MAIL FROM:<a@b.test>\r\n"+bad+"RCPT TO:<alice@example.com>\r\n"+bad+bad+bad)
	want := "250 ok\r\n" + replyNotValid + "250 ok\r\n" + replyNotValid + replyTooManyBad
	if !strings.HasSuffix(out, want) || code != 1 {
		t.Errorf("got %q exit %d, want ...%q exit 1", out, code, want)
	}
	for _, line := range []string{
		"qmail-smtpd[9]: validrcptto [127.0.0.1] RCPT TO: x@example.com\n",
		"qmail-smtpd[9]: validrcptto [127.0.0.1] trying: @example.com\n",
		"qmail-smtpd[9]: validrcptto [127.0.0.1] not found: x@example.com\n",
		"qmail-smtpd[9]: validrcptto [127.0.0.1] found: alice@example.com\n",
		"qmail-smtpd[9]: validrcptto [127.0.0.1] excessive violations, hanging up\n",
	} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log.String())
		}
	}

	cfg = validRcptToConfig(t, &queues, map[string]string{"VALIDRCPTTO_LIMIT": "0"})
	out, code = serve(cfg, "MAIL FROM:<a@b.test>\r\n"+strings.Repeat(bad, 20)+"QUIT\r\n")
	if strings.Count(out, replyNotValid) != 20 || code != 0 {
		t.Errorf("no limit: exit %d\n%s", code, out)
	}
}

func TestValidRcptToMissing(t *testing.T) {
	var cfg Config
	err := cfg.loadValidRcptTo(func(string) (string, bool) { return "/nonexistent/validrcptto.cdb", true })
	if err == nil {
		t.Fatal("a missing VALIDRCPTTO_CDB was not an error")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "me"), []byte("mx.example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, func(string) (string, bool) { return "", false }); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir, func(name string) (string, bool) {
		if name == "VALIDRCPTTO_CDB" {
			return "/nonexistent/validrcptto.cdb", true
		}
		return "", false
	})
	if !errors.As(err, new(*ControlError)) {
		t.Errorf("Load: %v, want a ControlError", err)
	}
}
