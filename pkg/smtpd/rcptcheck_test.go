package smtpd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rcptCheckScript writes a RCPTCHECK program that logs its SENDER and
// RECIPIENT to a file and exits by the recipient's local part.
func rcptCheckScript(t *testing.T) (program, log string) {
	dir := t.TempDir()
	program, log = filepath.Join(dir, "check"), filepath.Join(dir, "log")
	script := `#!/bin/sh
echo "$SENDER $RECIPIENT" >> ` + log + `
echo "check: said something on stdout"
case "$RECIPIENT" in
nobody@*) exit 100 ;;
unsure@*) exit 111 ;;
broken@*) exit 120 ;;
slow@*) exec sleep 30 ;;
crash@*) kill -9 $$ ;;
esac
exit 0
`
	if err := os.WriteFile(program, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return program, log
}

func TestRcptCheck(t *testing.T) {
	program, log := rcptCheckScript(t)
	t.Setenv("SENDER", "stale@outside.test") // qmail-smtpd's own environment loses these
	const greeting = "220 mx.example.com ESMTP\r\n"
	for _, c := range []struct {
		name, client, want string
		code               int
		queued             []string
	}{
		{"accepted and refused",
			"MAIL FROM:<a@b.test>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
			"250 ok\r\n250 ok\r\n553 sorry, no mailbox here by that name. (#5.1.1)\r\n354 go ahead\r\n250 ok 1795600000 qp 4242\r\n221 mx.example.com\r\n",
			0, []string{"alice@example.com"}},
		{"cannot tell", "MAIL FROM:<a@b.test>\r\nRCPT TO:<unsure@example.com>\r\nQUIT\r\n",
			"250 ok\r\n421 unable to verify recipient (#4.3.0)\r\n", 1, nil},
		{"exit 120", "MAIL FROM:<a@b.test>\r\nRCPT TO:<broken@example.com>\r\nQUIT\r\n",
			"250 ok\r\n421 unable to execute recipient check (#4.3.0)\r\n", 1, nil},
		{"crash", "MAIL FROM:<a@b.test>\r\nRCPT TO:<crash@example.com>\r\nQUIT\r\n",
			"250 ok\r\n421 unable to execute recipient check (#4.3.0)\r\n", 1, nil},
		{"over timeoutsmtpd", "MAIL FROM:<a@b.test>\r\nRCPT TO:<slow@example.com>\r\nQUIT\r\n",
			"250 ok\r\n421 unable to execute recipient check (#4.3.0)\r\n", 1, nil},
		{"relay refusal first: no check", "MAIL FROM:<a@b.test>\r\nRCPT TO:<nobody@elsewhere.test>\r\nQUIT\r\n",
			"250 ok\r\n553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n221 mx.example.com\r\n", 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var queues []*fakeQueue
			cfg := testConfig(&queues)
			cfg.RcptCheck = program
			cfg.Timeout = 500 * time.Millisecond
			out, code := serve(cfg, c.client)
			if out != greeting+c.want || code != c.code {
				t.Errorf("got %q (exit %d)\nwant %q (exit %d)", out, code, greeting+c.want, c.code)
			}
			var queued []string
			for _, q := range queues {
				queued = append(queued, q.to...)
			}
			if !slices.Equal(queued, c.queued) {
				t.Errorf("queued for %q, want %q", queued, c.queued)
			}
		})
	}
	seen, _ := os.ReadFile(log)
	if strings.Contains(string(seen), "elsewhere.test") || !strings.Contains(string(seen), "a@b.test nobody@example.com\n") {
		t.Errorf("the program saw:\n%s", seen)
	}
}

func TestRcptCheckSeesTheRelayClientSuffix(t *testing.T) {
	program, log := rcptCheckScript(t)
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.RcptCheck = program
	cfg.Relay, cfg.RelayClient = true, "-relayed"
	out, _ := serve(cfg, "MAIL FROM:<>\r\nRCPT TO:<bob@far.test>\r\nQUIT\r\n")
	if !strings.HasSuffix(out, "250 ok\r\n250 ok\r\n221 mx.example.com\r\n") {
		t.Errorf("got %q", out)
	}
	if seen, _ := os.ReadFile(log); string(seen) != " bob@far.test-relayed\n" {
		t.Errorf("the program saw %q, want the address as queued", seen)
	}
}

func TestRcptCheckMissingProgram(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.RcptCheck = filepath.Join(t.TempDir(), "none")
	out, code := serve(cfg, "MAIL FROM:<a@b.test>\r\nRCPT TO:<alice@example.com>\r\nQUIT\r\n")
	if !strings.HasSuffix(out, "250 ok\r\n421 unable to execute recipient check (#4.3.0)\r\n") || code != 1 {
		t.Errorf("got %q (exit %d)", out, code)
	}
}

func TestLoadReadsRcptCheck(t *testing.T) {
	var cfg Config
	cfg.loadClient(func(name string) (string, bool) {
		if name == "RCPTCHECK" {
			return "/usr/local/bin/check", true
		}
		return "", false
	})
	if cfg.RcptCheck != "/usr/local/bin/check" {
		t.Errorf("RcptCheck = %q", cfg.RcptCheck)
	}
}
