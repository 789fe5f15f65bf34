// Package filtertest checks the ucspi-tcp filters (addcr, delcr): stdin
// to stdout, byte for byte as the Debian programs, exit 111 on a write
// error.
package filtertest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// inputs are the byte sequences worth feeding a CR/LF filter.
var inputs = []string{
	"", "a\nb", "a\r\nb\n", "b\rc\r\r\nd\r", "\n\n", "\r", "\r\r\n\r",
	"x\x00\n\xff\r", strings.Repeat("line\r\n", 5000) + "\r",
}

// AsOriginal feeds each input to quail's and Debian's program name.
func AsOriginal(t *testing.T, name string) {
	ref := testenv.RefBin(t, "ucspi-tcp", name)
	bin := testenv.Bin(t, name)
	for _, in := range inputs {
		want := filter(t, ref, in)
		if got := filter(t, bin, in); !bytes.Equal(got, want) {
			t.Errorf("%s %q = %q, want %q", name, in, got, want)
		}
	}
}

// WriteFailure: a full disk ends the program with exit 111 and no message.
func WriteFailure(t *testing.T, name string) {
	cmd := exec.Command(testenv.Bin(t, name))
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
		t.Errorf("%s to /dev/full: %v, stderr %q; want exit 111, no message", name, err, stderr.String())
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
