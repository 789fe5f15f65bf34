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

// BenchmarkRun is the CPU of one qmail-queue run, the process and the
// kernel's work for it, as wait4 reports it; qmail-smtpd starts one per
// message. Three cases tell the costs apart:
//
//   - message: a 1 KB message queued into a fresh queue in TMPDIR;
//   - start: the same binary ending at once (its home does not exist), so
//     only the Go runtime's start and exit;
//   - bin-true: /bin/true, the start of a small dynamically linked C
//     program, for scale.
//
// Unlike the end-to-end benchmarks, nothing else runs at the same time,
// so the numbers hold still from run to run; on ext4 the message case
// still grows with the inodes freed in the last seconds, which the file
// system skips over when it allocates (see docs/performance.md).
func BenchmarkRun(b *testing.B) {
	queue := testenv.Bin(b, "qmail-queue")
	dir := b.TempDir()
	message := filepath.Join(dir, "message")
	envelope := filepath.Join(dir, "envelope")
	body := "Subject: bench\n\n" + strings.Repeat(strings.Repeat("b", 78)+"\n", 12)
	os.WriteFile(message, []byte(body), 0o644)
	os.WriteFile(envelope, []byte("Fbench@example.net\x00Talice@example.com\x00\x00"), 0o644)
	home := newHome(b, filepath.Join(dir, "home"))
	cases := []struct {
		name, program, home string
		exit                int
	}{
		{"message", queue, home, 0},
		{"start", queue, filepath.Join(dir, "nowhere"), 61},
		{"bin-true", "/bin/true", home, 0},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cpu += runOnce(b, c.program, c.home, message, envelope, c.exit)
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/run")
		})
	}
}

// runOnce runs program with the message on fd 0 and the envelope on fd 1
// and returns the CPU time it used.
func runOnce(b *testing.B, program, home, message, envelope string, want int) time.Duration {
	msg, err := os.Open(message)
	if err != nil {
		b.Fatal(err)
	}
	defer msg.Close()
	env, err := os.Open(envelope)
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	cmd := exec.Command(program)
	cmd.Env = []string{"QMAILHOME=" + home}
	cmd.Stdin, cmd.Stdout = msg, env
	return testenv.ProcessCPU(b, cmd, want)
}
