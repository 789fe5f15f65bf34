package smtpd

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testcert"
)

// writeServerCert writes a control/servercert.pem.
func writeServerCert(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "servercert.pem")
	testcert.Write(t, path, "mx.example.com")
	return path
}

// tlsClient is the client end of a session served over net.Pipe.
type tlsClient struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Reader
	exit chan int
}

func startSession(t *testing.T, cfg *Config) *tlsClient {
	server, client := net.Pipe()
	c := &tlsClient{t: t, conn: client, in: bufio.NewReader(client), exit: make(chan int, 1)}
	go func() {
		c.exit <- Serve(cfg, server, server)
		server.Close()
	}()
	t.Cleanup(func() { client.Close() })
	client.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func (c *tlsClient) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, line); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// reply reads one reply, all its lines.
func (c *tlsClient) reply() string {
	c.t.Helper()
	var all strings.Builder
	for {
		line, err := c.in.ReadString('\n')
		all.WriteString(line)
		if err != nil {
			c.t.Fatalf("reading a reply: %v (so far %q)", err, all.String())
		}
		if len(line) < 4 || line[3] != '-' {
			return all.String()
		}
	}
}

func (c *tlsClient) expect(command, want string) {
	c.t.Helper()
	if command != "" {
		c.send(command)
	}
	if got := c.reply(); got != want {
		c.t.Fatalf("after %q: %q, want %q", command, got, want)
	}
}

// encrypt makes the client's side of the handshake.
func (c *tlsClient) encrypt() {
	c.t.Helper()
	conn := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	if err := conn.Handshake(); err != nil {
		c.t.Fatalf("client handshake: %v", err)
	}
	c.conn, c.in = conn, bufio.NewReader(conn)
}

const ehloPlain = "250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
const ehloTLS = "250-mx.example.com\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

func TestStartTLS(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.ServerCert = writeServerCert(t)
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO before.example\r\n", ehloTLS)
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("STARTTLS\r\n", "220 ready for tls\r\n")
	c.encrypt()
	// RFC 3207: the MAIL before STARTTLS is forgotten
	c.expect("RCPT TO:<u@example.com>\r\n", "503 MAIL first (#5.5.1)\r\n")
	c.expect("EHLO after.example\r\n", ehloPlain)
	c.expect("STARTTLS\r\n", "502 unimplemented (#5.5.1)\r\n")
	c.expect("MAIL FROM:<a@example.net>\r\n", "250 ok\r\n")
	c.expect("RCPT TO:<u@example.com>\r\n", "250 ok\r\n")
	c.expect("DATA\r\n", "354 go ahead\r\n")
	c.expect("Subject: secret\r\n\r\nbody\r\n.\r\n", "250 ok 1795600000 qp 4242\r\n")
	c.expect("QUIT\r\n", "221 mx.example.com\r\n")
	if code := <-c.exit; code != 0 {
		t.Errorf("exit %d", code)
	}
	if len(queues) != 1 {
		t.Fatalf("%d messages queued", len(queues))
	}
	msg := queues[0].msg.String()
	if !strings.Contains(msg, "(HELO after.example)") || !strings.Contains(msg, "with ESMTPS (TLS_") ||
		!strings.Contains(msg, " encrypted); ") || !strings.HasSuffix(msg, "Subject: secret\n\nbody\n") {
		t.Errorf("message:\n%s", msg)
	}
}

// TestStartTLSDropsPlaintext: commands sent behind STARTTLS before the
// handshake are not run inside the encrypted session (CVE-2011-0411).
func TestStartTLSDropsPlaintext(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.ServerCert = writeServerCert(t)
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example.net>\r\n", "220 ready for tls\r\n")
	c.encrypt()
	c.expect("NOOP\r\n", "250 ok\r\n")
	c.expect("RCPT TO:<u@example.com>\r\n", "503 MAIL first (#5.5.1)\r\n")
}

func TestStartTLSRefusals(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	c := startSession(t, cfg) // no certificate: the plain qmail-smtpd
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", ehloPlain)
	c.expect("STARTTLS\r\n", "502 unimplemented (#5.5.1)\r\n")

	cfg.ServerCert = writeServerCert(t)
	c = startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("STARTTLS now\r\n", "501 Syntax error (no parameters allowed) (#5.5.4)\r\n")

	os.WriteFile(cfg.ServerCert, []byte("not a certificate\n"), 0o600)
	c = startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.send("STARTTLS\r\n")
	if got := c.reply(); !strings.HasPrefix(got, "454 TLS missing certificate: ") || !strings.HasSuffix(got, " (#4.3.0)\r\n") {
		t.Errorf("with a broken certificate file: %q", got)
	}
	c.expect("NOOP\r\n", "250 ok\r\n") // the session goes on in clear text
}

// TestStartTLSFailedHandshake: a client that speaks no TLS after "220
// ready" ends the session.
func TestStartTLSFailedHandshake(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.ServerCert = writeServerCert(t)
	c := startSession(t, cfg)
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("STARTTLS\r\n", "220 ready for tls\r\n")
	c.send("HELO not-tls\r\n")
	rest, _ := io.ReadAll(c.in)
	if !strings.HasPrefix(string(rest), "454 TLS connection failed: ") {
		t.Errorf("after a failed handshake: %q", rest)
	}
	if code := <-c.exit; code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}

func TestSMTPS(t *testing.T) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.ServerCert = writeServerCert(t)
	cfg.SMTPS = true
	c := startSession(t, cfg)
	c.encrypt()
	c.expect("", "220 mx.example.com ESMTP\r\n")
	c.expect("EHLO x\r\n", ehloPlain)
	c.expect("QUIT\r\n", "221 mx.example.com\r\n")
	if code := <-c.exit; code != 0 {
		t.Errorf("exit %d", code)
	}
}
