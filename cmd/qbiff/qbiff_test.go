package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// The terminal writing is tested in pkg/qbiff against a made-up /dev;
// here the program must stay silent and exit 0 whatever happens, since
// its exit code decides a delivery.
func TestAlwaysExitsZero(t *testing.T) {
	msg := "Subject: hi\n\n" + strings.Repeat("body line\n", 10000)
	for name, env := range map[string][]string{
		"no USER":       {"SENDER=a@b", "LOCAL=joe"},
		"no SENDER":     {"USER=joe", "LOCAL=joe"},
		"no LOCAL":      {"USER=joe", "SENDER=a@b"},
		"long USER":     {"USER=" + strings.Repeat("u", 33), "SENDER=a@b", "LOCAL=joe"},
		"not logged in": {"USER=quail-no-such-user", "SENDER=a@b", "LOCAL=quail-no-such-user"},
	} {
		cmd := exec.Command(testenv.Bin(t, "qbiff"))
		cmd.Env = env
		cmd.Stdin = strings.NewReader(msg)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil || out.Len() > 0 {
			t.Errorf("%s: %v, said %q", name, err, out.String())
		}
	}
}
