// Package hier is the table of what a qmail installation contains under
// its home: every directory, program, boot script, queue directory and
// lock file, with the owner, group and mode qmail's hier.c gives it. The
// installer creates what the table lists and qmail-instcheck checks it,
// so both always agree.
//
// qmail's documentation (doc/) and manual pages (man/) are not part of
// the table: quail installs neither under the home.
package hier

import (
	"io/fs"
	"strconv"
)

// Split is the number of subdirectories of the split queue directories
// (conf-split).
const Split = 23

// Kind is how an entry comes to exist, after hier.c's h, d, c, z and p.
type Kind int

const (
	Home Kind = iota // the home directory itself (h)
	Dir              // a directory (d)
	Copy             // a file copied from the build: bin/ and boot/ (c)
	Zero             // a file created holding Size zero bytes (z)
	FIFO             // a named pipe (p)
)

func (k Kind) String() string {
	return [...]string{"home", "directory", "file", "zero-filled file", "fifo"}[k]
}

// qmail's users and groups (INSTALL.ids).
const (
	UserRoot   = "root"   // owns the programs (auto_uido)
	UserAlias  = "alias"  // owns alias/ (auto_uida)
	UserQmaild = "qmaild" // runs the network servers
	UserQmaill = "qmaill" // runs the logger
	UserQmailp = "qmailp" // runs qmail-getpw
	UserQmailq = "qmailq" // owns the queue and qmail-queue (auto_uidq)
	UserQmailr = "qmailr" // runs remote delivery, owns lock/tcpto (auto_uidr)
	UserQmails = "qmails" // runs qmail-send (auto_uids)

	GroupQmail   = "qmail"   // group of everything installed (auto_gidq)
	GroupNofiles = "nofiles" // group of the users owning no files
)

// Entry is one thing an installation contains.
type Entry struct {
	Path  string // relative to the home; "" for the home itself
	Kind  Kind
	Owner string // user name
	Group string // group name
	Mode  uint32 // permission bits with setuid, setgid and sticky: 04711
	Size  int    // for Zero entries: how many zero bytes
}

// FileMode is Mode as an fs.FileMode, for os.Chmod.
func (e Entry) FileMode() fs.FileMode {
	m := fs.FileMode(e.Mode & 0o777)
	if e.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if e.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if e.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Entries is the whole installation in hier.c's order: every entry comes
// after the directory holding it.
func Entries() []Entry {
	var t table
	t.add("", Home, UserRoot, 0o755)
	for _, d := range []string{"control", "users", "bin", "boot"} {
		t.add(d, Dir, UserRoot, 0o755)
	}
	t.add("alias", Dir, UserAlias, 0o2755)
	t.add("queue", Dir, UserQmailq, 0o750)
	t.add("queue/pid", Dir, UserQmailq, 0o700)
	t.add("queue/intd", Dir, UserQmailq, 0o700)
	t.add("queue/todo", Dir, UserQmailq, 0o750)
	t.add("queue/bounce", Dir, UserQmails, 0o700)
	t.split("queue/mess", UserQmailq, 0o750)
	t.split("queue/info", UserQmails, 0o700)
	t.split("queue/local", UserQmails, 0o700)
	t.split("queue/remote", UserQmails, 0o700)
	t.add("queue/lock", Dir, UserQmailq, 0o750)
	t.entries = append(t.entries,
		Entry{Path: "queue/lock/tcpto", Kind: Zero, Owner: UserQmailr, Group: GroupQmail, Mode: 0o644, Size: 1024},
		Entry{Path: "queue/lock/sendmutex", Kind: Zero, Owner: UserQmails, Group: GroupQmail, Mode: 0o600})
	t.add("queue/lock/trigger", FIFO, UserQmails, 0o622)
	for _, b := range BootScripts {
		t.add("boot/"+b, Copy, UserRoot, 0o755)
	}
	for _, p := range Programs {
		owner := UserRoot
		if p.Name == "qmail-queue" {
			owner = UserQmailq
		}
		t.add("bin/"+p.Name, Copy, owner, p.Mode)
	}
	return t.entries
}

type table struct{ entries []Entry }

func (t *table) add(path string, kind Kind, owner string, mode uint32) {
	t.entries = append(t.entries, Entry{Path: path, Kind: kind, Owner: owner, Group: GroupQmail, Mode: mode})
}

// split adds a queue directory and its Split subdirectories, all alike.
func (t *table) split(path, owner string, mode uint32) {
	t.add(path, Dir, owner, mode)
	for i := range Split {
		t.add(path+"/"+strconv.Itoa(i), Dir, owner, mode)
	}
}

// BootScripts are the scripts installed in boot/.
var BootScripts = []string{
	"home", "home+df", "proc", "proc+df",
	"binm1", "binm1+df", "binm2", "binm2+df", "binm3", "binm3+df", "maildir",
}

// Program is a program installed in bin/ and its mode.
type Program struct {
	Name string
	Mode uint32
}

// Programs are qmail's programs in bin/, with hier.c's modes: qmail-queue
// is setuid qmailq, the daemons only root and qmail's users may read.
var Programs = []Program{
	{"qmail-queue", 0o4711},
	{"qmail-lspawn", 0o700},
	{"qmail-start", 0o700},
	{"qmail-getpw", 0o711},
	{"qmail-local", 0o711},
	{"qmail-remote", 0o711},
	{"qmail-rspawn", 0o711},
	{"qmail-clean", 0o711},
	{"qmail-send", 0o711},
	{"splogger", 0o711},
	{"qmail-newu", 0o700},
	{"qmail-newmrh", 0o700},
	{"qmail-pw2u", 0o711},
	{"qmail-inject", 0o755},
	{"predate", 0o755},
	{"datemail", 0o755},
	{"mailsubj", 0o755},
	{"qmail-showctl", 0o755},
	{"qmail-qread", 0o755},
	{"qmail-qstat", 0o755},
	{"qmail-tcpto", 0o755},
	{"qmail-tcpok", 0o755},
	{"qmail-pop3d", 0o755},
	{"qmail-popup", 0o711},
	{"qmail-qmqpc", 0o755},
	{"qmail-qmqpd", 0o755},
	{"qmail-qmtpd", 0o755},
	{"qmail-smtpd", 0o755},
	{"qmail-rcptcheck-realrcptto", 0o755},
	{"sendmail", 0o755},
	{"tcp-env", 0o755},
	{"qreceipt", 0o755},
	{"qbiff", 0o755},
	{"forward", 0o755},
	{"preline", 0o755},
	{"condredirect", 0o755},
	{"bouncesaying", 0o755},
	{"except", 0o755},
	{"maildirmake", 0o755},
	{"maildir2mbox", 0o755},
	{"maildirwatch", 0o755},
	{"qsmhook", 0o755},
	{"elq", 0o755},
	{"pinq", 0o755},
	{"qail", 0o755},
	// quail's own and ucspi-tcp's, installed beside qmail's.
	{"qmail-install", 0o755},
	{"qmail-instcheck", 0o755},
	{"qmail-config", 0o755},
	{"tcpserver", 0o755},
	{"tcprules", 0o755},
	{"tcprulescheck", 0o755},
	{"addcr", 0o755},
	{"argv0", 0o755},
	{"delcr", 0o755},
	{"fixcrio", 0o755},
	{"mconnect-io", 0o755},
	{"rblsmtpd", 0o755},
	{"recordio", 0o755},
	{"tcpclient", 0o755},
	{"mconnect", 0o755},
	{"tcpcat", 0o755},
	{"who@", 0o755},
	{"date@", 0o755},
	{"finger@", 0o755},
	{"http@", 0o755},
}
