package users

import (
	"bytes"
	"errors"
	"strconv"
	"syscall"

	"github.com/quail-mta/quail/pkg/cdb"
)

// ErrNoWildchars is a users/cdb without the empty key qmail-newu always
// writes; qmail-lspawn treats it as a damaged database.
var ErrNoWildchars = errors.New("users/cdb has no wildchars record")

// Lookup finds local in users/cdb as qmail-lspawn does and returns the
// entry in qmail-getpw's output form, "user\0uid\0gid\0home\0dash\0ext\0".
// An exact ("=") record wins; otherwise the longest wildcard ("+")
// prefix whose last character is one of the wildcard characters (or the
// empty prefix) wins, and the rest of local, in its original case, is
// appended to the stored extension. found is false when nothing matches.
func Lookup(db *cdb.Reader, local string) (entry []byte, found bool, err error) {
	wildchars, ok, err := db.Get(nil)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, ErrNoWildchars
	}
	key := append([]byte{'!'}, lowerASCII([]byte(local))...)
	data, ok, err := db.Get(append(key, 0))
	if err != nil || ok {
		return withNUL(data, ""), ok, err
	}
	for n := len(key); n >= 1; n-- {
		if n > 1 && bytes.IndexByte(wildchars, key[n-1]) < 0 {
			continue
		}
		data, ok, err := db.Get(key[:n])
		if err != nil || ok {
			return withNUL(data, local[n-1:]), ok, err
		}
	}
	return nil, false, nil
}

// LookupFile is Lookup in the users/cdb at path; with no such file
// nothing is found, and qmail-getpw's rule decides.
func LookupFile(path, local string) (entry []byte, found bool, err error) {
	db, err := cdb.Open(path)
	if errors.Is(err, syscall.ENOENT) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer db.Close()
	return Lookup(db, local)
}

func withNUL(data []byte, rest string) []byte {
	out := append([]byte(nil), data...)
	out = append(out, rest...)
	return append(out, 0)
}

// Entry is one delivery identity: whom qmail-local runs as and which
// .qmail files it reads.
type Entry struct {
	User     string
	UID, GID uint64
	Home     string
	Dash     string
	Ext      string
}

// ErrEntry is an entry with fewer fields than qmail-lspawn needs.
var ErrEntry = errors.New("malformed user entry")

// ParseEntry splits "user\0uid\0gid\0home\0dash\0ext\0" as qmail-lspawn
// does: every field must end in NUL, and the numbers are read like
// scan_ulong, leading digits only.
func ParseEntry(b []byte) (Entry, error) {
	fields := bytes.SplitN(b, []byte{0}, 7)
	if len(fields) < 7 {
		return Entry{}, ErrEntry
	}
	ext := fields[5]
	return Entry{
		User: string(fields[0]),
		UID:  scanUlong(fields[1]),
		GID:  scanUlong(fields[2]),
		Home: string(fields[3]),
		Dash: string(fields[4]),
		Ext:  string(ext),
	}, nil
}

// scanUlong reads leading decimal digits, 0 if there are none.
func scanUlong(b []byte) uint64 {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	v, err := strconv.ParseUint(string(b[:n]), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// Format is e as qmail-getpw prints it.
func (e Entry) Format() []byte {
	var b bytes.Buffer
	for _, f := range []string{e.User, strconv.FormatUint(e.UID, 10), strconv.FormatUint(e.GID, 10), e.Home, e.Dash, e.Ext} {
		b.WriteString(f)
		b.WriteByte(0)
	}
	return b.Bytes()
}
