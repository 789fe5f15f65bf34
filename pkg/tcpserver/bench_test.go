package tcpserver

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkServe runs the server in process (for profiles) with /bin/true
// as the child and 10 clients; cmd/tcpserver's BenchmarkConnections
// compares the built program with the C one.
func BenchmarkServe(b *testing.B) {
	opts := DefaultOptions()
	opts.Limit = 100
	opts.Backlog = 100
	opts.RemoteHost, opts.RemoteInfo = false, false
	opts.LocalName, opts.HasLocalName = "bench", true
	opts.Verbosity = Quiet
	opts.Program = []string{"/bin/true"}
	ln, err := Listen("127.0.0.1", 0, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go New(ln, opts, io.Discard).Serve()
	addr := ln.Addr().String()
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					b.Error(err)
					return
				}
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				io.Copy(io.Discard, conn)
				conn.Close()
			}
		}()
	}
	wg.Wait()
}
