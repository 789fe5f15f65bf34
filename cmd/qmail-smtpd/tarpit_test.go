package main

import (
	"testing"
	"time"
)

// TestTarpitDelaysTheReply: with control/tarpitcount 2 and TARPITDELAY=1
// the second recipient's reply comes at least a second later; with
// tarpitdelay's 30 s, one recipient alone does not wait.
func TestTarpitDelaysTheReply(t *testing.T) {
	control := map[string]string{"tarpitcount": "2\n", "tarpitdelay": "30\n"}
	for name, text := range baseControl {
		control[name] = text
	}
	h := newHome(t, control)
	env := append(baseEnv, "TARPITDELAY=1") // the environment overrides tarpitdelay
	one := "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nQUIT\r\n"
	two := "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nRCPT TO:<v@example.com>\r\nQUIT\r\n"
	start := time.Now()
	if r := h.smtpd(t, env, []byte(two), false); r.exit != 0 {
		t.Fatalf("exit %d: %q", r.exit, r.out)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("two recipients took %v, want the second one held for 1s", took)
	}
	start = time.Now()
	h.smtpd(t, baseEnv, []byte(one), false) // a wait here would last tarpitdelay's 30 s
	if took := time.Since(start); took >= 20*time.Second {
		t.Errorf("one recipient took %v: it waited for tarpitdelay", took)
	}
}
