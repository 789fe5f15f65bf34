package hier

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Create makes one entry under home with its owner, group and mode: a
// directory, a copy of what source gives (for Copy entries), a file of
// zeros or a fifo. An id of -1 from ids leaves that ownership as it is.
// Existing entries are brought to the table's owner and mode; a Copy
// entry's contents are replaced.
func Create(home string, e Entry, ids IDs, source func(Entry) (io.ReadCloser, error)) error {
	full := filepath.Join(home, filepath.FromSlash(e.Path))
	switch e.Kind {
	case Home, Dir:
		if err := os.Mkdir(full, 0o700); err != nil && !os.IsExist(err) {
			return err
		}
	case Copy:
		if err := copyFrom(full, e, source); err != nil {
			return err
		}
	case Zero:
		if err := os.WriteFile(full, make([]byte, e.Size), 0o600); err != nil {
			return err
		}
	case FIFO:
		if err := syscall.Mkfifo(full, 0o600); err != nil && err != syscall.EEXIST {
			return &os.PathError{Op: "mkfifo", Path: full, Err: err}
		}
	}
	uid, err := ids.UID(e.Owner)
	if err != nil {
		return err
	}
	gid, err := ids.GID(e.Group)
	if err != nil {
		return err
	}
	// chown before chmod: changing the owner clears setuid and setgid.
	if err := os.Lchown(full, uid, gid); err != nil {
		return err
	}
	return os.Chmod(full, e.FileMode())
}

// copyFrom writes source's contents for e through a temporary file, so a
// running program is never overwritten in place.
func copyFrom(full string, e Entry, source func(Entry) (io.ReadCloser, error)) error {
	src, err := source(e)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := full + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, full)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
