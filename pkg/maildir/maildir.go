// Package maildir owns the Maildir format as qmail uses it: delivering
// one message safely (a uniquely named file written in tmp/, synced, then
// linked into new/), and, for maildir2mbox, cleaning stale files out of
// tmp/ and listing the messages in new/ and cur/ oldest first.
package maildir

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
)

// Timeout is how long one delivery may take before it is abandoned.
const Timeout = 24 * time.Hour

// Errors a delivery can end with; every one is temporary for qmail-local.
var (
	ErrDir     = errors.New("unable to enter maildir") // a permanent-looking chdir failure
	ErrTimeout = errors.New("maildir delivery timed out")
	ErrRead    = errors.New("unable to read message")
	ErrWrite   = errors.New("maildir delivery failed") // anything else, temporary
)

// tries is how many unique names a delivery tries, two seconds apart.
const tries = 3

// hostname is gethostname cut to qmail's 64 bytes.
func hostname() string {
	h, _ := os.Hostname()
	if len(h) > 64 {
		h = h[:64]
	}
	return h
}

// Deliver writes header followed by msg as a new message in dir and
// returns its name (time.pid.host). The file is created in dir/tmp,
// written, fsynced, linked into dir/new and removed from tmp. If it takes
// longer than Timeout, the tmp file is removed and expired is called,
// which should end the process, as qmail-local's alarm does.
func Deliver(dir string, header []byte, msg io.Reader, expired func()) (string, error) {
	if err := enterable(dir); err != nil {
		return "", err
	}
	host := hostname()
	var f *os.File
	var name string
	for try := 1; ; try++ {
		name = strconv.FormatInt(time.Now().Unix(), 10) + "." + strconv.Itoa(os.Getpid()) + "." + host
		var err error
		f, err = os.OpenFile(filepath.Join(dir, "tmp", name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || try == tries {
			return "", ErrWrite
		}
		time.Sleep(2 * time.Second)
	}
	tmp := filepath.Join(dir, "tmp", name)
	timer := time.AfterFunc(Timeout, func() { os.Remove(tmp); expired() })
	defer timer.Stop()
	err := write(f, header, msg)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = ErrWrite
	}
	if err == nil && os.Link(tmp, filepath.Join(dir, "new", name)) != nil {
		err = ErrWrite
	}
	os.Remove(tmp)
	if err != nil {
		return "", err
	}
	return name, nil
}

// enterable is qmail-local's chdir into the maildir: a temporary failure
// is an ordinary temporary error, any other one ErrDir.
func enterable(dir string) error {
	var st syscall.Stat_t
	err := syscall.Stat(dir, &st)
	if err == nil && st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		err = syscall.ENOTDIR
	}
	if err == nil {
		err = syscall.Access(dir, 1) // X_OK: search permission, as chdir needs
	}
	switch {
	case err == nil:
		return nil
	case djberr.Temporary(err):
		return ErrWrite
	default:
		return ErrDir
	}
}

func write(f *os.File, header []byte, msg io.Reader) error {
	w := bufio.NewWriterSize(f, 64*1024)
	w.Write(header)
	buf := make([]byte, 64*1024)
	for {
		n, rerr := msg.Read(buf)
		if _, err := w.Write(buf[:n]); err != nil {
			return ErrWrite
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return ErrRead
		}
	}
	if w.Flush() != nil || f.Sync() != nil {
		return ErrWrite
	}
	return nil
}

// Message is one file found in new/ or cur/.
type Message struct {
	Name  string // relative to the maildir: "new/..." or "cur/..."
	Mtime time.Time
}

// ScanError is qmail's maildir_scan failure text, e.g.
// "unable to scan $MAILDIR/new: " followed by the errno text.
type ScanError struct {
	Text string
	Err  error
}

func (e *ScanError) Error() string { return e.Text + djberr.Text(e.Err) }
func (e *ScanError) Unwrap() error { return e.Err }

// Scan lists the messages in dir/new and dir/cur, skipping names that
// start with a dot and files modified in the current second or later
// (they may still be arriving), oldest first (by name within a second).
func Scan(dir string, now time.Time) ([]Message, error) {
	return scan(dir, now, "new", "cur")
}

// ScanNew lists the messages in dir/new alone, as Scan does: what
// maildirwatch shows.
func ScanNew(dir string, now time.Time) ([]Message, error) {
	return scan(dir, now, "new")
}

func scan(dir string, now time.Time, subs ...string) ([]Message, error) {
	var msgs []Message
	for _, sub := range subs {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return nil, &ScanError{Text: "unable to scan $MAILDIR/" + sub + ": ", Err: err}
		}
		for _, e := range entries {
			if e.Name()[0] == '.' {
				continue
			}
			name := sub + "/" + e.Name()
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil || fi.ModTime().Unix() >= now.Unix() {
				continue
			}
			msgs = append(msgs, Message{Name: name, Mtime: time.Unix(fi.ModTime().Unix(), 0)})
		}
	}
	sort.Slice(msgs, func(i, j int) bool {
		if !msgs[i].Mtime.Equal(msgs[j].Mtime) {
			return msgs[i].Mtime.Before(msgs[j].Mtime)
		}
		return msgs[i].Name < msgs[j].Name
	})
	return msgs, nil
}

// Clean removes files in dir/tmp not accessed for 36 hours: deliveries
// that died half way.
func Clean(dir string, now time.Time) {
	entries, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Name()[0] == '.' {
			continue
		}
		path := filepath.Join(dir, "tmp", e.Name())
		var st syscall.Stat_t
		if syscall.Stat(path, &st) == nil && now.Unix() > st.Atim.Sec+129600 {
			os.Remove(path)
		}
	}
}
