package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MachineCPU is the CPU time the whole machine has spent outside idle
// since boot, from /proc/stat. Taken around a benchmark it is the cost of
// everything the work passes through, the load generator included; it
// skips the benchmark where there is no /proc/stat.
func MachineCPU(tb testing.TB) time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		tb.Skipf("no /proc/stat: %v", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var ticks int64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 { // idle and iowait are not work
			continue
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// ProcessCPU runs cmd, fails tb unless it exits with want, and returns
// the user and system time wait4 reported for it (the children it waited
// for included): the cost of one run of a program, which benchmarks of
// programs exec'd per connection or per message report.
func ProcessCPU(tb testing.TB, cmd *exec.Cmd, want int) time.Duration {
	tb.Helper()
	var stderr bytes.Buffer
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	err := cmd.Run()
	if cmd.ProcessState == nil {
		tb.Fatalf("%s: %v", cmd.Path, err)
	}
	if code := cmd.ProcessState.ExitCode(); code != want {
		tb.Fatalf("%s: exit %d, want %d: %v %s", cmd.Path, code, want, err, stderr.Bytes())
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
