package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// startServer runs quail's tcpserver with rblsmtpd in front of a stand-in
// SMTP server and returns its address.
func startServer(t *testing.T, dns string, lists ...string) string {
	t.Helper()
	args := append([]string{"-1", "-RHl0", "127.0.0.1", "0", testenv.Bin(t, "rblsmtpd")}, lists...)
	args = append(args, "sh", "-c", `echo "220 real smtpd"`)
	cmd := exec.Command(testenv.Bin(t, "tcpserver"), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DNSCACHEIP=" + dns}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return "127.0.0.1:" + strings.TrimSpace(port)
}

// TestUnderTcpserver: the usual set-up, tcpserver running rblsmtpd
// running the SMTP server, for a listed and an unlisted client.
func TestUnderTcpserver(t *testing.T) {
	dns := dnstest.Start(t, `1.0.0.127.bl.test. TXT "you are listed"`)
	for _, c := range []struct {
		list, want string
	}{
		{"bl.test", "220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n451 you are listed\r\n221 rblsmtpd.local\r\n"},
		{"other.test", "220 real smtpd\n"},
	} {
		addr := startServer(t, dns.Addr, "-r", c.list)
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		fmt.Fprint(conn, "HELO x\r\nRCPT TO:<a@b>\r\nQUIT\r\n")
		var got strings.Builder
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			got.WriteString(line)
			if err != nil {
				break
			}
		}
		conn.Close()
		if got.String() != c.want {
			t.Errorf("-r %s: got %q, want %q", c.list, got.String(), c.want)
		}
	}
}

// TestTimeoutAsOriginal: a client that says nothing gets the greeting and
// is dropped after -t seconds, exit 0.
func TestTimeoutAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp-ipv6", "rblsmtpd")
	bin := testenv.Bin(t, "rblsmtpd")
	for _, prog := range []string{ref, bin} {
		cmd := exec.Command(prog, "-t", "1", "true")
		cmd.Env = []string{"RBLSMTPD=-no", "TCPREMOTEIP=10.1.2.3"}
		stdin, err := cmd.StdinPipe() // never written to nor closed until the end
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		out, err := cmd.Output()
		if err != nil || string(out) != "220 rblsmtpd.local\r\n" {
			t.Errorf("%s: %v, %q", prog, err, out)
		}
	}
}
