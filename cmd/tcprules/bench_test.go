package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// bigRules is a 100,000-line rules file of the kinds of lines sites have:
// addresses, prefixes, ranges, hosts, and settings.
func bigRules(lines int) []byte {
	r := rand.New(rand.NewPCG(100, 1000))
	var b bytes.Buffer
	for i := 0; i < lines; i++ {
		a, c, d := r.IntN(256), r.IntN(256), r.IntN(256)
		switch i % 8 {
		case 0:
			fmt.Fprintf(&b, "%d.%d.%d.%d:allow,RELAYCLIENT=\"\"\n", a, c, d, r.IntN(256))
		case 1:
			fmt.Fprintf(&b, "%d.%d.:deny\n", a, c)
		case 2:
			fmt.Fprintf(&b, "%d.%d.%d.%d-%d:allow,NAME=\"v%d\"\n", a, c, d, 10, 12, i)
		case 3:
			fmt.Fprintf(&b, "=host%d.example.com:allow,RBLSMTPD=\"-listed\"\n", i)
		case 4:
			fmt.Fprintf(&b, "=.domain%d.example:deny\n", i)
		case 5:
			fmt.Fprintf(&b, "2001:db8:%x::%x:allow,A='x',B=/y/\n", c, d)
		case 6:
			fmt.Fprintf(&b, "joe@%d.%d.%d.%d:allow\n", a, c, d, r.IntN(256))
		default:
			fmt.Fprintf(&b, "# comment %d\n", i)
		}
	}
	b.WriteString(":deny\n")
	return b.Bytes()
}

// timeCompile runs prog as sites do, "tcprules out.cdb out.tmp < rules".
func timeCompile(b *testing.B, prog, dir, rulesFile string) time.Duration {
	in, err := os.Open(rulesFile)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(prog, filepath.Join(dir, "out.cdb"), filepath.Join(dir, "out.tmp"))
	cmd.Stdin = in
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v %s", prog, err, out)
	}
	return time.Since(start)
}

// BenchmarkTcprules100k compiles a 100,000-line rules file with quail's
// tcprules and with Debian's (IPv6 build, which reads the same syntax), in
// turn within each iteration, and reports both times and their ratio.
func BenchmarkTcprules100k(b *testing.B) {
	ours := testenv.Bin(b, "tcprules")
	theirs := testenv.RefBin(b, "ucspi-tcp-ipv6", "tcprules")
	dir := b.TempDir()
	input := filepath.Join(dir, "rules.txt")
	if err := os.WriteFile(input, bigRules(100000), 0o644); err != nil {
		b.Fatal(err)
	}
	var oursTotal, theirsTotal time.Duration
	for b.Loop() {
		oursTotal += timeCompile(b, ours, dir, input)
		quail, _ := os.ReadFile(filepath.Join(dir, "out.cdb"))
		theirsTotal += timeCompile(b, theirs, dir, input)
		c, _ := os.ReadFile(filepath.Join(dir, "out.cdb"))
		if !bytes.Equal(quail, c) {
			b.Fatal("outputs differ")
		}
	}
	b.ReportMetric(float64(oursTotal.Milliseconds())/float64(b.N), "quail-ms/op")
	b.ReportMetric(float64(theirsTotal.Milliseconds())/float64(b.N), "c-ms/op")
	b.ReportMetric(float64(theirsTotal)/float64(oursTotal), "c/quail")
}
