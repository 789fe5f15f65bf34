package splogger

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMessages(t *testing.T) {
	now := time.Unix(1764034412, 123456789)
	long := strings.Repeat("x", 799) + "yz"
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"status: local 0/10", []string{"1764034412.123456 status: local 0/10"}},
		{"bad\x01byte\xff", []string{"1764034412.123456 bad?byte?"}},
		{long, []string{"1764034412.123456 " + strings.Repeat("x", 799), "1764034412.123456+yz"}},
	} {
		got := Messages(tc.in, now)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Messages(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for line, want := range map[string]int{"alert: x": Alert, "warning: y": Warning, "info msg": Info, " alert: z": Info} {
		if got := Priority(line); got != want {
			t.Errorf("Priority(%q) = %d, want %d", line, got, want)
		}
	}
}

func TestRunSendsToSyslogSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	srv, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	l, err := Dial(path, "qmail", LogMail)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 5, 1, 2, 3, 4000, time.Local) }
	if err := Run(strings.NewReader("warning: trouble\n\nnew msg 123\n"), l, now); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	var got []string
	srv.SetReadDeadline(time.Now().Add(2 * time.Second))
	for len(got) < 2 {
		n, err := srv.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	stamp := now()
	want := []string{
		"<20>Nov  5 01:02:03 qmail: " + Messages("x", stamp)[0][:len("1762304523.000004")] + " warning: trouble",
		"<22>Nov  5 01:02:03 qmail: " + Messages("x", stamp)[0][:len("1762304523.000004")] + " new msg 123",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
