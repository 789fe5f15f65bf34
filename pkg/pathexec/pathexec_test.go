package pathexec

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFailures: the messages of a failed exec, as djb's programs word
// them. (A successful Run replaces the test; cmd/argv0's tests run it.)
func TestFailures(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("not a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	for _, tc := range []struct {
		program []string
		want    string
	}{
		{[]string{"./no/such/program"}, "unable to run ./no/such/program: file does not exist"},
		{[]string{"no-such-program"}, "unable to run no-such-program: file does not exist"},
		{[]string{plain}, "unable to run " + plain + ": access denied"},
		{[]string{"plain"}, "unable to run plain: access denied"},
	} {
		if err := Run(tc.program, nil); err == nil || err.Error() != tc.want {
			t.Errorf("Run(%q) = %v, want %q", tc.program, err, tc.want)
		}
	}
}
