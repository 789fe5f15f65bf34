package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// BenchmarkBinaryMessages: messages per second through the qmail-smtpd
// binary in one pipelined session, each handed to a trivial queue script
// (one sh per message, as one qmail-queue per message).
func BenchmarkBinaryMessages(b *testing.B) {
	testenv.Bin(b, "qmail-smtpd") // build outside the timing
	h := newHome(b, baseControl)
	queue := filepath.Join(b.TempDir(), "qq")
	if err := os.WriteFile(queue, []byte("#!/bin/sh\ncat >/dev/null\ncat <&1 >/dev/null\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	message := "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n" +
		"Subject: bench\r\n\r\n" + strings.Repeat(strings.Repeat("b", 78)+"\r\n", 25) + ".\r\n"
	client := "EHLO bench\r\n" + strings.Repeat(message, b.N) + "QUIT\r\n"
	b.ResetTimer()
	r := h.smtpdWith(b, baseEnv, []byte(client), false, queue)
	b.StopTimer()
	if r.exit != 0 || strings.Count(string(r.out), "250 ok ") != b.N {
		b.Fatalf("exit %d, transcript %.300q", r.exit, r.out)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSession is the CPU of one qmail-smtpd process as tcpserver
// starts one per connection, as wait4 reports it:
//
//   - helo-quit: greeting, HELO and QUIT, so the Go runtime's start and
//     exit and the reading of the control files;
//   - message: one 1 KB message handed to the real qmail-queue, whose
//     run (see its BenchmarkRun) is counted in, since qmail-smtpd waits
//     for it: the whole cost of accepting a message but for tcpserver
//     and the client.
func BenchmarkSession(b *testing.B) {
	queue := testenv.Bin(b, "qmail-queue")
	h := newHome(b, baseControl)
	if out, err := exec.Command(testenv.Bin(b, "qmail-install"), "-u", h.dir).CombinedOutput(); err != nil {
		b.Fatalf("qmail-install: %v\n%s", err, out)
	}
	body := "Subject: bench\r\n\r\n" + strings.Repeat(strings.Repeat("b", 78)+"\r\n", 12)
	cases := []struct{ name, client, want string }{
		{"helo-quit", "HELO bench\r\nQUIT\r\n", "221 "},
		{"message", "HELO bench\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n" +
			body + ".\r\nQUIT\r\n", "250 ok "},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				r := h.smtpdWith(b, baseEnv, []byte(c.client), false, queue)
				if r.exit != 0 || !strings.Contains(string(r.out), c.want) {
					b.Fatalf("exit %d, transcript %q", r.exit, r.out)
				}
				cpu += r.cpu
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/session")
		})
	}
}
