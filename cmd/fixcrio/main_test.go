package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestAsOriginal runs the same program under quail's and Debian's fixcrio:
// the program's input and output both get their missing CRs.
func TestAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp", "fixcrio")
	bin := testenv.Bin(t, "fixcrio")
	const program = `od -c; printf 'out\nput\r\nend\r'`
	for _, in := range []string{"", "a\nb\r\nc\r\r\nd", "\n\r\n\r", strings.Repeat("x\n", 300)} {
		want, wantErr := fixcrio(ref, in, "sh", "-c", program)
		got, err := fixcrio(bin, in, "sh", "-c", program)
		if got != want || (err == nil) != (wantErr == nil) {
			t.Errorf("input %q:\nquail %v\n%s\nC %v\n%s", in, err, got, wantErr, want)
		}
	}
	for _, args := range [][]string{{}, {"./no/such/program"}} {
		want, wantErr := fixcrio(ref, "", args...)
		got, err := fixcrio(bin, "", args...)
		if got != want || err.Error() != wantErr.Error() {
			t.Errorf("fixcrio %q: quail %v %q, C %v %q", args, err, got, wantErr, want)
		}
	}
}

func fixcrio(bin, in string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
