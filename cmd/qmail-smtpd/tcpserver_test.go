package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// underTCPServer runs quail's tcpserver on host with qmail-smtpd as the
// program, as an administrator would, and returns the port.
func underTCPServer(t *testing.T, h *home, host string) string {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "tcpserver"), "-1", "-H", "-R", "-l", "mx6.example.com",
		host, "0", testenv.Bin(t, "qmail-smtpd"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "QMAILHOME=" + h.dir,
		"QMAILQUEUE=" + h.queue, "CAPTURE_DIR=" + h.capture}
	port, _ := testenv.StartServer(t, cmd)
	return port
}

func dialV6(t *testing.T) (*home, net.Conn) {
	t.Helper()
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		ln.Close()
	}
	h := newHome(t, baseControl)
	port := underTCPServer(t, h, "::1")
	conn, err := net.Dial("tcp6", "[::1]:"+port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return h, conn
}

// TestIPv6ClientReceivedLine: an IPv6 client through tcpserver gets a
// Received line with its address as tcpserver sets TCPREMOTEIP, no
// remote host (-H) or ident (-R), and TCPLOCALHOST from -l.
func TestIPv6ClientReceivedLine(t *testing.T) {
	h, conn := dialV6(t)
	io.WriteString(conn, "HELO client.v6.example\r\nMAIL FROM:<a@example.net>\r\n"+
		"RCPT TO:<u@example.com>\r\nDATA\r\nSubject: v6\r\n\r\nbody\r\n.\r\nQUIT\r\n")
	transcript, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	if want := "220 mx.example.com ESMTP\r\n250 mx.example.com\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n" +
		"250 ok TIME qp PID\r\n221 mx.example.com\r\n"; string(normalize(transcript)) != want {
		t.Fatalf("transcript %q", transcript)
	}
	want := "Received: from unknown (HELO client.v6.example) (::1)\n  by mx6.example.com with SMTP; DATE\n" +
		"Subject: v6\n\nbody\n"
	if got := normalize(h.captured(t)["queue.message"]); string(got) != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

// TestTimeoutOnSocket: a silent client on a real socket gets the timeout
// reply and the connection is closed.
func TestTimeoutOnSocket(t *testing.T) {
	h := newHome(t, baseControl)
	os.WriteFile(h.dir+"/control/timeoutsmtpd", []byte("1\n"), 0o644)
	port := underTCPServer(t, h, "127.0.0.1")
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	if want := "220 mx.example.com ESMTP\r\n451 timeout (#4.4.2)\r\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
