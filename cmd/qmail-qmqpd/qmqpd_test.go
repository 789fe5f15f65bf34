package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/quail-mta/quail/internal/qqtest"
	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/netstring"
)

// hub is qmail-qmqpd behind tcpserver, queueing into a capture.
type hub struct {
	capture *qqtest.Capture
	server  *qqtest.Server
}

func startHub(t *testing.T) *hub {
	t.Helper()
	capture := qqtest.NewCapture(t)
	home := t.TempDir()
	env := []string{"QMAILQUEUE=" + capture.Script, "QMAILHOME=" + home}
	server := qqtest.StartServer(t, env, []string{"-l", "hub.example", "-H", "-R"}, testenv.Bin(t, "qmail-qmqpd"))
	return &hub{capture: capture, server: server}
}

// frontEnd is a qmail home whose control/qmqpservers lists servers.
func frontEnd(t *testing.T, servers ...string) string {
	t.Helper()
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, "control"), 0o755)
	text := strings.Join(servers, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(home, "control", "qmqpservers"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return home
}

// qmqpc runs qmail-qmqpc with message on descriptor 0 and envelope on
// descriptor 1 and returns its exit code.
func qmqpc(t *testing.T, home, message, envelope string) int {
	t.Helper()
	envR, envW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testenv.Bin(t, "qmail-qmqpc"))
	cmd.Env = []string{"QMAILHOME=" + home}
	cmd.Stdin = strings.NewReader(message)
	cmd.Stdout = envR
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	envR.Close()
	go func() { io.WriteString(envW, envelope); envW.Close() }()
	err = cmd.Wait()
	if stderr.Len() > 0 {
		t.Errorf("qmail-qmqpc printed %q; the original prints nothing", stderr.String())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

var receivedLine = regexp.MustCompile(`^Received: from unknown \(127\.0\.0\.1\)\n  by hub\.example with QMQP; [1-9][0-9]? [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} -0000\n`)

// checkArrived checks a captured message: qmail-qmqpd's Received line,
// then the message byte for byte.
func checkArrived(t *testing.T, got qqtest.Message, message, envelope string) {
	t.Helper()
	loc := receivedLine.FindStringIndex(got.Data)
	if loc == nil {
		t.Fatalf("no Received line in %q", got.Data)
	}
	if got.Data[loc[1]:] != message {
		t.Fatalf("message arrived as %q, want %q", got.Data[loc[1]:], message)
	}
	if got.Envelope != envelope {
		t.Fatalf("envelope %q, want %q", got.Envelope, envelope)
	}
}

// A message whose bytes QMQP must not touch: CRLF, a bare CR, NUL, a
// line of dots, 8-bit text, no final newline, netstring punctuation.
var oddMessage = "Subject: odd\r\nFrom: <a@front>\n\n.\n..\r\x00\xff\xfe 12:x, 3:abc,,\nlast line without newline"

func TestQMQPByteExact(t *testing.T) {
	h := startHub(t)
	home := frontEnd(t, h.server.Addr())
	envelope := "Fa@front\x00Tb@hub\x00Tc@elsewhere\x00\x00"
	if code := qmqpc(t, home, oddMessage, envelope); code != 0 {
		t.Fatalf("qmail-qmqpc exit %d", code)
	}
	msgs := h.capture.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages queued", len(msgs))
	}
	checkArrived(t, msgs[0], oddMessage, envelope)
}

func TestQMQPLargeMessage(t *testing.T) {
	h := startHub(t)
	home := frontEnd(t, h.server.Addr())
	var b strings.Builder
	for i := 0; b.Len() < 3<<20; i++ {
		fmt.Fprintf(&b, "line %d of a long message\n", i)
	}
	envelope := "F\x00Tb@hub\x00\x00"
	if code := qmqpc(t, home, b.String(), envelope); code != 0 {
		t.Fatalf("qmail-qmqpc exit %d", code)
	}
	msgs := h.capture.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages queued", len(msgs))
	}
	checkArrived(t, msgs[0], b.String(), envelope)
}

// TestTwoFrontEnds has two front ends, each a qmail home of its own and
// one of them listing a dead server first, send to one hub at once.
func TestTwoFrontEnds(t *testing.T) {
	h := startHub(t)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	homes := []string{frontEnd(t, h.server.Addr()), frontEnd(t, "# a comment", deadAddr, h.server.Addr())}
	const perFrontEnd = 5
	var wg sync.WaitGroup
	codes := make(chan int, 2*perFrontEnd)
	for f, home := range homes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perFrontEnd {
				msg := fmt.Sprintf("Subject: front %d message %d\n\nbody\n", f, i)
				codes <- qmqpc(t, home, msg, fmt.Sprintf("Fuser@front%d\x00Tbox@hub\x00\x00", f))
			}
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 0 {
			t.Errorf("qmail-qmqpc exit %d", code)
		}
	}
	msgs := h.capture.Messages(t)
	if len(msgs) != 2*perFrontEnd {
		t.Fatalf("%d messages queued, want %d", len(msgs), 2*perFrontEnd)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		loc := receivedLine.FindStringIndex(m.Data)
		if loc == nil {
			t.Fatalf("no Received line in %q", m.Data)
		}
		seen[m.Data[loc[1]:]+"|"+m.Envelope] = true
	}
	for f := range homes {
		for i := range perFrontEnd {
			key := fmt.Sprintf("Subject: front %d message %d\n\nbody\n|Fuser@front%d\x00Tbox@hub\x00\x00", f, i, f)
			if !seen[key] {
				t.Errorf("front end %d message %d missing", f, i)
			}
		}
	}
}

// exchange sends raw bytes to the hub and returns all it answers.
func exchange(t *testing.T, addr, request string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(conn)
	return string(reply)
}

func ns(s string) string { return string(netstring.Encode([]byte(s))) }

func TestProtocolAnswers(t *testing.T) {
	h := startHub(t)
	ok := regexp.MustCompile(`^[0-9]+:Kok [0-9]+ qp [0-9]+,$`)
	if got := exchange(t, h.server.Addr(), ns(ns("x\n")+ns("a@b")+ns("c@d"))); !ok.MatchString(got) {
		t.Errorf("good request answered %q", got)
	}
	tests := []struct{ name, request, reply string }{
		{"long sender", ns(ns("x\n") + ns(strings.Repeat("s", 1000)) + ns("c@d")),
			"51:Dsorry, I can't accept addresses like that (#5.1.3),"},
		{"NUL in recipient", ns(ns("x\n") + ns("a@b") + ns("c\x00@d")),
			"51:Dsorry, I can't accept addresses like that (#5.1.3),"},
		// Protocol violations: qmail-qmqpd exits 100 without a word.
		{"bad comma", "12:1:x;3:a@b,,", ""},
		{"past the declared length", "5:9:xxxxxxxxx,3:a@b,,", ""},
		{"garbage", "HELO there\r\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := exchange(t, h.server.Addr(), tc.request); got != tc.reply {
				t.Errorf("answered %q, want %q", got, tc.reply)
			}
		})
	}
	h.capture.SetExit(t, "53")
	if got, want := exchange(t, h.server.Addr(), ns(ns("x\n")+ns("a@b")+ns("c@d"))), ns("Zqq write error or disk full (#4.3.0)"); got != want {
		t.Errorf("with qmail-queue failing: %q, want %q", got, want)
	}
	h.capture.SetExit(t, "31")
	if got, want := exchange(t, h.server.Addr(), ns(ns("x\n")+ns("a@b")+ns("c@d"))), ns("Dmail server permanently rejected message (#5.3.0)"); got != want {
		t.Errorf("with qmail-queue rejecting: %q, want %q", got, want)
	}
	if n := len(h.capture.Messages(t)); n != 1 {
		t.Errorf("%d messages queued, want 1", n)
	}
}

// TestExitCodes runs qmail-qmqpd directly to see its exit codes.
func TestExitCodes(t *testing.T) {
	capture := qqtest.NewCapture(t)
	tests := []struct {
		name, in string
		code     int
	}{
		{"bad comma", "12:1:x;3:a@b,,", 100},
		{"hangup", "100:50:abc", 0},
		{"nothing", "", 0},
		{"huge length", "99999999999:", 111},
	}
	for _, tc := range tests {
		cmd := exec.Command(testenv.Bin(t, "qmail-qmqpd"))
		cmd.Env = []string{"QMAILQUEUE=" + capture.Script, "QMAILHOME=" + t.TempDir()}
		cmd.Stdin = strings.NewReader(tc.in)
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d", tc.name, code, tc.code)
		}
	}
}
