package e2e

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// BenchmarkEndToEnd sends 2,000 messages of 1 KB through 20 SMTP
// sessions with Postfix's smtp-source and times until the last one is in
// the Maildir: messages per second from SMTP to mailbox.
func BenchmarkEndToEnd(b *testing.B) {
	source := testenv.Tool(b, "smtp-source")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := localSystem(b, nil)
		s.start()
		messages := 2000
		b.StartTimer()
		start, cpu := time.Now(), testenv.MachineCPU(b)
		out, err := exec.Command(source, "-s", "20", "-m", strconv.Itoa(messages), "-l", "1024",
			"-f", "bench@e2e.test", "-t", "alice@e2e.test", s.smtp).CombinedOutput()
		if err != nil {
			b.Fatalf("smtp-source: %v\n%s", err, out)
		}
		accepted := time.Since(start)
		dir := s.homeFile("alice", "Maildir")
		s.waitFor("every message in the Maildir", 5*time.Minute, func() bool {
			n, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
			return len(n) >= messages
		})
		total := time.Since(start)
		b.ReportMetric(float64(messages)/accepted.Seconds(), "accepted/s")
		b.ReportMetric(float64(messages)/total.Seconds(), "delivered/s")
		b.ReportMetric(float64(testenv.MachineCPU(b)-cpu)/float64(time.Millisecond)/float64(messages), "cpu-ms/msg")
	}
}
