package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestAsOriginal feeds the same bytes to quail's and Debian's delcr.
func TestAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp", "delcr")
	bin := testenv.Bin(t, "delcr")
	for _, in := range []string{
		"", "a\nb", "a\r\nb\n", "b\rc\r\r\nd\r", "\n\n", "\r", "\r\r\n\r",
		"x\x00\n\xff\r", strings.Repeat("line\r\n", 5000) + "\r",
	} {
		want := filter(t, ref, in)
		if got := filter(t, bin, in); !bytes.Equal(got, want) {
			t.Errorf("delcr %q = %q, want %q", in, got, want)
		}
	}
}

// TestWriteFailure: a full disk ends delcr with exit 111 and no message.
func TestWriteFailure(t *testing.T) {
	cmd := exec.Command(testenv.Bin(t, "delcr"))
	cmd.Stdin = strings.NewReader("a\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	cmd.Stdout = full
	err = cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 111 || stderr.Len() != 0 {
		t.Errorf("got %v, stderr %q", err, stderr.String())
	}
}

func filter(t *testing.T, bin, in string) []byte {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return out
}
