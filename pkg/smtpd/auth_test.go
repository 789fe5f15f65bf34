package smtpd

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkpassword writes a stand-in checkpassword program that accepts
// alice with "secret" (and runs its subprogram), saves what it read on
// descriptor 3 into got, and crashes for the user "crash".
func checkpassword(t *testing.T) (command []string, got string) {
	t.Helper()
	dir := t.TempDir()
	got = filepath.Join(dir, "got")
	script := "#!/bin/sh\n" +
		"tr '\\000' '\\n' <&3 > " + got + "\n" +
		"user=$(sed -n 1p " + got + "); pass=$(sed -n 2p " + got + ")\n" +
		"[ \"$user\" = crash ] && kill -9 $$\n" +
		"[ \"$user\" = alice ] && [ \"$pass\" = secret ] && exec \"$@\"\n" +
		"exit 1\n"
	path := filepath.Join(dir, "checkpassword")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{path, "true"}, got
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

const ehloAuth = "250-mx.example.com\r\n250-AUTH LOGIN PLAIN\r\n250-AUTH=LOGIN PLAIN\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

func TestAuthNotOffered(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	c := startSession(t, cfg) // no checkpassword: no AUTH, as qmail-smtpd
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", ehloPlain)
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret")+"\r\n", "502 unimplemented (#5.5.1)\r\n")

	cfg.Checkpassword, _ = checkpassword(t)
	c = startSession(t, cfg) // a checkpassword, but no TLS: no passwords in clear text
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", ehloPlain)
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret")+"\r\n", "503 auth not available (#5.3.3)\r\n")
}

func TestAuthPlainAllowsRelaying(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	var got string
	cfg.Checkpassword, got = checkpassword(t)
	cfg.InsecureAuth = true
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", ehloAuth)
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("RCPT TO:<far@elsewhere.example>\r\n", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n")
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret")+"\r\n", "503 no auth during mail transaction (#5.5.0)\r\n")
	c.expect("RSET\r\n", "250 flushed\r\n")
	c.expect("AUTH PLAIN "+b64("admin\x00alice\x00secret")+"\r\n", "235 ok, go ahead (#2.0.0)\r\n")
	if data, _ := os.ReadFile(got); string(data) != "alice\nsecret\n\n" {
		t.Errorf("checkpassword read %q on descriptor 3", data)
	}
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret")+"\r\n", "503 you're already authenticated (#5.5.0)\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("RCPT TO:<far@elsewhere.example>\r\n", "250 ok\r\n")
	c.expect("DATA\r\n", "354 go ahead\r\n")
	c.expect("Subject: relayed\r\n\r\nbody\r\n.\r\n", "250 ok 1795600000 qp 4242\r\n")
	c.expect("QUIT\r\n", "221 mx.example.com\r\n")
	<-c.exit
	if len(queues) != 1 || queues[0].to[0] != "far@elsewhere.example" ||
		!strings.HasPrefix(queues[0].msg.String(), "Received: from client.example.net (HELO x) (alice@127.0.0.1)\n") {
		t.Errorf("queued %d messages; first %+v", len(queues), queues)
	}
}

func TestAuthLoginAndErrors(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.Checkpassword, _ = checkpassword(t)
	cfg.InsecureAuth = true
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("AUTH CRAM-MD5\r\n", "504 auth type unimplemented (#5.5.1)\r\n")
	c.expect("AUTH PLAIN !!!\r\n", "501 malformed auth input (#5.5.4)\r\n")
	c.expect("AUTH PLAIN "+b64("alice")+"\r\n", "501 malformed auth input (#5.5.4)\r\n")
	c.expect("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n")
	c.expect("*\r\n", "501 auth exchange cancelled (#5.0.0)\r\n")
	c.expect("AUTH PLAIN "+b64("\x00crash\x00x")+"\r\n", "454 problem with child and I can't auth (#4.3.0)\r\n")
	c.expect("auth login "+b64("alice")+"\r\n", "334 UGFzc3dvcmQ6\r\n")
	c.expect(b64("wrong")+"\r\n", "535 authorization failed (#5.7.0)\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("RCPT TO:<far@elsewhere.example>\r\n", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n")
	c.expect("RSET\r\n", "250 flushed\r\n")
	c.expect("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n")
	c.expect(b64("alice")+"\r\n", "334 UGFzc3dvcmQ6\r\n")
	c.expect(b64("secret")+"\r\n", "235 ok, go ahead (#2.0.0)\r\n")
}

// TestAuthOverTLS: without ALLOW_INSECURE_AUTH, AUTH comes with TLS.
func TestAuthOverTLS(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.Checkpassword, _ = checkpassword(t)
	cfg.ServerCert = writeServerCert(t)
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", ehloTLS)
	c.expect("STARTTLS\r\n", "220 ready for tls\r\n")
	c.encrypt()
	c.expect("EHLO x\r\n", ehloAuth)
	c.expect("AUTH PLAIN "+b64("\x00alice\x00secret")+"\r\n", "235 ok, go ahead (#2.0.0)\r\n")
}

// TestAuthCramMD5: with ALLOW_CRAM, CRAM-MD5 is offered even without TLS
// and checkpassword gets the user, the client's digest and the challenge.
func TestAuthCramMD5(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	dir := t.TempDir()
	got := filepath.Join(dir, "got")
	script := "#!/bin/sh\ntr '\\000' '\\n' <&3 > " + got + "\n[ \"$(sed -n 1p " + got + ")\" = alice ] && exec \"$@\"\nexit 1\n"
	path := filepath.Join(dir, "checkpassword")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg.Checkpassword, cfg.AuthHost, cfg.AllowCram, cfg.PID = []string{path, "true"}, "mx.example.com", true, 321
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", "250-mx.example.com\r\n250-AUTH CRAM-MD5\r\n250-AUTH=CRAM-MD5\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
	c.expect("AUTH LOGIN\r\n", "504 auth type unimplemented (#5.5.1)\r\n")
	c.send("AUTH CRAM-MD5\r\n")
	prompt := c.reply()
	challenge, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(prompt, "334 "), "\r\n"))
	if want := "<321.1795600000@mx.example.com>"; err != nil || string(challenge) != want {
		t.Fatalf("challenge %q (%q), want %q", challenge, prompt, want)
	}
	mac := hmac.New(md5.New, []byte("secret"))
	mac.Write(challenge)
	digest := hex.EncodeToString(mac.Sum(nil))
	c.expect(b64("alice "+digest)+"\r\n", "235 ok, go ahead (#2.0.0)\r\n")
	if data, _ := os.ReadFile(got); string(data) != "alice\n"+digest+"\n"+string(challenge)+"\n" {
		t.Errorf("checkpassword read %q", data)
	}
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("RCPT TO:<far@elsewhere.example>\r\n", "250 ok\r\n")
	c.expect("RSET\r\n", "250 flushed\r\n")
	c.expect("AUTH CRAM-MD5\r\n", "503 you're already authenticated (#5.5.0)\r\n")

	cfg.InsecureAuth = true // and with passwords allowed, all three
	c = startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", "250-mx.example.com\r\n250-AUTH LOGIN CRAM-MD5 PLAIN\r\n250-AUTH=LOGIN CRAM-MD5 PLAIN\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
	c.send("AUTH CRAM-MD5\r\n")
	c.reply()
	c.expect(b64("alice")+"\r\n", "501 malformed auth input (#5.5.4)\r\n")
}
