// Package install knows what a qmail home contains (qmail's hier.c):
// every directory, lock file and FIFO with its owner, group and mode. It
// creates a home from that table, as root with qmail's users, or owned by
// the caller for a private home (tests, make run).
package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/hier"
)

// Kind is what an entry is.
type Kind int

const (
	Dir      Kind = iota // a directory
	SplitDir             // a directory with subdirectories 0..Split-1
	Zeros                // a file of Size zero bytes
	FIFO                 // a named pipe
	Program              // an installed program under bin/
)

// Split is qmail's conf-split.
const Split = 23

// Entry is one thing in a qmail home.
type Entry struct {
	Path  string
	Kind  Kind
	User  string // owner, one of qmail's users or "root"
	Group string // "qmail", or "" for the owner's default
	Mode  fs.FileMode
	Size  int64
}

// Home is the table of qmail's hier.c for the home itself (the programs
// are pkg/hier's, applied by SetPrograms).
var Home = []Entry{
	{Path: ".", Kind: Dir, User: "root", Group: "qmail", Mode: 0o755},
	{Path: "control", Kind: Dir, User: "root", Group: "qmail", Mode: 0o755},
	{Path: "users", Kind: Dir, User: "root", Group: "qmail", Mode: 0o755},
	{Path: "bin", Kind: Dir, User: "root", Group: "qmail", Mode: 0o755},
	{Path: "boot", Kind: Dir, User: "root", Group: "qmail", Mode: 0o755},
	{Path: "doc", Kind: Dir, User: "root", Group: "qmail", Mode: 0o755},
	{Path: "man", Kind: Dir, User: "root", Group: "qmail", Mode: 0o755},
	{Path: "alias", Kind: Dir, User: "alias", Group: "qmail", Mode: 0o2755},
	{Path: "queue", Kind: Dir, User: "qmailq", Group: "qmail", Mode: 0o750},
	{Path: Marker, Kind: Zeros, User: "qmailq", Group: "qmail", Mode: 0o644},
	{Path: "queue/pid", Kind: Dir, User: "qmailq", Group: "qmail", Mode: 0o700},
	{Path: "queue/intd", Kind: Dir, User: "qmailq", Group: "qmail", Mode: 0o700},
	{Path: "queue/todo", Kind: Dir, User: "qmailq", Group: "qmail", Mode: 0o750},
	{Path: "queue/bounce", Kind: Dir, User: "qmails", Group: "qmail", Mode: 0o700},
	{Path: "queue/mess", Kind: SplitDir, User: "qmailq", Group: "qmail", Mode: 0o750},
	{Path: "queue/info", Kind: SplitDir, User: "qmails", Group: "qmail", Mode: 0o700},
	{Path: "queue/local", Kind: SplitDir, User: "qmails", Group: "qmail", Mode: 0o700},
	{Path: "queue/remote", Kind: SplitDir, User: "qmails", Group: "qmail", Mode: 0o700},
	{Path: "queue/lock", Kind: Dir, User: "qmailq", Group: "qmail", Mode: 0o750},
	{Path: "queue/lock/tcpto", Kind: Zeros, Size: 1024, User: "qmailr", Group: "qmail", Mode: 0o644},
	{Path: "queue/lock/sendmutex", Kind: Zeros, User: "qmails", Group: "qmail", Mode: 0o600},
	{Path: "queue/lock/trigger", Kind: FIFO, User: "qmails", Group: "qmail", Mode: 0o622},
}

// Marker is the file that says qmail-install made this queue: a queue
// without it belongs to someone else and is never touched.
const Marker = "queue/.quail-install"

// Owners maps the table's user and group names to ids.
type Owners interface {
	IDs(userName, groupName string) (uid, gid int, err error)
}

// Caller owns everything: a private home (qmail-install -u).
type Caller struct{}

func (Caller) IDs(string, string) (int, int, error) { return os.Getuid(), os.Getgid(), nil }

// System looks qmail's users and groups up in the system's databases.
type System struct{}

func (System) IDs(userName, groupName string) (int, int, error) {
	u, err := user.Lookup(userName)
	if err != nil {
		return 0, 0, fmt.Errorf("unable to find user %s: %w", userName, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if groupName != "" {
		g, err := user.LookupGroup(groupName)
		if err != nil {
			return 0, 0, fmt.Errorf("unable to find group %s: %w", groupName, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	return uid, gid, nil
}

// ErrForeignQueue refuses a queue qmail-install did not make.
var ErrForeignQueue = errors.New("queue exists and was not made by qmail-install; not touching it")

// Create makes the home at dir from the table: missing entries are
// created, existing ones get the table's owner and mode. Running it twice
// changes nothing.
func Create(dir string, owners Owners) error {
	if err := checkQueue(dir); err != nil {
		return err
	}
	for _, e := range Home {
		if err := create(dir, e, owners); err != nil {
			return err
		}
	}
	return nil
}

// SetPrograms gives each program installed in dir/bin the owner, group
// and mode of qmail's table (pkg/hier: qmail-queue setuid qmailq, the
// daemons 0700 or 0711), and every other file there root:qmail 0755.
func SetPrograms(dir string, owners Owners) error {
	table := map[string]hier.Entry{}
	for _, e := range hier.Entries() {
		if e.Kind == hier.Copy {
			table[e.Path] = e
		}
	}
	files, err := os.ReadDir(filepath.Join(dir, "bin"))
	if err != nil {
		return err
	}
	for _, f := range files {
		path := "bin/" + f.Name()
		e, ok := table[path]
		if !ok {
			e = hier.Entry{Owner: hier.UserRoot, Group: hier.GroupQmail, Mode: 0o755}
		}
		uid, gid, err := owners.IDs(e.Owner, e.Group)
		if err != nil {
			return err
		}
		if err := setOwnerMode(filepath.Join(dir, path), uid, gid, fs.FileMode(e.Mode)); err != nil {
			return err
		}
	}
	return nil
}

func checkQueue(dir string) error {
	if _, err := os.Lstat(filepath.Join(dir, "queue")); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(dir, Marker)); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, "queue"), ErrForeignQueue)
	}
	return nil
}

func create(dir string, e Entry, owners Owners) error {
	uid, gid, err := owners.IDs(e.User, e.Group)
	if err != nil {
		return err
	}
	paths := []string{filepath.Join(dir, e.Path)}
	if e.Kind == SplitDir {
		for i := 0; i < Split; i++ {
			paths = append(paths, filepath.Join(paths[0], strconv.Itoa(i)))
		}
	}
	for _, path := range paths {
		if err := make1(path, e); err != nil {
			return err
		}
		if err := setOwnerMode(path, uid, gid, e.Mode); err != nil {
			return err
		}
	}
	return nil
}

// make1 creates one entry if it is missing; an existing one of the wrong
// type is an error, never replaced.
func make1(path string, e Entry) error {
	fi, err := os.Lstat(path)
	if err == nil {
		if wantDir := e.Kind == Dir || e.Kind == SplitDir; fi.IsDir() != wantDir ||
			(e.Kind == FIFO) != (fi.Mode()&fs.ModeNamedPipe != 0) {
			return fmt.Errorf("%s exists but is not a %s", path, kindName(e.Kind))
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	switch e.Kind {
	case Dir, SplitDir:
		return os.Mkdir(path, 0o700)
	case FIFO:
		return unix.Mkfifo(path, 0o600)
	case Zeros:
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(make([]byte, e.Size)); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return fmt.Errorf("%s: cannot create a %s", path, kindName(e.Kind))
}

func kindName(k Kind) string {
	return [...]string{"directory", "directory", "file", "named pipe", "program"}[k]
}

// setOwnerMode sets owner before mode: chown clears the set-id bits.
func setOwnerMode(path string, uid, gid int, mode fs.FileMode) error {
	if os.Getuid() == 0 {
		if err := os.Lchown(path, uid, gid); err != nil {
			return err
		}
	}
	return os.Chmod(path, unixMode(mode))
}

// unixMode carries the set-id and sticky bits across to os.Chmod.
func unixMode(mode fs.FileMode) fs.FileMode {
	m := mode.Perm()
	if mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Mode returns a file's permission bits with set-id and sticky bits in
// their octal places, for checking against the table.
func Mode(fi fs.FileInfo) fs.FileMode {
	return fs.FileMode(fi.Sys().(*syscall.Stat_t).Mode & 0o7777)
}
