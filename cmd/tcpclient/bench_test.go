package main

import (
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// BenchmarkConnectExec connects to a loopback server and runs /bin/true,
// quail's tcpclient against Debian's, without lookups (-RHl0).
func BenchmarkConnectExec(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, prog := range []struct{ name, pkg string }{{"quail", ""}, {"C", "ucspi-tcp-ipv6"}} {
		b.Run(prog.name, func(b *testing.B) {
			bin := testenv.Bin(b, "tcpclient")
			if prog.pkg != "" {
				bin = testenv.RefBin(b, prog.pkg, "tcpclient")
			}
			env := []string{"PATH=" + os.Getenv("PATH")}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(bin, "-RHl0", "127.0.0.1", port, "/bin/true")
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
	}
}
