package main

import (
	"bytes"
	"path/filepath"
	"testing"
)

// BenchmarkRun100k is the in-process part of tcprules on 100,000 lines,
// for profiling without process start-up.
func BenchmarkRun100k(b *testing.B) {
	input := bigRules(100000)
	dir := b.TempDir()
	for b.Loop() {
		if code, msg := run(filepath.Join(dir, "out.cdb"), filepath.Join(dir, "out.tmp"), bytes.NewReader(input)); code != 0 {
			b.Fatal(msg)
		}
	}
}
