package cdb

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

type rec struct{ key, data string }

// build writes recs into a database in memory and returns its bytes.
func build(t testing.TB, recs []rec) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.cdb")
	fw, err := Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := fw.Add([]byte(r.key), []byte(r.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Commit(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reader(t testing.TB, b []byte) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestHash(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
	}{
		{"", 5381},
		{"a", 5381*33 ^ 'a'},
		{"ab", (5381*33^'a')*33 ^ 'b'},
	} {
		if got := Hash([]byte(tc.in)); got != tc.want {
			t.Errorf("Hash(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestEmptyDatabase(t *testing.T) {
	b := build(t, nil)
	if len(b) != headerSize {
		t.Fatalf("empty database is %d bytes, want %d", len(b), headerSize)
	}
	for i := 0; i < tableCount; i++ {
		pos := uint32(b[i*8]) | uint32(b[i*8+1])<<8 | uint32(b[i*8+2])<<16 | uint32(b[i*8+3])<<24
		if pos != headerSize {
			t.Fatalf("table %d at %d, want %d", i, pos, headerSize)
		}
	}
	_, found, err := reader(t, b).Get([]byte("x"))
	if found || err != nil {
		t.Fatalf("Get on empty db: found=%v err=%v", found, err)
	}
}

func TestGetAndDuplicates(t *testing.T) {
	recs := []rec{
		{"one", "1"}, {"two", "2"}, {"dup", "first"}, {"", "emptykey"},
		{"empty", ""}, {"dup", "second"}, {"dup", "third"},
	}
	r := reader(t, build(t, recs))
	for _, tc := range []struct {
		key, want string
		found     bool
	}{
		{"one", "1", true}, {"two", "2", true}, {"dup", "first", true},
		{"", "emptykey", true}, {"empty", "", true}, {"missing", "", false},
	} {
		got, found, err := r.Get([]byte(tc.key))
		if err != nil || found != tc.found || string(got) != tc.want {
			t.Errorf("Get(%q) = %q, %v, %v; want %q, %v", tc.key, got, found, err, tc.want, tc.found)
		}
	}
	var all []string
	for v, err := range r.Values([]byte("dup")) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, string(v))
	}
	if fmt.Sprint(all) != "[first second third]" {
		t.Errorf("Values(dup) = %v", all)
	}
	var n int
	for rec, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		if string(rec.Key) != recs[n].key || string(rec.Data) != recs[n].data {
			t.Errorf("record %d = %q->%q, want %q->%q", n, rec.Key, rec.Data, recs[n].key, recs[n].data)
		}
		n++
	}
	if n != len(recs) {
		t.Errorf("All yielded %d records, want %d", n, len(recs))
	}
}

func TestRandomRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	recs := randomRecords(rng, 5000)
	r := reader(t, build(t, recs))
	first := map[string]string{}
	for _, rc := range recs {
		if _, ok := first[rc.key]; !ok {
			first[rc.key] = rc.data
		}
	}
	for k, want := range first {
		got, found, err := r.Get([]byte(k))
		if err != nil || !found || string(got) != want {
			t.Fatalf("Get(%q) = %q, %v, %v; want %q", k, got, found, err, want)
		}
	}
}

func randomRecords(rng *rand.Rand, n int) []rec {
	recs := make([]rec, n)
	for i := range recs {
		key := make([]byte, rng.Intn(12))
		rng.Read(key)
		if rng.Intn(10) == 0 && i > 0 {
			key = []byte(recs[rng.Intn(i)].key) // duplicates are legal
		}
		data := make([]byte, rng.Intn(40))
		rng.Read(data)
		recs[i] = rec{string(key), string(data)}
	}
	return recs
}

// cdbmakeInput renders records in the text format cdbmake and cdb -c read.
func cdbmakeInput(recs []rec) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		fmt.Fprintf(&b, "+%d,%d:%s->%s\n", len(r.key), len(r.data), r.key, r.data)
	}
	b.WriteString("\n")
	return b.Bytes()
}

// TestMatchesCTools checks byte-identical output against Debian's cdbmake
// (freecdb) and tinycdb's cdb -c on random inputs, and that files written by
// them read back here.
func TestMatchesCTools(t *testing.T) {
	tools := []struct {
		name string
		args func(dst string) []string
	}{
		{"cdbmake", func(dst string) []string { return []string{dst, dst + ".tmp"} }},
		{"cdb", func(dst string) []string { return []string{"-c", dst} }},
	}
	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			path := testenv.Tool(t, tool.name)
			rng := rand.New(rand.NewSource(int64(len(tool.name))))
			for round := 0; round < 40; round++ {
				recs := randomRecords(rng, rng.Intn(3000))
				dst := filepath.Join(t.TempDir(), "c.cdb")
				cmd := exec.Command(path, tool.args(dst)...)
				cmd.Stdin = bytes.NewReader(cdbmakeInput(recs))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", tool.name, err, out)
				}
				want, err := os.ReadFile(dst)
				if err != nil {
					t.Fatal(err)
				}
				got := build(t, recs)
				if !bytes.Equal(got, want) {
					t.Fatalf("round %d (%d records): output differs from %s", round, len(recs), tool.name)
				}
				r := reader(t, want)
				for _, rc := range recs[:min(len(recs), 50)] {
					if _, found, err := r.Get([]byte(rc.key)); !found || err != nil {
						t.Fatalf("reading %s's file: Get(%q) found=%v err=%v", tool.name, rc.key, found, err)
					}
				}
			}
		})
	}
}

func TestCorruptFiles(t *testing.T) {
	good := build(t, []rec{{"key", "value"}, {"other", "x"}})
	if _, err := NewReader(bytes.NewReader(good[:100]), 100); !errors.Is(err, ErrFormat) {
		t.Errorf("short header: err = %v, want ErrFormat", err)
	}
	// Truncating anywhere after the header must give an error or a clean
	// miss, never a panic.
	for n := headerSize; n < len(good); n++ {
		r := reader(t, good[:n])
		r.Get([]byte("key"))
		for range r.All() {
		}
	}
	// A record length pointing far past the end.
	bad := append([]byte(nil), good...)
	bad[headerSize+4] = 0xff
	bad[headerSize+7] = 0x7f
	if _, _, err := reader(t, bad).Get([]byte("key")); !errors.Is(err, ErrFormat) {
		t.Errorf("huge data length: err = %v, want ErrFormat", err)
	}
}

func TestTooBig(t *testing.T) {
	w := &Writer{pos: maxSize - 10}
	if err := w.Add([]byte("k"), make([]byte, 20)); !errors.Is(err, ErrTooBig) {
		t.Fatalf("Add past 4 GiB: err = %v, want ErrTooBig", err)
	}
}

func TestAbortLeavesOldDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db.cdb")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	fw, err := Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	fw.Add([]byte("k"), []byte("v"))
	fw.Abort()
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old database changed to %q", b)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left after Abort")
	}
}

func FuzzReader(f *testing.F) {
	f.Add(build(f, []rec{{"a", "b"}, {"a", "c"}, {"", ""}}), []byte("a"))
	f.Add(make([]byte, headerSize), []byte(""))
	f.Fuzz(func(t *testing.T, db, key []byte) {
		r, err := NewReader(bytes.NewReader(db), int64(len(db)))
		if err != nil {
			return
		}
		for range r.Values(key) {
		}
		n := 0
		for _, err := range r.All() {
			if err != nil || n > 1<<16 {
				break
			}
			n++
		}
	})
}

func BenchmarkWrite100k(b *testing.B) {
	recs := randomRecords(rand.New(rand.NewSource(2)), 100000)
	for b.Loop() {
		build(b, recs)
	}
}

func BenchmarkGet(b *testing.B) {
	recs := randomRecords(rand.New(rand.NewSource(3)), 10000)
	r := reader(b, build(b, recs))
	for i := 0; b.Loop(); i++ {
		r.Get([]byte(recs[i%len(recs)].key))
	}
}
