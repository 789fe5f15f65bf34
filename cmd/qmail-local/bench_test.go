package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// BenchmarkRun is the CPU of one qmail-local run, as wait4 reports it;
// qmail-lspawn starts one per delivery. maildir delivers the test message
// into ./Maildir/ (file created, written, fsynced, linked into new/);
// start is the same binary refusing its arguments at once, so only the Go
// runtime's start and exit; bin-true is /bin/true for scale.
func BenchmarkRun(b *testing.B) {
	local := testenv.Bin(b, "qmail-local")
	home := newHome(b, map[string]string{"Maildir/": ""})
	msg := filepath.Join(b.TempDir(), "msg")
	if err := os.WriteFile(msg, []byte(message), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{"joe", home, "joe", "", "", "example.com", "alice@example.net", "./Maildir/"}
	cases := []struct {
		name string
		argv []string
		exit int
	}{
		{"maildir", append([]string{local}, args...), 0},
		{"start", []string{local}, 100},
		{"bin-true", []string{"/bin/true"}, 0},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cpu += runLocal(b, c.argv, msg, c.exit)
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/run")
		})
	}
}

func runLocal(b *testing.B, argv []string, msg string, want int) time.Duration {
	in, err := os.Open(msg)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = in
	cmd.Env = testenv.Env("QMAILQUEUE", "DEFAULT")
	return testenv.ProcessCPU(b, cmd, want)
}
