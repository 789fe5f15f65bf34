package smtpd

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// oneMessage is a pipelined transaction with a 2 KB message.
var oneMessage = "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n" +
	"Subject: bench\r\n\r\n" + strings.Repeat(strings.Repeat("b", 78)+"\r\n", 25) + ".\r\n"

// BenchmarkSessionMessages: messages per second through the session
// logic alone, queueing into a queue that counts bytes.
func BenchmarkSessionMessages(b *testing.B) {
	var queues []*fakeQueue
	cfg := testConfig(&queues)
	cfg.OpenQueue = func() (Queue, error) { return &fakeQueue{}, nil }
	client := "EHLO bench\r\n" + strings.Repeat(oneMessage, b.N) + "QUIT\r\n"
	b.SetBytes(int64(len(oneMessage)))
	b.ReportAllocs()
	b.ResetTimer()
	if code := Serve(cfg, strings.NewReader(client), io.Discard); code != 0 {
		b.Fatalf("exit %d", code)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDataDecode: bytes per second through the DATA decoder.
func BenchmarkDataDecode(b *testing.B) {
	body := append([]byte("Subject: bench\r\n"), bytes.Repeat([]byte(strings.Repeat("d", 998)+"\r\n"), 64)...)
	out := make([]byte, 0, len(body)+2)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		d := NewData()
		_, _, out = d.Feed(body, out[:0])
	}
}
