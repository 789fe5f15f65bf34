package qinfo

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

func makeQueue(t *testing.T) string {
	q := t.TempDir()
	for _, d := range []string{"mess", "info", "local", "remote"} {
		for s := 0; s < split; s++ {
			os.MkdirAll(filepath.Join(q, d, strconv.Itoa(s)), 0o700)
		}
	}
	os.MkdirAll(filepath.Join(q, "todo"), 0o700)
	os.MkdirAll(filepath.Join(q, "bounce"), 0o700)
	return q
}

// TestReadGoldenQueue lists the recorded message 9977941 after
// preprocessing, then with its local recipient done and a bounce pending.
func TestReadGoldenQueue(t *testing.T) {
	golden := testenv.Golden(t, "qmail", "queue", "files")
	q := makeQueue(t)
	for name, to := range map[string]string{"mess": "mess/12/9977941", "info": "info/12/9977941", "local": "local/12/9977941", "remote": "remote/12/9977941"} {
		data, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(q, to), data, 0o600)
	}
	birth := time.Date(2026, 11, 25, 1, 35, 32, 0, time.UTC)
	os.Chtimes(filepath.Join(q, "info/12/9977941"), birth, birth)
	var out strings.Builder
	if err := Read(q, &out); err != nil {
		t.Fatal(err)
	}
	want := "25 Nov 2026 01:35:32 GMT  #9977941  252  <alice@example.net> \n\tlocal\tqbench@bench.local\n\tremote\tbob@remote.example\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
	os.WriteFile(filepath.Join(q, "local/12/9977941"), []byte("Dqbench@bench.local\x00"), 0o600)
	os.WriteFile(filepath.Join(q, "bounce/9977941"), []byte("x"), 0o600)
	out.Reset()
	Read(q, &out)
	want = "25 Nov 2026 01:35:32 GMT  #9977941  252  <alice@example.net>  bouncing\n  done\tlocal\tqbench@bench.local\n\tremote\tbob@remote.example\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
	os.Remove(filepath.Join(q, "mess/12/9977941"))
	out.Reset()
	Read(q, &out)
	if want := "warning: trouble with #9977941: file does not exist\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestStat(t *testing.T) {
	q := makeQueue(t)
	os.WriteFile(filepath.Join(q, "mess/1/24"), nil, 0o600)
	os.WriteFile(filepath.Join(q, "mess/2/25"), nil, 0o600)
	os.WriteFile(filepath.Join(q, "todo/25"), nil, 0o600)
	if n, todo, err := Stat(q); n != 2 || todo != 1 || err != nil {
		t.Errorf("Stat = %d, %d, %v; want 2, 1", n, todo, err)
	}
}
