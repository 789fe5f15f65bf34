package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// BenchmarkConnections measures connections per second with a trivial child
// (/bin/true, -H -R -l name), quail's tcpserver against the Debian builds in
// the same run, at 1, 10 and 50 concurrent clients. Compare the conns/s of
// quail/cN with c-v4/cN and c-v6/cN.
//
// Two CPU figures say how far any server can move that number. server-µs
// is the server process's own time per connection; machine-µs is the whole
// machine's, the child, the client and the kernel included. Where the
// machine is busy all the time (10 and 50 clients on a small machine), a
// server that cost nothing would be machine/(machine-server) times faster
// than the one measured, and no faster.
func BenchmarkConnections(b *testing.B) {
	servers := []struct{ name, pkg string }{{"quail", ""}, {"c-v4", "ucspi-tcp"}, {"c-v6", "ucspi-tcp-ipv6"}}
	for _, clients := range []int{1, 10, 50} {
		for _, srv := range servers {
			b.Run(srv.name+"/c"+strconv.Itoa(clients), func(b *testing.B) {
				bin := testenv.Bin(b, "tcpserver")
				if srv.pkg != "" {
					bin = testenv.RefBin(b, srv.pkg, "tcpserver")
				}
				port, pid := startBench(b, bin)
				before, machine := cpuTicks(pid), testenv.MachineCPU(b)
				benchConnections(b, port, clients)
				// The server's own CPU (not its children's): where the
				// implementations differ.
				b.ReportMetric(float64(cpuTicks(pid)-before)*10000/float64(b.N), "server-µs/conn")
				b.ReportMetric(float64(testenv.MachineCPU(b)-machine)/float64(time.Microsecond)/float64(b.N), "machine-µs/conn")
			})
		}
	}
}

func startBench(b *testing.B, bin string) (string, int) {
	cmd := exec.Command(bin, "-1", "-c", "100", "-b", "100", "-H", "-R", "-l", "bench", "127.0.0.1", "0", "/bin/true")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	port, _ := testenv.StartServer(b, cmd)
	return port, cmd.Process.Pid
}

// cpuTicks is a process's user+system time in clock ticks (1/100 s).
func cpuTicks(pid int) int {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return utime + stime
}

// benchConnections makes b.N connections from `clients` goroutines, each
// waiting for the child to end (EOF) before its next connection.
func benchConnections(b *testing.B, port string, clients int) {
	addr := net.JoinHostPort("127.0.0.1", port)
	var left atomic.Int64
	left.Store(int64(b.N))
	var failures atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if !oneConnection(addr) {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d connections failed", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "conns/s")
}

func oneConnection(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, conn)
	return err == nil
}
