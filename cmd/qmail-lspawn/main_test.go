package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/quail-mta/quail/internal/spawntest"
	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/users"
)

// nobody is the uid the test runs qmail-lspawn as when it runs as root,
// since qmail-lspawn as root needs qmail's users, which a test machine
// lacks; the root path is TestRootDelivery in pkg/lspawn.
const nobody = 65534

type qmailHome struct {
	dir      string
	uid, gid int
}

// newQmailHome makes a qmail home readable by the delivering user, with
// bin/qmail-local and bin/qmail-getpw, a queue holding message 0/23, and
// the users joe (home joe/) and alias (home alias/).
func newQmailHome(t *testing.T) *qmailHome {
	t.Helper()
	h := &qmailHome{uid: os.Getuid(), gid: os.Getgid()}
	if h.uid == 0 {
		h.uid, h.gid = nobody, nobody
	}
	dir, err := os.MkdirTemp("", "quail-lspawn-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	h.dir = dir
	for _, sub := range []string{"bin", "users", "queue/mess/0", "joe/Maildir/tmp", "joe/Maildir/new",
		"joe/Maildir/cur", "alias/Maildir/tmp", "alias/Maildir/new", "alias/Maildir/cur"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	for _, prog := range []string{"qmail-local", "qmail-getpw"} {
		data, err := os.ReadFile(testenv.Bin(t, prog))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "bin", prog), data, 0o755)
	}
	files := map[string]string{
		"joe/.qmail-bounce":       "|echo no such list; exit 100\n",
		"joe/.qmail-defer":        "|echo later; exit 111\n",
		"alias/.qmail-postmaster": "./Maildir/\n",
		"queue/mess/0/23":         "Subject: x\n\nhello\n",
	}
	for name, text := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	for _, sub := range []string{"joe", "alias", "queue"} {
		filepath.Walk(filepath.Join(dir, sub), func(path string, _ os.FileInfo, _ error) error {
			return os.Lchown(path, h.uid, h.gid)
		})
	}
	return h
}

func (h *qmailHome) assign(t *testing.T, text string) {
	t.Helper()
	text = strings.NewReplacer("UID", strconv.Itoa(h.uid), "GID", strconv.Itoa(h.gid), "HOME", h.dir).Replace(text)
	os.WriteFile(filepath.Join(h.dir, "users", "assign"), []byte(text), 0o644)
	if err := users.NewU(h.dir); err != nil {
		t.Fatal(err)
	}
}

// run feeds qmail-lspawn one command per recipient (slot = index) and
// returns the reports by slot.
func (h *qmailHome) run(t *testing.T, recipients ...string) map[int]string {
	t.Helper()
	var in bytes.Buffer
	for slot, rcpt := range recipients {
		in.WriteByte(byte(slot))
		in.WriteString("0/23\x00alice@example.net\x00" + rcpt + "\x00")
	}
	cmd := exec.Command(testenv.Bin(t, "qmail-lspawn"), "./Maildir/")
	cmd.Env = append(testenv.Env("QMAILHOME"), "QMAILHOME="+h.dir)
	cmd.Stdin = &in
	if os.Getuid() == 0 {
		// The binary itself must be executable by nobody.
		data, _ := os.ReadFile(cmd.Path)
		cmd.Path = filepath.Join(h.dir, "bin", "qmail-lspawn")
		os.WriteFile(cmd.Path, data, 0o755)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{nobody}}}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("qmail-lspawn: %v", err)
	}
	return spawntest.Reports(t, out, 120)
}

func TestDeliveries(t *testing.T) {
	h := newQmailHome(t)
	h.assign(t, "=joe:joe:UID:GID:HOME/joe:::\n+joe-:joe:UID:GID:HOME/joe:-::\n+:alias:UID:GID:HOME/alias:-::\n.\n")
	reports := h.run(t,
		"joe@example.com", "JOE-bounce@example.com", "joe-defer@example.com",
		"postmaster@example.com", "@example.com", "nosuch@example.com", "noat")
	want := map[int]string{
		0: "Kdid 1+0+0\n",
		1: "Dno such list\n",
		2: "Zlater\n",
		3: "Kdid 1+0+0\n",
		4: "K",
		5: "DSorry, no mailbox here by that name. (#5.1.1)\n",
		6: "DSorry, address must include host name. (#5.1.3)\n",
	}
	for slot, text := range want {
		if reports[slot] != text {
			t.Errorf("slot %d: %q, want %q", slot, reports[slot], text)
		}
	}
	for _, user := range []string{"joe", "alias"} {
		entries, _ := os.ReadDir(filepath.Join(h.dir, user, "Maildir", "new"))
		if len(entries) != 1 {
			t.Errorf("%s's Maildir/new holds %v", user, entries)
			continue
		}
		data, _ := os.ReadFile(filepath.Join(h.dir, user, "Maildir", "new", entries[0].Name()))
		rcpt := map[string]string{"joe": "joe@example.com", "alias": "postmaster@example.com"}[user]
		if want := "Return-Path: <alice@example.net>\nDelivered-To: " + rcpt + "\nSubject: x\n\nhello\n"; string(data) != want {
			t.Errorf("%s got %q, want %q", user, data, want)
		}
	}
}

// TestGetpw runs without users/cdb, so qmail-lspawn asks bin/qmail-getpw
// (here a script standing in for it) and passes its exit codes on.
func TestGetpw(t *testing.T) {
	h := newQmailHome(t)
	script := "#!/bin/sh\ncase \"$1\" in\n" +
		"fred) printf 'fred\\000UID\\000GID\\000HOME/joe\\000\\000\\000' ;;\n" +
		"cut) printf 'fred\\000UID\\000GID\\000HOME/joe\\000\\000' ;;\n" +
		"busy) exit 118 ;;\n*) exit 116 ;;\nesac\n"
	script = strings.NewReplacer("UID", strconv.Itoa(h.uid), "GID", strconv.Itoa(h.gid), "HOME", h.dir).Replace(script)
	os.WriteFile(filepath.Join(h.dir, "bin", "qmail-getpw"), []byte(script), 0o755)
	reports := h.run(t, "fred@example.com", "busy@example.com", "other@example.com", "cut@example.com")
	want := map[int]string{
		0: "Kdid 1+0+0\n",
		1: "ZTemporary failure in qmail-lspawn.\n",
		2: "ZUnable to find alias user!\n",
		3: "ZInternal qmail-lspawn bug.\n",
	}
	for slot, text := range want {
		if reports[slot] != text {
			t.Errorf("slot %d: %q, want %q", slot, reports[slot], text)
		}
	}
}

func TestBrokenCDB(t *testing.T) {
	h := newQmailHome(t)
	os.WriteFile(filepath.Join(h.dir, "users", "cdb"), []byte("short"), 0o644)
	if got := h.run(t, "joe@example.com")[0]; got != "ZTrouble reading users/cdb in qmail-lspawn.\n" {
		t.Errorf("got %q", got)
	}
}

// TestGoldenMaildir replays the golden delivery (notqmail's qmail-start
// ./Maildir/ to qbench@bench.local) through qmail-lspawn and compares the
// Maildir file byte for byte.
func TestGoldenMaildir(t *testing.T) {
	golden, err := os.ReadFile(testenv.Golden(t, "qmail", "queue", "files", "maildir-delivered"))
	if err != nil {
		t.Fatal(err)
	}
	h := newQmailHome(t)
	h.assign(t, "=qbench:qbench:UID:GID:HOME/joe:::\n.\n")
	// The queued message is the delivered file less qmail-local's two lines.
	mess := filepath.Join(h.dir, "queue", "mess", "0", "23")
	os.WriteFile(mess, bytes.SplitN(golden, []byte("\n"), 3)[2], 0o644)
	if got := h.run(t, "qbench@bench.local")[0]; got != "Kdid 1+0+0\n" {
		t.Fatalf("report %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(h.dir, "joe", "Maildir", "new"))
	if len(entries) != 1 {
		t.Fatalf("Maildir/new holds %v", entries)
	}
	got, _ := os.ReadFile(filepath.Join(h.dir, "joe", "Maildir", "new", entries[0].Name()))
	if !bytes.Equal(got, golden) {
		t.Errorf("delivered\n%q\nwant\n%q", got, golden)
	}
}
