package remote

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/smtptest"
	"github.com/quail-mta/quail/internal/testcert"
)

func TestRouteLogin(t *testing.T) {
	routes := ParseRoutes([]string{
		"isp.test:smtp.isp.test:587 me@isp.test pass word",
		"clear.test:[192.0.2.1] -me secret",
		"mx.test::587 me secret",
		"half.test:relay.test:25 me",
	})
	for host, want := range map[string]Route{
		"isp.test":   {Relay: "smtp.isp.test", Port: 587, Found: true, Login: Login{User: "me@isp.test", Password: "pass word"}},
		"clear.test": {Relay: "[192.0.2.1]", Found: true, Login: Login{User: "me", Password: "secret", InClear: true}},
		"mx.test":    {Port: 587, Login: Login{User: "me", Password: "secret"}},
		"half.test":  {Relay: "relay.test", Port: 25, Found: true},
	} {
		if got := routes.Lookup(host); got != want {
			t.Errorf("Lookup(%q) = %+v, want %+v", host, got, want)
		}
	}
}

func TestEHLOParams(t *testing.T) {
	r := Reply{Code: 250, Text: "250-mx.test\n250-AUTH PLAIN LOGIN\n250-AUTH=LOGIN\n250 SIZE\n"}
	if got := r.Params("auth"); !slices.Equal(got, []string{"PLAIN", "LOGIN"}) {
		t.Errorf("AUTH params %q", got)
	}
	if got := (Reply{Code: 250, Text: "250-mx.test\n250 AUTH=LOGIN CRAM-MD5\n"}).Params("AUTH"); !slices.Equal(got, []string{"LOGIN", "CRAM-MD5"}) {
		t.Errorf("AUTH= params %q", got)
	}
	if got := r.Params("STARTTLS"); got != nil {
		t.Errorf("STARTTLS params %q, want nil", got)
	}
}

// TestAuth delivers through a relay that smtproutes gives a login for.
func TestAuth(t *testing.T) {
	cert, _ := testcert.Server(t, "relay.test")
	secret := "s3cret pass"
	plain := "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00me@isp.test\x00"+secret))
	tests := []struct {
		name     string
		tls      bool
		auth     string // mechanisms offered
		user     string // in smtproutes
		password string
		want     string // report prefix
		commands []string
	}{
		{"PLAIN over TLS", true, "PLAIN LOGIN", "me@isp.test", secret, "r\x00K127.0.0.1 accepted message.", []string{"STARTTLS", plain, "MAIL FROM:<>"}},
		{"LOGIN over TLS", true, "LOGIN", "me@isp.test", secret, "r\x00K127.0.0.1 accepted message.",
			[]string{"AUTH LOGIN", base64.StdEncoding.EncodeToString([]byte("me@isp.test")), base64.StdEncoding.EncodeToString([]byte(secret)), "MAIL FROM:<>"}},
		{"wrong password", true, "PLAIN", "me@isp.test", "guess",
			"ZConnected to 127.0.0.1 but authentication was rejected (AUTH PLAIN).\nRemote host said: 535 authentication failed\n\x00", nil},
		{"no TLS offered", false, "PLAIN", "me@isp.test", secret,
			"ZConnected to 127.0.0.1 but it offers no TLS to send my AUTH password over.\n\x00", nil},
		{"clear text allowed", false, "PLAIN", "-me@isp.test", secret, "r\x00K127.0.0.1 accepted message.", []string{plain, "MAIL FROM:<>"}},
		{"no AUTH offered", true, "", "me@isp.test", secret,
			"ZConnected to 127.0.0.1 but it offers neither AUTH PLAIN nor AUTH LOGIN.\n\x00", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &smtptest.Server{Auth: tt.auth, Users: map[string]string{"me@isp.test": secret}}
			if tt.tls {
				s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			}
			smtptest.Start(t, "tcp", "127.0.0.1:0", s)
			_, dns := testDNS(t)
			route := fmt.Sprintf("example.test:[127.0.0.1]:%d %s %s", s.Port, tt.user, tt.password)
			cfg := Config{Control: controlDir(t, map[string]string{"me": "me.test", "smtproutes": route}), DNS: dns, IsMe: notMe}
			got := deliver(cfg, "example.test", "", []string{"x@example.test"}, "x\n")
			if !strings.HasPrefix(got, tt.want) {
				t.Fatalf("report %q, want prefix %q", got, tt.want)
			}
			s.WaitEnd(t)
			commands := s.Commands()
			if tt.commands != nil && !inOrder(commands, tt.commands) {
				t.Errorf("commands %q lack %q in that order", commands, tt.commands)
			}
			for _, c := range commands {
				if strings.Contains(c, secret) || !tt.tls && !strings.HasPrefix(tt.user, "-") && strings.HasPrefix(c, "AUTH") {
					t.Errorf("the password went out as %q", c)
				}
			}
		})
	}
}

// inOrder says whether want is a subsequence of got.
func inOrder(got, want []string) bool {
	for _, g := range got {
		if len(want) > 0 && g == want[0] {
			want = want[1:]
		}
	}
	return len(want) == 0
}
