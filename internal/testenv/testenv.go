// Package testenv holds what the tests of every package share: where the
// golden data is, the built quail programs, and the C reference programs
// unpacked from Debian packages for differential tests.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Root is the repository's top directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// InCI reports whether the tests run under .ci/run, where a missing tool is
// a failure rather than a reason to skip.
func InCI() bool { return os.Getenv("CI") != "" }

// Golden returns a path under ../shared/golden (or $QUAIL_GOLDEN), and skips
// the test with a clear message when the golden data is absent.
func Golden(t testing.TB, elem ...string) string {
	t.Helper()
	dir := os.Getenv("QUAIL_GOLDEN")
	if dir == "" {
		dir = filepath.Join(Root(), "..", "shared", "golden")
	}
	path := filepath.Join(append([]string{dir}, elem...)...)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("golden data not found at %s (set QUAIL_GOLDEN): %v", path, err)
	}
	return path
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
	buildOut  []byte
)

// Bin returns the path of the quail program cmd/name. All commands are
// built together, once per state of the sources (see sharedBuild).
func Bin(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() { binDir, buildOut, buildErr = sharedBuild() })
	if buildErr != nil {
		t.Fatalf("building quail: %v\n%s", buildErr, buildOut)
	}
	path := filepath.Join(binDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no program %s was built: %v", name, err)
	}
	return path
}

// BinDir is the directory of every built quail program.
func BinDir(t testing.TB) string {
	return filepath.Dir(Bin(t, "tcprules"))
}

// RefDir is where scripts/fetch-reference unpacks the Debian reference
// packages: $QUAIL_REF, or .ref at the top of the repository.
func RefDir() string {
	if dir := os.Getenv("QUAIL_REF"); dir != "" {
		return dir
	}
	return filepath.Join(Root(), ".ref")
}

// RefBin returns a C reference program unpacked from a Debian package, e.g.
// RefBin(t, "ucspi-tcp", "tcprules"). Without it the test is skipped, except
// in CI, where .ci/run fetches the packages and a missing one is a failure.
func RefBin(t testing.TB, pkg, name string) string {
	t.Helper()
	for _, sub := range []string{"usr/bin", "usr/sbin", "bin"} {
		path := filepath.Join(RefDir(), pkg, sub, name)
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	msg := "reference program " + pkg + "/" + name + " not found under " + RefDir() +
		" (run scripts/fetch-reference)"
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Tool returns the path of a program on PATH that a test needs (swaks,
// smtp-source, cdb). Without it the test is skipped, except in CI.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := "tool " + name + " not installed (.ci/run installs it)"
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Env returns os.Environ without the variables named, for starting a
// program with a clean slate of quail's own variables.
func Env(without ...string) []string {
	var env []string
next:
	for _, kv := range os.Environ() {
		for _, name := range without {
			if strings.HasPrefix(kv, name+"=") {
				continue next
			}
		}
		env = append(env, kv)
	}
	return env
}
