package testenv

import (
	"os"
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
