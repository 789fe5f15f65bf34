package users

import (
	"errors"
	"os/user"
	"strconv"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
)

// Exit codes qmail-getpw shares with qmail-lspawn (qmail's qlx.h).
const (
	ExitUsage    = 112 // QLX_USAGE: internal error
	ExitRoot     = 113 // QLX_ROOT: delivery as root refused
	ExitNFS      = 115 // QLX_NFS: temporary failure to stat a home
	ExitNoAlias  = 116 // QLX_NOALIAS: no alias account
	ExitCDB      = 117 // QLX_CDB: users/cdb unreadable
	ExitSys      = 118 // QLX_SYS: temporary system failure
	ExitNoMem    = 119 // QLX_NOMEM
	ExitExecSoft = 120 // QLX_EXECSOFT: qmail-local could not run, try again
	ExitExecPW   = 121 // QLX_EXECPW: qmail-getpw could not run
	ExitExecHard = 126 // QLX_EXECHARD: qmail-local could not run, give up
)

// Break is qmail's conf-break: the character between a user name and an
// extension.
const Break = '-'

// maxUserLen is qmail-getpw's limit: longer prefixes are never accounts.
const maxUserLen = 32

// Account is the part of a passwd entry qmail-getpw uses.
type Account struct {
	Name     string
	UID, GID uint64
	Home     string
}

// Passwd looks an account up by name; a missing account is (nil, nil).
type Passwd func(name string) (*Account, error)

// HomeOwner returns the owner of a home directory.
type HomeOwner func(path string) (uid uint64, err error)

// GetpwError is a failure qmail-getpw reports by exit code only.
type GetpwError struct{ Code int }

func (e *GetpwError) Error() string { return "qmail-getpw exit " + strconv.Itoa(e.Code) }

// GetPw is qmail-getpw's rule. It tries the prefixes of local that end at
// its end or before a '-', longest first and shorter than 32 bytes,
// lowercased, as account names: the first account with a uid other than
// 0 whose home exists and is owned by it takes the address, with the
// text after that '-' as extension. Without one the alias account takes
// the whole local part as its extension.
func GetPw(local string, passwd Passwd, owner HomeOwner) (Entry, error) {
	for end := len(local); end >= 0; end-- {
		if end >= maxUserLen || (end < len(local) && local[end] != Break) {
			continue
		}
		acct, err := passwd(string(lowerASCII([]byte(local[:end]))))
		if err != nil {
			return Entry{}, &GetpwError{ExitSys}
		}
		if acct == nil || acct.UID == 0 {
			continue
		}
		uid, err := owner(acct.Home)
		if err != nil {
			if djberr.Temporary(err) {
				return Entry{}, &GetpwError{ExitNFS}
			}
			continue
		}
		if uid != acct.UID {
			continue
		}
		e := Entry{User: acct.Name, UID: acct.UID, GID: acct.GID, Home: acct.Home}
		if end < len(local) {
			e.Dash, e.Ext = "-", local[end+1:]
		}
		return e, nil
	}
	acct, err := passwd(AliasUser)
	if err != nil {
		return Entry{}, &GetpwError{ExitSys}
	}
	if acct == nil {
		return Entry{}, &GetpwError{ExitNoAlias}
	}
	return Entry{User: acct.Name, UID: acct.UID, GID: acct.GID, Home: acct.Home, Dash: "-", Ext: local}, nil
}

// AliasUser is the account that owns addresses no user controls.
const AliasUser = "alias"

// SystemPasswd looks accounts up in the system's user database. An
// empty name is never an account.
func SystemPasswd(name string) (*Account, error) {
	if name == "" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 64)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, nil
	}
	return &Account{Name: u.Username, UID: uid, GID: gid, Home: u.HomeDir}, nil
}

// StatOwner is the owner of path by stat(2).
func StatOwner(path string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, err
	}
	return uint64(st.Uid), nil
}
