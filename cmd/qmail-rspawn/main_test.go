package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/smtptest"
	"github.com/quail-mta/quail/internal/spawntest"
	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/tcpto"
)

// queue makes a qmail home with one message, 3/100, and a dirty tcpto.
func queue(t *testing.T, control map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"control", "queue/mess/3", "queue/lock"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	for name, text := range control {
		os.WriteFile(filepath.Join(dir, "control", name), []byte(text), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "queue/mess/3/100"), []byte("Subject: test\n\nbody\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "queue/lock/tcpto"), bytes.Repeat([]byte{1}, 1024), 0o644)
	return dir
}

func command(slot byte, mess, sender, recip string) string {
	return string([]byte{slot}) + mess + "\x00" + sender + "\x00" + recip + "\x00"
}

// rspawn feeds commands to qmail-rspawn through a pipe and returns the
// reports by slot.
func rspawn(t *testing.T, q string, env []string, cmds ...string) map[int]string {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "qmail-rspawn"))
	cmd.Env = append(append(testenv.Env("QMAILHOME", "QMAILREMOTE", "DNSCACHEIP"), "QMAILHOME="+q), env...)
	cmd.Stdin = strings.NewReader(strings.Join(cmds, ""))
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("qmail-rspawn: %v", err)
	}
	return spawntest.Reports(t, out.Bytes(), 120)
}

func TestRealDeliveries(t *testing.T) {
	for _, mode := range []string{"qmail-remote processes", "in process"} {
		t.Run(mode, func(t *testing.T) {
			env, reuse := []string{}, "10\n"
			if mode == "qmail-remote processes" {
				env, reuse = append(env, "QMAILREMOTE="+testenv.Bin(t, "qmail-remote")), "0\n"
			}
			realDeliveries(t, env, reuse)
		})
	}
}

func realDeliveries(t *testing.T, env []string, reuse string) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{Reply: map[string]string{
		"RCPT TO:<refused@example.test>": "550 5.1.1 no such user",
		"RCPT TO:<later@example.test>":   "451 4.7.1 greylisted",
	}})
	dns := dnstest.Start(t)
	q := queue(t, map[string]string{"me": "me.test\n", "remotereuse": reuse,
		"smtproutes": fmt.Sprintf("example.test:[127.0.0.1]:%d\n", s.Port)})
	reports := rspawn(t, q, append(env, "DNSCACHEIP="+dns.Addr),
		command(0, "3/100", "me@me.test", "ok@example.test"),
		command(1, "3/100", "me@me.test", "refused@example.test"),
		command(2, "3/100", "me@me.test", "later@example.test"),
		command(3, "3/100", "me@me.test", "nohost"),
	)
	want := map[int]string{
		0: "K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n",
		1: "D127.0.0.1 does not like recipient.\nRemote host said: 550 5.1.1 no such user\nGiving up on 127.0.0.1.\n",
		2: "Z127.0.0.1 does not like recipient.\nRemote host said: 451 4.7.1 greylisted\nGiving up on 127.0.0.1.\n",
		3: "DSorry, address must include host name. (#5.1.3)\n",
	}
	for slot, text := range want {
		if reports[slot] != text {
			t.Errorf("slot %d: got %q\nwant %q", slot, reports[slot], text)
		}
	}
	table, _ := os.ReadFile(filepath.Join(q, "queue/lock/tcpto"))
	if !bytes.Equal(table, make([]byte, tcpto.Size)) {
		t.Errorf("tcpto not cleared at start (%d bytes)", len(table))
	}
}

// TestChildOutcomes runs stand-ins for qmail-remote that check the
// arguments, exit 111 or 100, crash, or say nothing.
func TestChildOutcomes(t *testing.T) {
	q := queue(t, nil)
	bin := t.TempDir()
	scripts := map[string]string{
		"args":    `printf 'r\0K%s|%s|%s|' "$1" "$2" "$3"; cat; printf '\0'`,
		"temp":    `exit 111`,
		"perm":    `exit 100`,
		"crash":   `kill -KILL $$`,
		"silent":  `exit 0`,
		"nonulls": `printf 'garbage'`,
	}
	for name, body := range scripts {
		os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755)
	}
	tests := []struct{ prog, want string }{
		{"args", "Kexample.test|s@x.test|u@a@example.test|Subject: test\n\nbody\n"},
		{"temp", "ZUnable to run qmail-remote.\n"},
		{"perm", "DUnable to run qmail-remote.\n"},
		{"crash", "Zqmail-remote crashed.\n"},
		{"silent", "Zqmail-remote produced no output.\n"},
		{"nonulls", "D"},
		{"missing", "DUnable to run qmail-remote.\n"},
	}
	for _, tt := range tests {
		reports := rspawn(t, q, []string{"QMAILREMOTE=" + filepath.Join(bin, tt.prog)},
			command(7, "3/100", "s@x.test", "u@a@example.test"))
		if reports[7] != tt.want {
			t.Errorf("%s: got %q, want %q", tt.prog, reports[7], tt.want)
		}
	}
}

func TestNoQueue(t *testing.T) {
	cmd := exec.Command(testenv.Bin(t, "qmail-rspawn"))
	cmd.Env = append(testenv.Env("QMAILHOME"), "QMAILHOME="+t.TempDir())
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 111 || len(out) != 0 {
		t.Errorf("without queue/mess: %v, output %q", err, out)
	}
}

// TestReuse feeds qmail-rspawn one command at a time, as qmail-send does
// when deliveries follow each other, and checks that the messages shared
// one SMTP connection.
func TestReuse(t *testing.T) {
	s := smtptest.Start(t, "tcp", "127.0.0.1:0", &smtptest.Server{})
	dns := dnstest.Start(t)
	q := queue(t, map[string]string{"me": "me.test\n", "remotereuse": "10\n", "smtproutes": fmt.Sprintf(":[127.0.0.1]:%d\n", s.Port)})
	cmd := exec.Command(testenv.Bin(t, "qmail-rspawn"))
	cmd.Env = append(testenv.Env("QMAILHOME", "QMAILREMOTE", "DNSCACHEIP"), "QMAILHOME="+q, "DNSCACHEIP="+dns.Addr)
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(outPipe)
	if b, err := out.ReadByte(); err != nil || b != 120 {
		t.Fatalf("slot count %d, %v", b, err)
	}
	for i, domain := range []string{"a.test", "b.test", "c.test"} {
		io.WriteString(in, command(byte(i), "3/100", "me@me.test", "u@"+domain))
		slot, err := out.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		report, err := out.ReadString(0)
		if err != nil {
			t.Fatal(err)
		}
		report = string([]byte{slot}) + report
		if want := string([]byte{byte(i)}) + "K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234 qp 99\n\x00"; report != want {
			t.Errorf("delivery %d: %q, want %q", i, report, want)
		}
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if n, msgs := s.Conns(), len(s.Messages()); n != 1 || msgs != 3 {
		t.Errorf("%d connections for %d messages, want 1 for 3", n, msgs)
	}
	s.WaitEnd(t)
	if cmds := s.Commands(); cmds[len(cmds)-1] != "QUIT" {
		t.Errorf("the pooled connection was not ended with QUIT at exit: %q", cmds)
	}
}

// TestDefaultIsQmailRemoteOnPath: without QMAILREMOTE and remotereuse,
// qmail-rspawn runs the qmail-remote it finds on PATH, as qmail does.
func TestDefaultIsQmailRemoteOnPath(t *testing.T) {
	q := queue(t, nil)
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "qmail-remote"), []byte("#!/bin/sh\nprintf 'r\\0Kfrom PATH\\n\\0'\n"), 0o755)
	reports := rspawn(t, q, []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")},
		command(0, "3/100", "s@x.test", "u@example.test"))
	if reports[0] != "Kfrom PATH\n" {
		t.Errorf("got %q", reports[0])
	}
}
