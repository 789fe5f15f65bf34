package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testcert"
	"github.com/quail-mta/quail/internal/testenv"
)

// TestSwaksTLSAndAuth: swaks, a real SMTP client, takes STARTTLS from
// qmail-smtpd behind tcpserver and authenticates with AUTH PLAIN and
// LOGIN against a checkpassword program; then it may relay, which the
// same client without AUTH may not.
func TestSwaksTLSAndAuth(t *testing.T) {
	swaks := testenv.Tool(t, "swaks")
	if support, _ := exec.Command(swaks, "--support").CombinedOutput(); !strings.Contains(string(support), "=== TLS supported") {
		if os.Getenv("CI") != "" {
			t.Fatalf("swaks without TLS (libnet-ssleay-perl):\n%s", support)
		}
		t.Skip("swaks has no TLS here (install libnet-ssleay-perl)")
	}
	s := newSystem(t, nil)
	testcert.Write(t, filepath.Join(s.home, "control", "servercert.pem"), "e2e.test")
	check := s.write("checkpassword", "#!/bin/sh\n"+
		"[ \"$(tr '\\000' ' ' <&3)\" = 'alice secret  ' ] && exec \"$@\"\nexit 1\n")
	os.Chmod(check, 0o755)
	send := s.authServer(swaks, check, ":allow\n") // nobody relays without AUTH
	if out, err := send(); err == nil || !strings.Contains(out, "553 sorry, that domain isn't in my list of allowed rcpthosts") {
		t.Errorf("relay without AUTH: %v\n%s", err, out)
	}
	if out, err := send("--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret"); err == nil ||
		strings.Contains(out, "AUTH") && strings.Contains(out, "235") {
		t.Errorf("AUTH in clear text was offered: %v\n%s", err, out)
	}
	if out, err := send("--tls", "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "wrong"); err == nil ||
		!strings.Contains(out, "535 authorization failed") {
		t.Errorf("a wrong password: %v\n%s", err, out)
	}
	for _, mechanism := range []string{"PLAIN", "LOGIN"} {
		out, err := send("--tls", "--auth", mechanism, "--auth-user", "alice", "--auth-password", "secret")
		if err != nil || !strings.Contains(out, "220 ready for tls") || !strings.Contains(out, "235 ok, go ahead") {
			t.Errorf("AUTH %s over TLS: %v\n%s", mechanism, err, out)
		}
	}
	messages, _ := filepath.Glob(filepath.Join(s.home, "queue", "mess", "*", "*"))
	if len(messages) != 2 {
		t.Fatalf("%d messages queued, want 2", len(messages))
	}
	for _, m := range messages {
		text, _ := os.ReadFile(m)
		if !strings.Contains(string(text), "(alice@127.0.0.1)\n  by e2e.test with ESMTPS (TLS_") {
			t.Errorf("message without the authenticated, encrypted Received line:\n%s", text)
		}
	}
	todo, _ := filepath.Glob(filepath.Join(s.home, "queue", "todo", "*"))
	for _, f := range todo {
		if env, _ := os.ReadFile(f); !strings.Contains(string(env), "\x00Tfar@elsewhere.test\x00") {
			t.Errorf("envelope %q", env)
		}
	}
}

// TestSwaksSubmissionPort: a submission service as sites set it up with
// the combined patch's variables in the rules (REQUIRE_AUTH, FORCE_TLS):
// swaks gets no further than MAIL without STARTTLS or without AUTH, and
// gets through with both, by PLAIN and, with ALLOW_CRAM, by CRAM-MD5
// against a checkpassword that checks the digest.
func TestSwaksSubmissionPort(t *testing.T) {
	swaks := testenv.Tool(t, "swaks")
	testenv.Tool(t, "python3")
	s := newSystem(t, nil)
	testcert.Write(t, filepath.Join(s.home, "control", "servercert.pem"), "e2e.test")
	// env finds a python3 the system's user may run (root's PATH may
	// start with a pyenv shim under /root).
	check := s.write("checkpassword", "#!/usr/bin/env python3\n"+`import hashlib, hmac, os, sys
data = b""
while chunk := os.read(3, 4096):
    data += chunk
user, password, challenge = data.split(b"\0")[:3]
if challenge:
    good = hmac.new(b"secret", challenge, hashlib.md5).hexdigest().encode() == password
else:
    good = password == b"secret"
if user == b"alice" and good:
    os.execvp(sys.argv[1], sys.argv[1:])
sys.exit(1)
`)
	os.Chmod(check, 0o755)
	send := s.authServer(swaks, check, ":allow,REQUIRE_AUTH=\"1\",FORCE_TLS=\"1\",ALLOW_CRAM=\"1\"\n")
	if out, err := send(); err == nil || !strings.Contains(out, "503 STARTTLS first (#5.5.1)") {
		t.Errorf("without TLS: %v\n%s", err, out)
	}
	if out, err := send("--tls"); err == nil || !strings.Contains(out, "503 AUTH first (#5.5.1)") {
		t.Errorf("without AUTH: %v\n%s", err, out)
	}
	if out, err := send("--tls", "--auth", "CRAM-MD5", "--auth-user", "alice", "--auth-password", "wrong"); err == nil ||
		!strings.Contains(out, "535 authorization failed") {
		t.Errorf("CRAM-MD5 with a wrong password: %v\n%s", err, out)
	}
	for _, mechanism := range []string{"PLAIN", "CRAM-MD5"} {
		out, err := send("--tls", "--auth", mechanism, "--auth-user", "alice", "--auth-password", "secret")
		if err != nil || !strings.Contains(out, "235 ok, go ahead") || !strings.Contains(out, "250 ok ") {
			t.Errorf("AUTH %s over TLS: %v\n%s", mechanism, err, out)
		}
	}
	if messages, _ := filepath.Glob(filepath.Join(s.home, "queue", "mess", "*", "*")); len(messages) != 2 {
		t.Errorf("%d messages queued, want 2", len(messages))
	}
}

// authServer starts tcpserver with the rules given and qmail-smtpd with
// AUTH through check, and returns a function that sends one message
// from alice@e2e.test to far@elsewhere.test with swaks and the extra
// arguments given.
func (s *system) authServer(swaks, check, rulesText string) func(args ...string) (string, error) {
	rules := s.write("tcp.smtp", rulesText)
	s.compileRules(rules)
	s.startServer(s.command("tcpserver", "-1", "-H", "-R", "-l", "e2e.test", "-x", rules+".cdb",
		"127.0.0.1", "0", "qmail-smtpd", "e2e.test", check, "/bin/true"))
	return func(args ...string) (string, error) {
		base := []string{"--server", s.smtp, "--from", "alice@e2e.test", "--to", "far@elsewhere.test",
			"--h-Subject", "submitted", "--body", "through an authenticated session"}
		out, err := exec.Command(swaks, append(base, args...)...).CombinedOutput()
		return string(out), err
	}
}
