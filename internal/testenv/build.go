package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// binPrefix names the directories of built programs in the temporary
// directory.
const binPrefix = "quail-bin-"

// staleAfter is how long a directory of built programs for other sources
// is kept after a test process last started using it: longer than any
// test run (make test's timeout is 25 minutes).
const staleAfter = time.Hour

// sharedBuild builds every command into $TMPDIR/quail-bin-<hash>, where the
// hash covers go.mod, go.sum and every non-test Go file, so the test
// processes of one `go test ./...` (and later runs on the same sources)
// share one build instead of leaving one copy each. A build goes to a
// directory of its own that is renamed into place when complete, so no
// process sees half of one. Builds for other sources that nobody started
// using for an hour are removed.
func sharedBuild() (dir string, out []byte, err error) {
	key, err := sourceHash()
	if err != nil {
		return "", nil, err
	}
	dir = filepath.Join(os.TempDir(), binPrefix+key)
	if _, err := os.Stat(dir); err != nil {
		if out, err = buildInto(dir); err != nil {
			return "", out, err
		}
	}
	now := time.Now()
	os.Chtimes(dir, now, now) // in use: not stale
	removeStaleBuilds(dir)
	return dir, nil, nil
}

func buildInto(dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", binPrefix+"build-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "build", "-o", tmp+string(os.PathSeparator), "./cmd/...")
	cmd.Dir = Root()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as make builds them
	out, err := cmd.CombinedOutput()
	if err == nil {
		// Tests run some programs as other users (qmail's, or an
		// unprivileged one when the tests run as root).
		err = os.Chmod(tmp, 0o755)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return out, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp) // another process was quicker: use its build
		if _, statErr := os.Stat(dir); statErr != nil {
			return nil, err
		}
	}
	return nil, nil
}

// sourceHash is a digest of what the programs are built from.
func sourceHash() (string, error) {
	h := sha256.New()
	root := Root()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" ||
				rel == "bin" || rel == "run" || rel == "e2e") {
				return filepath.SkipDir
			}
			return nil
		}
		if !(strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go")) && rel != "go.mod" && rel != "go.sum" {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		io.WriteString(h, rel+"\x00")
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// removeStaleBuilds removes the other directories of built programs, and
// unfinished builds, that nobody has started using for staleAfter.
func removeStaleBuilds(keep string) {
	entries, _ := os.ReadDir(os.TempDir())
	for _, e := range entries {
		path := filepath.Join(os.TempDir(), e.Name())
		if !e.IsDir() || !strings.HasPrefix(e.Name(), binPrefix) || path == keep {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
			os.RemoveAll(path)
		}
	}
}
