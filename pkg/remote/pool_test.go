package remote

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/smtptest"
	"github.com/quail-mta/quail/internal/testcert"
)

func TestPoolReusesConnection(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{Reply: map[string]string{"RCPT TO:<no@example.test>": "550 no"}})
	cfg := routed(t, s, nil)
	cfg.Pool = NewPool(time.Minute)
	defer cfg.Pool.Close()
	wants := []struct{ recip, want string }{
		{"a@example.test", "r\x00K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"},
		{"no@example.test", "h127.0.0.1 does not like recipient.\nRemote host said: 550 no\n\x00DGiving up on 127.0.0.1.\n\x00"},
		{"b@example.test", "r\x00K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"},
	}
	for _, w := range wants {
		if got := deliver(cfg, "example.test", "", []string{w.recip}, "x\n"); got != w.want {
			t.Errorf("%s: got %q\nwant %q", w.recip, got, w.want)
		}
	}
	if n := s.Conns(); n != 1 {
		t.Errorf("%d connections for 3 messages, want 1", n)
	}
	cfg.Pool.Close()
	s.WaitEnd(t)
	cmds := strings.Join(s.Commands(), "|")
	want := "EHLO me.test|MAIL FROM:<>|RCPT TO:<a@example.test>|DATA|RSET|MAIL FROM:<>|RCPT TO:<no@example.test>|RSET|MAIL FROM:<>|RCPT TO:<b@example.test>|DATA|QUIT"
	if cmds != want {
		t.Errorf("commands\n got %s\nwant %s", cmds, want)
	}
}

// TestPoolDeadConnection: a pooled connection the server has closed is
// noticed at RSET and replaced by a new one, invisibly to the delivery.
func TestPoolDeadConnection(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{Reply: map[string]string{"RSET": "DROP"}})
	cfg := routed(t, s, nil)
	cfg.Pool = NewPool(time.Minute)
	defer cfg.Pool.Close()
	for i := 0; i < 2; i++ {
		if got := deliver(cfg, "example.test", "", []string{"a@example.test"}, "x\n"); !strings.HasPrefix(got, "r\x00K127.0.0.1 accepted") {
			t.Fatalf("delivery %d: %q", i, got)
		}
	}
	if n := s.Conns(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestPoolKeepsTLS(t *testing.T) {
	cert, _ := testcert.Server(t, "mx.tls.test")
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	_, dns := testDNS(t, "mx.tls.test. A 127.0.0.1")
	cfg := Config{Control: controlDir(t, map[string]string{"me": "me.test", "smtproutes": fmt.Sprintf(":mx.tls.test:%d", s.Port)}), DNS: dns, IsMe: notMe, Pool: NewPool(time.Minute)}
	defer cfg.Pool.Close()
	for _, domain := range []string{"one.test", "two.test"} {
		if got := deliver(cfg, domain, "", []string{"u@" + domain}, "x\n"); !strings.HasPrefix(got, "r\x00K127.0.0.1 accepted") {
			t.Fatalf("%s: %q", domain, got)
		}
	}
	if used := s.UsedTLS(); s.Conns() != 1 || len(used) != 2 || !used[0] || !used[1] {
		t.Errorf("%d connections, TLS per message %v; want 1 connection, both over TLS", s.Conns(), used)
	}
}

func TestPoolIdleExpiry(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})
	cfg := routed(t, s, nil)
	cfg.Pool = NewPool(time.Millisecond)
	deliver(cfg, "example.test", "", []string{"a@example.test"}, "x\n")
	s.WaitEnd(t) // the idle connection gets its QUIT without any help
	if cmds := s.Commands(); cmds[len(cmds)-1] != "QUIT" {
		t.Errorf("idle connection ended without QUIT: %q", cmds)
	}
}

// TestPoolKeepsLogins: a connection logged in for one route carries that
// route's next message without logging in again, and never a message of
// a route with another login.
func TestPoolKeepsLogins(t *testing.T) {
	cert, _ := testcert.Server(t, "relay.test")
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{TLS: &tls.Config{Certificates: []tls.Certificate{cert}},
		Auth: "PLAIN", Users: map[string]string{"one": "pw1", "two": "pw2"}})
	_, dns := testDNS(t)
	routes := fmt.Sprintf("one.test:[127.0.0.1]:%d one pw1\ntwo.test:[127.0.0.1]:%d two pw2", s.Port, s.Port)
	cfg := Config{Control: controlDir(t, map[string]string{"me": "me.test", "smtproutes": routes}), DNS: dns, IsMe: notMe, Pool: NewPool(time.Minute)}
	defer cfg.Pool.Close()
	for _, domain := range []string{"one.test", "one.test", "two.test"} {
		if got := deliver(cfg, domain, "", []string{"u@" + domain}, "x\n"); !strings.HasPrefix(got, "r\x00K127.0.0.1 accepted") {
			t.Fatalf("%s: %q", domain, got)
		}
	}
	logins := 0
	for _, c := range s.Commands() {
		if strings.HasPrefix(c, "AUTH ") {
			logins++
		}
	}
	if s.Conns() != 2 || logins != 2 {
		t.Errorf("%d connections and %d logins for two routes' three messages, want 2 and 2", s.Conns(), logins)
	}
}
