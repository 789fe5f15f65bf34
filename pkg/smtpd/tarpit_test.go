package smtpd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTarpit counts the waits for sessions of accepted (a), refused (r)
// recipients and new MAIL commands (m), with tarpitcount 3.
func TestTarpit(t *testing.T) {
	for _, c := range []struct {
		steps string
		waits int
	}{
		{"maa", 0},
		{"maaa", 1},     // the third accepted recipient waits
		{"maaaaa", 3},   // and each after it
		{"marara", 1},   // refused ones do not count
		{"maaamaa", 1},  // a new message counts from zero
		{"maaamaaa", 2}, // and waits again at its third
	} {
		var queues []*fakeQueue
		cfg := testConfig(&queues)
		cfg.TarpitCount, cfg.TarpitDelay = 3, 5*time.Second
		waits := 0
		cfg.Sleep = func(d time.Duration) {
			if d != 5*time.Second {
				t.Errorf("%s: waited %v, want 5s", c.steps, d)
			}
			waits++
		}
		var client strings.Builder
		for _, step := range c.steps {
			client.WriteString(map[rune]string{
				'm': "MAIL FROM:<a@b.test>\r\n",
				'a': "RCPT TO:<someone@example.com>\r\n",
				'r': "RCPT TO:<far@elsewhere.test>\r\n",
			}[step])
		}
		out, code := serve(cfg, client.String()+"QUIT\r\n")
		if code != 0 || strings.Count(out, "250 ok\r\n") != strings.Count(c.steps, "m")+strings.Count(c.steps, "a") {
			t.Errorf("%s: exit %d\n%s", c.steps, code, out)
		}
		if waits != c.waits {
			t.Errorf("%s: %d waits, want %d", c.steps, waits, c.waits)
		}
	}
}

func TestTarpitOff(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.Sleep = func(time.Duration) { t.Error("waited with tarpitcount 0") }
	serve(cfg, "MAIL FROM:<a@b.test>\r\n"+strings.Repeat("RCPT TO:<x@example.com>\r\n", 50)+"QUIT\r\n")
}

func TestLoadTarpit(t *testing.T) {
	for _, c := range []struct {
		name       string
		files, env map[string]string
		count      int
		delay      time.Duration
	}{
		{"defaults", nil, nil, 0, 5 * time.Second},
		{"control files", map[string]string{"tarpitcount": "50\n", "tarpitdelay": "2\n"}, nil, 50, 2 * time.Second},
		{"not a number keeps the default", map[string]string{"tarpitcount": "many\n", "tarpitdelay": "x\n"}, nil, 0, 5 * time.Second},
		{"environment wins", map[string]string{"tarpitcount": "50\n"}, map[string]string{"TARPITCOUNT": "10", "TARPITDELAY": "1"}, 10, time.Second},
		{"TARPITCOUNT=0 turns it off", map[string]string{"tarpitcount": "50\n"}, map[string]string{"TARPITCOUNT": "0"}, 0, 5 * time.Second},
		{"too big for an int", map[string]string{"tarpitcount": "4294967295\n"}, nil, 0, 5 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "me"), []byte("mx.example.com\n"), 0o644)
			for name, text := range c.files {
				os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
			}
			cfg, err := Load(dir, func(name string) (string, bool) { v, ok := c.env[name]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			if cfg.TarpitCount != c.count || cfg.TarpitDelay != c.delay {
				t.Errorf("count %d delay %v, want %d %v", cfg.TarpitCount, cfg.TarpitDelay, c.count, c.delay)
			}
		})
	}
}
