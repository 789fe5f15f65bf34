package smtpd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func controlDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(controlDir(t, map[string]string{"me": "me.example\n"}), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Greeting != "me.example" || cfg.LocalIPHost != "me.example" || !cfg.HasLIPHost {
		t.Errorf("greeting %q, localiphost %q %v", cfg.Greeting, cfg.LocalIPHost, cfg.HasLIPHost)
	}
	if cfg.Timeout != 1200*time.Second || cfg.DataBytes != 0 || cfg.RcptHosts != nil || cfg.BadMailFrom != nil {
		t.Errorf("timeout %v, databytes %d, rcpthosts %v, badmailfrom %v", cfg.Timeout, cfg.DataBytes, cfg.RcptHosts, cfg.BadMailFrom)
	}
	if cfg.RemoteIP != "unknown" || cfg.RemoteHost != "unknown" || cfg.Local != "unknown" || cfg.HasRemoteInfo || cfg.Relay {
		t.Errorf("client %+v", cfg)
	}
}

func TestLoadValues(t *testing.T) {
	cases := []struct {
		files     map[string]string
		vars      map[string]string
		timeout   time.Duration
		databytes int64
	}{
		{map[string]string{"timeoutsmtpd": "0\n"}, nil, time.Second, 0},
		{map[string]string{"timeoutsmtpd": "junk\n"}, nil, 1200 * time.Second, 0},
		{map[string]string{"databytes": "100\n"}, map[string]string{"DATABYTES": "50"}, 1200 * time.Second, 50},
		{map[string]string{"databytes": "100\n"}, map[string]string{"DATABYTES": ""}, 1200 * time.Second, 0},
		{map[string]string{"databytes": "4294967295\n"}, nil, 1200 * time.Second, 4294967294},
		{map[string]string{"databytes": "4294967296\n"}, nil, 1200 * time.Second, 0}, // a C unsigned int wraps
	}
	for _, c := range cases {
		c.files["me"] = "me.example"
		cfg, err := Load(controlDir(t, c.files), env(c.vars))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Timeout != c.timeout || cfg.DataBytes != c.databytes {
			t.Errorf("%v %v: timeout %v, databytes %d; want %v, %d", c.files, c.vars, cfg.Timeout, cfg.DataBytes, c.timeout, c.databytes)
		}
	}
}

func TestLoadClient(t *testing.T) {
	cfg, err := Load(controlDir(t, map[string]string{"smtpgreeting": "greet.example hi\n"}), env(map[string]string{
		"TCPREMOTEIP": "::1", "TCPLOCALIP": "::2", "TCPREMOTEINFO": "", "RELAYCLIENT": "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Greeting != "greet.example hi" || cfg.HasLIPHost {
		t.Errorf("greeting %q, localiphost %v without me", cfg.Greeting, cfg.HasLIPHost)
	}
	if cfg.RemoteIP != "::1" || cfg.Local != "::2" || !cfg.HasRemoteInfo || cfg.RemoteInfo != "" || !cfg.Relay {
		t.Errorf("client %+v", cfg)
	}
}

func TestLoadWithoutGreetingOrMe(t *testing.T) {
	for _, vars := range []map[string]string{nil, {"SMTPGREETING": "env.example"}} {
		_, err := Load(t.TempDir(), env(vars))
		var ce *ControlError
		if !errors.As(err, &ce) {
			t.Errorf("with %v: error %v, want a ControlError", vars, err)
		}
	}
}

// TestSMTPGreeting: $SMTPGREETING replaces control/smtpgreeting, as in
// the combined patch, so that tcprules can give each address its name.
func TestSMTPGreeting(t *testing.T) {
	dir := controlDir(t, map[string]string{"smtpgreeting": "greet.example hi\n"})
	cfg, err := Load(dir, env(map[string]string{"SMTPGREETING": "mx2.example ESMTP ready"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Greeting != "mx2.example ESMTP ready" {
		t.Errorf("greeting %q", cfg.Greeting)
	}
}

func TestBadMailFrom(t *testing.T) {
	cfg, err := Load(controlDir(t, map[string]string{"me": "m", "badmailfrom": "Spammer@Bad.Example\n@evil.example\n"}), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"spammer@bad.example": true, "SPAMMER@BAD.EXAMPLE": true, "x@evil.example": true,
		"x@sub.evil.example": false, "other@bad.example": false, "": false, "evil.example": false,
	} {
		if got := cfg.badMailFrom(addr); got != want {
			t.Errorf("badMailFrom(%q) = %v", addr, got)
		}
	}
}
