package hier

import (
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

func find(t *testing.T, p string) Entry {
	t.Helper()
	for _, e := range Entries() {
		if e.Path == p {
			return e
		}
	}
	t.Fatalf("no entry %q", p)
	return Entry{}
}

func TestTable(t *testing.T) {
	entries := Entries()
	// home, 4 plain directories, alias, queue and 4 flat queue
	// directories, 4 split ones, lock and its 3 files, boot scripts,
	// programs.
	want := 1 + 4 + 1 + 1 + 4 + 4*(1+Split) + 1 + 3 + len(BootScripts) + len(Programs)
	if len(entries) != want {
		t.Errorf("%d entries, want %d", len(entries), want)
	}
	tests := []Entry{
		{Path: "", Kind: Home, Owner: "root", Group: "qmail", Mode: 0o755},
		{Path: "alias", Kind: Dir, Owner: "alias", Group: "qmail", Mode: 0o2755},
		{Path: "queue/mess/22", Kind: Dir, Owner: "qmailq", Group: "qmail", Mode: 0o750},
		{Path: "queue/info/0", Kind: Dir, Owner: "qmails", Group: "qmail", Mode: 0o700},
		{Path: "queue/bounce", Kind: Dir, Owner: "qmails", Group: "qmail", Mode: 0o700},
		{Path: "queue/lock/tcpto", Kind: Zero, Owner: "qmailr", Group: "qmail", Mode: 0o644, Size: 1024},
		{Path: "queue/lock/sendmutex", Kind: Zero, Owner: "qmails", Group: "qmail", Mode: 0o600},
		{Path: "queue/lock/trigger", Kind: FIFO, Owner: "qmails", Group: "qmail", Mode: 0o622},
		{Path: "bin/qmail-queue", Kind: Copy, Owner: "qmailq", Group: "qmail", Mode: 0o4711},
		{Path: "bin/qmail-start", Kind: Copy, Owner: "root", Group: "qmail", Mode: 0o700},
		{Path: "bin/qmail-qmqpd", Kind: Copy, Owner: "root", Group: "qmail", Mode: 0o755},
		{Path: "boot/proc+df", Kind: Copy, Owner: "root", Group: "qmail", Mode: 0o755},
	}
	for _, want := range tests {
		if got := find(t, want.Path); got != want {
			t.Errorf("entry %q = %+v, want %+v", want.Path, got, want)
		}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Path] {
			t.Errorf("%q listed twice", e.Path)
		}
		if e.Kind != Home && !seen[strings.TrimSuffix(path.Dir(e.Path), ".")] {
			t.Errorf("%q comes before its directory", e.Path)
		}
		seen[e.Path] = true
	}
	if _, ok := seen["queue/mess/23"]; ok {
		t.Error("split 23 makes subdirectories 0 to 22")
	}
}

func TestFileMode(t *testing.T) {
	tests := map[uint32]os.FileMode{
		0o4711: os.ModeSetuid | 0o711,
		0o2755: os.ModeSetgid | 0o755,
		0o1777: os.ModeSticky | 0o777,
		0o644:  0o644,
	}
	for mode, want := range tests {
		if got := (Entry{Mode: mode}).FileMode(); got != want {
			t.Errorf("%o: %v, want %v", mode, got, want)
		}
	}
}

// install builds the whole table under a new home owned by the caller.
func install(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "qmail")
	ids := OwnerIDs{Owner: os.Getuid()}
	source := func(e Entry) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("#!/bin/sh\n# " + e.Path + "\n")), nil
	}
	for _, e := range Entries() {
		if err := Create(home, e, ids, source); err != nil {
			t.Fatalf("creating %q: %v", e.Path, err)
		}
	}
	return home
}

func messages(problems []Problem) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return out
}

func TestCheckCorrectTree(t *testing.T) {
	home := install(t)
	problems, err := Check(home, Entries(), OwnerIDs{Owner: os.Getuid()})
	if err != nil || len(problems) != 0 {
		t.Fatalf("a correct tree: %v %q", err, messages(problems))
	}
	data, err := os.ReadFile(filepath.Join(home, "queue/lock/tcpto"))
	if err != nil || len(data) != 1024 || strings.Trim(string(data), "\x00") != "" {
		t.Fatalf("tcpto: %d bytes, %v", len(data), err)
	}
	// Creating again over an existing tree changes nothing.
	for _, e := range Entries()[:10] {
		if err := Create(home, e, OwnerIDs{Owner: os.Getuid()}, nil); err != nil {
			t.Fatalf("again %q: %v", e.Path, err)
		}
	}
}

func TestCheckBrokenTree(t *testing.T) {
	home := install(t)
	chmod := func(p string, mode os.FileMode) {
		if err := os.Chmod(filepath.Join(home, p), mode); err != nil {
			t.Fatal(err)
		}
	}
	chmod("", 0o775)
	chmod("alias", 0o755)
	chmod("queue/mess/7", 0o755)
	chmod("queue/lock/trigger", 0o666)
	chmod("queue/lock/sendmutex", 0o644)
	chmod("bin/qmail-queue", 0o755)
	chmod("boot/home", 0o644)
	os.Remove(filepath.Join(home, "bin/qmail-send"))
	os.Remove(filepath.Join(home, "queue/lock/tcpto"))
	os.Mkdir(filepath.Join(home, "queue/lock/tcpto"), 0o644)
	os.Remove(filepath.Join(home, "queue/todo"))
	os.WriteFile(filepath.Join(home, "queue/todo"), nil, 0o750)
	problems, err := Check(home, Entries(), OwnerIDs{Owner: os.Getuid()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		".../bin/qmail-queue has wrong permissions",
		".../bin/qmail-send does not exist",
		".../boot/home has wrong permissions",
		home + " has wrong permissions",
		home + "/alias has wrong permissions",
		home + "/queue/lock/sendmutex has wrong permissions",
		home + "/queue/lock/tcpto has wrong type",
		home + "/queue/lock/trigger has wrong permissions",
		home + "/queue/mess/7 has wrong permissions",
		home + "/queue/todo has wrong type",
	}
	sort.Strings(want)
	if got := messages(problems); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEveryEntryChecked breaks each entry's mode in turn and checks that
// exactly that entry is named.
func TestEveryEntryChecked(t *testing.T) {
	home := install(t)
	ids := OwnerIDs{Owner: os.Getuid()}
	for _, e := range Entries() {
		full := filepath.Join(home, e.Path)
		if err := os.Chmod(full, e.FileMode()^0o020); err != nil {
			t.Fatal(err)
		}
		problems, err := Check(home, Entries(), ids)
		os.Chmod(full, e.FileMode())
		want := Name(home, e) + " has wrong permissions"
		if got := messages(problems); err != nil || len(got) != 1 || got[0] != want {
			t.Fatalf("%q: %v %q, want %q", e.Path, err, got, want)
		}
	}
}

func TestCheckWrongOwner(t *testing.T) {
	home := install(t)
	problems, err := Check(home, Entries(), OwnerIDs{Owner: os.Getuid() + 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != len(Entries()) {
		t.Fatalf("%d problems for %d entries", len(problems), len(Entries()))
	}
	for _, p := range problems {
		if p.What != "has wrong owner" {
			t.Fatalf("%s", p)
		}
	}
}

func TestCheckFatal(t *testing.T) {
	home := install(t)
	if err := os.RemoveAll(filepath.Join(home, "bin")); err != nil {
		t.Fatal(err)
	}
	problems, err := Check(home, Entries(), OwnerIDs{Owner: os.Getuid()})
	var fatal *FatalError
	if !errors.As(err, &fatal) || fatal.Text != "unable to switch to "+home+"/bin: file does not exist" {
		t.Fatalf("error %v", err)
	}
	if got := messages(problems); len(got) != 1 || got[0] != home+"/bin does not exist" {
		t.Fatalf("problems before giving up: %q", got)
	}
	_, err = Check(filepath.Join(home, "missing"), Entries(), OwnerIDs{Owner: os.Getuid()})
	if !errors.As(err, &fatal) {
		t.Fatalf("missing home: %v", err)
	}
}

// Every program quail builds is in the table, so qmail-instcheck checks it.
func TestEveryProgramIsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, p := range Programs {
		listed[p.Name] = true
	}
	cmds, err := os.ReadDir(filepath.Join(testenv.Root(), "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if !listed[c.Name()] {
			t.Errorf("cmd/%s is not in hier.Programs", c.Name())
		}
	}
}
