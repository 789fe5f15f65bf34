package hier

import (
	"errors"
	"io/fs"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
)

// IDs turns the table's user and group names into numeric ids; an id of
// -1 means the owner or group is not checked.
type IDs interface {
	UID(name string) (int, error)
	GID(name string) (int, error)
}

// SystemIDs looks the names up in the system's user database.
type SystemIDs struct{}

// UID is the id of user name.
func (SystemIDs) UID(name string) (int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(u.Uid)
}

// GID is the id of group name.
func (SystemIDs) GID(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(g.Gid)
}

// OwnerIDs says that everything belongs to one user, whatever the table
// says, and leaves groups unchecked: an installation a user made for
// himself, where qmail's users need not exist.
type OwnerIDs struct{ Owner int }

// UID is always the owner.
func (o OwnerIDs) UID(string) (int, error) { return o.Owner, nil }

// GID is always -1: groups are not checked.
func (OwnerIDs) GID(string) (int, error) { return -1, nil }

// Problem is one thing wrong in an installation, named as qmail's
// instcheck names it: "/var/qmail/queue/pid has wrong permissions".
type Problem struct {
	Entry Entry
	Name  string // the entry's name in the message
	What  string // "does not exist", "has wrong owner", ...
	Err   error  // why it could not be examined, with What empty
}

func (p Problem) String() string {
	if p.Err != nil {
		return "unable to stat " + p.Name + ": " + djberr.Text(p.Err)
	}
	return p.Name + " " + p.What
}

// FatalError is a problem that stops the check, as instcheck dies when it
// cannot enter a directory it needs.
type FatalError struct{ Text string }

func (e *FatalError) Error() string { return e.Text }

// Name is how instcheck calls an entry: the home's full path for the
// home, directories, zero-filled files and fifos, and ".../bin/name" for
// copied files.
func Name(home string, e Entry) string {
	switch e.Kind {
	case Home:
		return home
	case Copy:
		return ".../" + e.Path
	}
	return home + "/" + e.Path
}

// Check compares the installation under home with entries. It returns
// every problem found, or a *FatalError where instcheck would give up.
func Check(home string, entries []Entry, ids IDs) ([]Problem, error) {
	var problems []Problem
	entered := map[string]bool{}
	for _, e := range entries {
		if e.Kind != Home {
			if err := enter(home, e, entered); err != nil {
				return problems, err
			}
		}
		found, err := checkEntry(home, e, ids)
		if err != nil {
			return problems, err
		}
		problems = append(problems, found...)
	}
	return problems, nil
}

// enter checks that the directories instcheck changes into before looking
// at e can be entered: the home, and for a copied file its directory.
func enter(home string, e Entry, entered map[string]bool) error {
	dirs := []string{home}
	if e.Kind == Copy {
		dirs = append(dirs, home+"/"+path.Dir(e.Path))
	}
	for _, dir := range dirs {
		if entered[dir] {
			continue
		}
		if err := canEnter(dir); err != nil {
			return &FatalError{Text: "unable to switch to " + dir + ": " + djberr.Text(err)}
		}
		entered[dir] = true
	}
	return nil
}

func canEnter(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return syscall.ENOTDIR
	}
	return nil
}

// checkEntry stats one entry and names what is wrong with it.
func checkEntry(home string, e Entry, ids IDs) ([]Problem, error) {
	name := Name(home, e)
	full := filepath.Join(home, filepath.FromSlash(e.Path))
	var st syscall.Stat_t
	if err := syscall.Stat(full, &st); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return []Problem{{Entry: e, Name: name, What: "does not exist"}}, nil
		}
		return []Problem{{Entry: e, Name: ".../" + e.Path, Err: err}}, nil
	}
	uid, err := ids.UID(e.Owner)
	if err != nil {
		return nil, &FatalError{Text: "unable to find user " + e.Owner + ": " + djberr.Text(err)}
	}
	gid, err := ids.GID(e.Group)
	if err != nil {
		return nil, &FatalError{Text: "unable to find group " + e.Group + ": " + djberr.Text(err)}
	}
	var problems []Problem
	wrong := func(what string) {
		problems = append(problems, Problem{Entry: e, Name: name, What: "has wrong " + what})
	}
	if uid != -1 && int(st.Uid) != uid {
		wrong("owner")
	}
	if gid != -1 && int(st.Gid) != gid {
		wrong("group")
	}
	if st.Mode&0o7777 != e.Mode {
		wrong("permissions")
	}
	if st.Mode&syscall.S_IFMT != fileType(e.Kind) {
		wrong("type")
	}
	return problems, nil
}

func fileType(k Kind) uint32 {
	switch k {
	case Home, Dir:
		return syscall.S_IFDIR
	case FIFO:
		return syscall.S_IFIFO
	}
	return syscall.S_IFREG
}
