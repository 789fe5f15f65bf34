package install

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/quail-mta/quail/pkg/hier"
)

func TestCreateGivesEveryEntryItsMode(t *testing.T) {
	home := t.TempDir()
	for i := 0; i < 2; i++ { // the second run must change nothing and fail on nothing
		if err := Create(home, Caller{}); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	for _, e := range Home {
		paths := []string{filepath.Join(home, e.Path)}
		if e.Kind == SplitDir {
			paths = append(paths, filepath.Join(home, e.Path, "0"), filepath.Join(home, e.Path, "22"))
		}
		for _, p := range paths {
			fi, err := os.Lstat(p)
			if err != nil {
				t.Errorf("%s: %v", e.Path, err)
				continue
			}
			if Mode(fi) != e.Mode {
				t.Errorf("%s: mode %o, want %o", p, Mode(fi), e.Mode)
			}
			if e.Kind == Zeros && fi.Size() != e.Size {
				t.Errorf("%s: %d bytes, want %d", p, fi.Size(), e.Size)
			}
			if (e.Kind == FIFO) != (fi.Mode()&fs.ModeNamedPipe != 0) {
				t.Errorf("%s: type %v", p, fi.Mode().Type())
			}
		}
	}
	if _, err := os.Stat(filepath.Join(home, "queue/mess/23")); err == nil {
		t.Error("split directory 23 exists; the split is 23 (0..22)")
	}
}

func TestForeignQueueIsNotTouched(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "queue/mess"), 0o700)
	if err := Create(home, Caller{}); !errors.Is(err, ErrForeignQueue) {
		t.Fatalf("got %v, want ErrForeignQueue", err)
	}
	if _, err := os.Stat(filepath.Join(home, "control")); err == nil {
		t.Error("control was created beside a foreign queue")
	}
}

func TestWrongTypeIsAnError(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "control"), nil, 0o644)
	if err := Create(home, Caller{}); err == nil {
		t.Fatal("a file where control/ belongs was accepted")
	}
}

func TestExistingTcptoIsKept(t *testing.T) {
	home := t.TempDir()
	Create(home, Caller{})
	path := filepath.Join(home, "queue/lock/tcpto")
	os.WriteFile(path, []byte("records"), 0o644)
	Create(home, Caller{})
	if b, _ := os.ReadFile(path); string(b) != "records" {
		t.Errorf("tcpto rewritten: %q", b)
	}
}

// The home qmail-install makes is the one qmail-instcheck checks.
func TestHomeAgreesWithHier(t *testing.T) {
	want := map[string]hier.Entry{}
	for _, e := range hier.Entries() {
		want[e.Path] = e
	}
	for _, e := range Home {
		path := e.Path
		if path == "." {
			path = ""
		}
		h, ok := want[path]
		switch {
		case path == "doc" || path == "man" || path == Marker:
			continue // quail's additions
		case !ok:
			t.Errorf("%s is not in pkg/hier's table", e.Path)
		case h.Owner != e.User || h.Group != e.Group || fs.FileMode(h.Mode) != e.Mode:
			t.Errorf("%s: install has %s:%s %o, hier %s:%s %o", e.Path, e.User, e.Group, e.Mode, h.Owner, h.Group, h.Mode)
		}
	}
}

// TestSetPrograms gives the programs in bin/ pkg/hier's modes, and
// anything else there 0755.
func TestSetPrograms(t *testing.T) {
	home := t.TempDir()
	if err := Create(home, Caller{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{
		"qmail-queue": 0o4711, "qmail-lspawn": 0o700, "qmail-popup": 0o711,
		"qmail-smtpd": 0o755, "tcpcat": 0o755, "not-qmails": 0o755,
	}
	for name := range want {
		os.WriteFile(filepath.Join(home, "bin", name), []byte("#!/bin/sh\n"), 0o600)
	}
	if err := SetPrograms(home, Caller{}); err != nil {
		t.Fatal(err)
	}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(home, "bin", name))
		if err != nil || Mode(fi) != mode {
			t.Errorf("bin/%s: mode %o (%v), want %o", name, Mode(fi), err, mode)
		}
	}
}
