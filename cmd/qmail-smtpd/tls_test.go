package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
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
	port := underTCPServer(t, h, "127.0.0.1")
	raw, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(20 * time.Second))
	in := bufio.NewReader(raw)
	expect := func(w io.Writer, command, want string) {
		t.Helper()
		if command != "" {
			io.WriteString(w, command)
		}
		var got strings.Builder
		for {
			line, err := in.ReadString('\n')
			got.WriteString(line)
			if err != nil || len(line) < 4 || line[3] != '-' {
				break
			}
		}
		if got.String() != want {
			t.Fatalf("after %q: %q, want %q", command, got.String(), want)
		}
	}
	expect(raw, "", "220 mx.example.com ESMTP\r\n")
	expect(raw, "EHLO c.example\r\n", "250-mx.example.com\r\n250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
	expect(raw, "STARTTLS\r\n", "220 ready for tls\r\n")
	conn := tls.Client(raw, &tls.Config{ServerName: "mx.example.com", InsecureSkipVerify: true})
	if err := conn.Handshake(); err != nil {
		t.Fatal(err)
	}
	in = bufio.NewReader(conn)
	expect(conn, "EHLO c.example\r\n", "250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
	expect(conn, "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n", "250 ok\r\n")
	expect(conn, "", "250 ok\r\n")
	expect(conn, "", "354 go ahead\r\n")
	io.WriteString(conn, "Subject: over TLS\r\n\r\nbody\r\n.\r\n")
	if line, err := in.ReadString('\n'); err != nil || !strings.HasPrefix(line, "250 ok ") {
		t.Fatalf("after the message: %q, %v", line, err)
	}
	expect(conn, "QUIT\r\n", "221 mx.example.com\r\n")
	msg := string(h.captured(t)["queue.message"])
	if !strings.Contains(msg, "(HELO c.example) (127.0.0.1)\n  by mx6.example.com with ESMTPS (TLS_") ||
		!strings.HasSuffix(msg, "Subject: over TLS\n\nbody\n") {
		t.Errorf("queued message %q", msg)
	}
}
