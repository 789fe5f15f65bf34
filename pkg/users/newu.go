package users

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/quail-mta/quail/pkg/cdb"
)

// NewuError is one of qmail-newu's fatal messages, e.g. "unable to open
// users/assign"; users/cdb is left as it was.
type NewuError struct {
	Text string
	Err  error
}

func (e *NewuError) Error() string { return e.Text }
func (e *NewuError) Unwrap() error { return e.Err }

// NewU rebuilds home/users/cdb from home/users/assign as qmail-newu does:
// the database is written to users/cdb.tmp, synced and renamed over
// users/cdb, so readers see the old or the new one, never half of one.
func NewU(home string) error {
	fail := func(text string, err error) error { return &NewuError{Text: text, Err: err} }
	assign, err := os.Open(filepath.Join(home, "users", "assign"))
	if err != nil {
		return fail("unable to open users/assign", err)
	}
	defer assign.Close()
	out, err := cdb.Create(filepath.Join(home, "users", "cdb.tmp"))
	if err != nil {
		return fail("unable to open users/cdb.tmp", err)
	}
	var writeErr error
	err = Compile(assign, func(rec Record) error {
		writeErr = out.Add(rec.Key, rec.Data)
		return writeErr
	})
	var rerr *readError
	switch {
	case errors.As(err, &rerr):
		out.Abort()
		return fail("unable to read users/assign", err)
	case errors.Is(err, ErrFormat):
		out.Abort()
		return fail("bad format in users/assign", err)
	case err != nil:
		out.Abort()
		return fail("unable to write users/cdb.tmp", err)
	}
	if err := out.Commit(filepath.Join(home, "users", "cdb")); err != nil {
		var move *cdb.MoveError
		if errors.As(err, &move) {
			return fail("unable to move users/cdb.tmp to users/cdb", err)
		}
		return fail("unable to write users/cdb.tmp", err)
	}
	return nil
}
