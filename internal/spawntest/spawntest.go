// Package spawntest reads what qmail-lspawn and qmail-rspawn write to
// qmail-send, for their tests.
package spawntest

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/quail-mta/quail/pkg/spawn"
)

// Reports checks that out starts with the slot count slots and returns
// its reports by slot.
func Reports(t testing.TB, out []byte, slots int) map[int]string {
	t.Helper()
	if len(out) == 0 || int(out[0]) != slots {
		t.Fatalf("output %.40q does not start with the slot count %d", out, slots)
	}
	r := bufio.NewReader(bytes.NewReader(out[1:]))
	reports := map[int]string{}
	for {
		slot, text, err := spawn.ReadReport(r)
		if err == io.EOF {
			return reports
		}
		if err != nil {
			t.Fatalf("reading reports: %v", err)
		}
		reports[slot] = string(text)
	}
}
