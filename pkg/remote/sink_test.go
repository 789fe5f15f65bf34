package remote

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/smtptest"
)

// TestSMTPSink delivers to Postfix's smtp-sink, an SMTP server written by
// others, and checks what it stored.
func TestSMTPSink(t *testing.T) {
	port, dump := smtptest.Sink(t, true)
	_, dns := testDNS(t)
	cfg := Config{Control: controlDir(t, map[string]string{"me": "me.test", "smtproutes": fmt.Sprintf(":127.0.0.1:%d", port)}), DNS: dns, IsMe: notMe}
	got := deliver(cfg, "sink.test", "from@me.test", []string{"one@sink.test", "two@sink.test"}, "Subject: sink\n\n.dot\nbody\n")
	if want := "r\x00r\x00K127.0.0.1 accepted message.\nRemote host said: 250 2.0.0 Ok\n\x00"; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// smtp-sink writes the dump when the transaction ends; wait for it.
	var data []byte
	for try := 0; try < 100 && len(data) == 0; try++ {
		files, _ := filepath.Glob(filepath.Join(dump, "*"))
		if len(files) == 1 {
			data, _ = os.ReadFile(files[0])
		}
		if len(data) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	text := string(data)
	for _, want := range []string{"X-Helo-Args: me.test\n", "X-Mail-Args: <from@me.test>\n", "X-Rcpt-Args: <one@sink.test>\n", "X-Rcpt-Args: <two@sink.test>\n", "Subject: sink\n\n.dot\nbody\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("dump lacks %q:\n%s", want, text)
		}
	}
}

// BenchmarkSMTPSink measures messages per second delivered to smtp-sink
// one after another: one connection each, as qmail does, and with the
// connection pool qmail-rspawn uses.
func BenchmarkSMTPSink(b *testing.B) {
	b.Run("connection per message", func(b *testing.B) { benchSink(b, nil) })
	b.Run("reused connection", func(b *testing.B) {
		pool := NewPool(time.Minute)
		defer pool.Close()
		benchSink(b, pool)
	})
}

func benchSink(b *testing.B, pool *Pool) {
	port, _ := smtptest.Sink(b, false)
	cfg := Config{Pool: pool, Control: controlDir(b, map[string]string{"me": "me.test", "smtproutes": fmt.Sprintf(":127.0.0.1:%d", port)}), IsMe: notMe}
	msg := "Subject: bench\n\n" + strings.Repeat("a line of text in the body of the message\n", 100)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if got := deliver(cfg, "sink.test", "from@me.test", []string{"to@sink.test"}, msg); !strings.Contains(got, "K127.0.0.1") {
			b.Fatalf("report %q", got)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
