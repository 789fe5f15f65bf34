package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
