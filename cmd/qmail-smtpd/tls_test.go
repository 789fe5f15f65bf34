package main

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

// TestStartTLSUnderTCPServer: with control/servercert.pem, qmail-smtpd
// behind quail's tcpserver offers STARTTLS, encrypts descriptors 0 and 1,
// and queues the message with an ESMTPS Received line.
func TestStartTLSUnderTCPServer(t *testing.T) {
	h := newHome(t, baseControl)
	testcert.Write(t, filepath.Join(h.dir, "control", "servercert.pem"), "mx.example.com")
	c := dialClient(t, underTCPServer(t, h, "127.0.0.1"))
	c.expect(c.conn, "", "220 mx.example.com ESMTP\r\n")
	c.expect(c.conn, "EHLO c.example\r\n", "250-mx.example.com\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
	c.expect(c.conn, "STARTTLS\r\n", "220 ready for tls\r\n")
	conn := c.encrypt(&tls.Config{ServerName: "mx.example.com", InsecureSkipVerify: true})
	c.expect(conn, "EHLO c.example\r\n", "250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
	c.expect(conn, "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n", "250 ok\r\n")
	c.expect(conn, "", "250 ok\r\n")
	c.expect(conn, "", "354 go ahead\r\n")
	io.WriteString(conn, "Subject: over TLS\r\n\r\nbody\r\n.\r\n")
	if line, err := c.in.ReadString('\n'); err != nil || !strings.HasPrefix(line, "250 ok ") {
		t.Fatalf("after the message: %q, %v", line, err)
	}
	c.expect(conn, "QUIT\r\n", "221 mx.example.com\r\n")
	msg := string(h.captured(t)["queue.message"])
	if !strings.Contains(msg, "(HELO c.example) (127.0.0.1)\n  by mx6.example.com with ESMTPS (TLS_") ||
		!strings.HasSuffix(msg, "Subject: over TLS\n\nbody\n") {
		t.Errorf("queued message %q", msg)
	}
}

// TestRelayByCertUnderTCPServer: with control/clientca.pem and
// control/tlsclients, a client whose certificate names a listed address
// relays over STARTTLS, and the queue program finds RELAYCLIENT set, as
// the patch tells qmail-queue.
func TestRelayByCertUnderTCPServer(t *testing.T) {
	h := newHome(t, baseControl)
	h.recordQueueEnv(t)
	control := filepath.Join(h.dir, "control")
	testcert.Write(t, filepath.Join(control, "servercert.pem"), "mx.example.com")
	ca := testcert.NewCA(t, "Client CA")
	os.WriteFile(filepath.Join(control, "clientca.pem"), ca.PEM(), 0o644)
	os.WriteFile(filepath.Join(control, "tlsclients"), []byte("relay@client.example\n"), 0o644)
	cert := ca.Client(t, "client", "relay@client.example", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	c := dialClient(t, underTCPServer(t, h, "127.0.0.1"))
	c.expect(c.conn, "", "220 mx.example.com ESMTP\r\n")
	c.expect(c.conn, "STARTTLS\r\n", "220 ready for tls\r\n")
	conn := c.encrypt(&tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}})
	c.expect(conn, "MAIL FROM:<relay@client.example>\r\n", "250 ok\r\n")
	c.expect(conn, "RCPT TO:<far@elsewhere.test>\r\n", "250 ok\r\n")
	c.expect(conn, "DATA\r\n", "354 go ahead\r\n")
	io.WriteString(conn, "Subject: relayed\r\n\r\nbody\r\n.\r\n")
	if line, err := c.in.ReadString('\n'); err != nil || !strings.HasPrefix(line, "250 ok ") {
		t.Fatalf("after the message: %q, %v", line, err)
	}
	c.expect(conn, "QUIT\r\n", "221 mx.example.com\r\n")
	captured := h.captured(t)
	if msg := string(captured["queue.message"]); !strings.Contains(msg, " encrypted)\n  (cert relay@client.example); ") {
		t.Errorf("queued message %q", msg)
	}
	if env := "\n" + string(captured["env"]); !strings.Contains(env, "\nRELAYCLIENT=\n") {
		t.Errorf("the queue program's environment lacks RELAYCLIENT:%s", env)
	}
}

// client is an SMTP client of a test.
type client struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Reader
}

func dialClient(t *testing.T, port string) *client {
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, conn: conn, in: bufio.NewReader(conn)}
}

// expect sends command (if any) on w and checks the whole reply.
func (c *client) expect(w io.Writer, command, want string) {
	c.t.Helper()
	if command != "" {
		io.WriteString(w, command)
	}
	var got strings.Builder
	for {
		line, err := c.in.ReadString('\n')
		got.WriteString(line)
		if err != nil || len(line) < 4 || line[3] != '-' {
			break
		}
	}
	if got.String() != want {
		c.t.Fatalf("after %q: %q, want %q", command, got.String(), want)
	}
}

// encrypt makes the client's side of the TLS handshake.
func (c *client) encrypt(config *tls.Config) *tls.Conn {
	c.t.Helper()
	conn := tls.Client(c.conn, config)
	if err := conn.Handshake(); err != nil {
		c.t.Fatal(err)
	}
	c.in = bufio.NewReader(conn)
	return conn
}
