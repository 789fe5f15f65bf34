// Package queue is qmail-queue: the only way a message enters qmail's
// queue. It writes the message and its envelope in qmail's layout and in
// qmail's crash-safe order: the message under mess/ and the envelope
// under intd/ are both fsynced before intd is linked into todo/, the one
// step that commits the message. A crash at any earlier point leaves
// nothing in todo/, only debris qmail-send's cleanup removes later.
//
// Paths are relative to the queue directory, which must be the current
// directory (qmail-queue chdirs there first).
package queue

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/date822"
)

// Split is qmail's conf-split: mess, info, local and remote have this
// many subdirectories.
const Split = 23

// MaxAddress is the longest address qmail-queue accepts (ADDR - 1).
const MaxAddress = 1002

// Exit codes of qmail-queue, as qmail-queue(8) numbers them.
const (
	ExitOK          = 0
	ExitAddrTooLong = 11
	ExitNoMem       = 51
	ExitTimeout     = 52
	ExitWrite       = 53
	ExitRead        = 54
	ExitHome        = 61
	ExitQueueDir    = 62
	ExitPid         = 63
	ExitMess        = 64
	ExitIntd        = 65
	ExitTodo        = 66
	ExitBug         = 81
	ExitEnvelope    = 91
)

// Error carries the exit code qmail-queue ends with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("qmail-queue exit %d: %v", e.Code, e.Err) }

// Job is one message to queue.
type Job struct {
	Message  io.Reader // fd 0
	Envelope io.Reader // fd 1: F sender, T recipients, a final NUL
	UID      int       // the caller's real uid, written as u<uid>
	PID      int       // qmail-queue's pid: the qp
	Who      string    // "by uid 1000", "from network", ...
	Now      time.Time // taken once, for the pid file and Received line
}

// files is what a job has created so far, for the cleanup on read and
// write errors.
type files struct {
	mess, intd string
}

// Enqueue queues one message and returns nil or an *Error.
func Enqueue(job Job) error {
	var made files
	mess, err := createMess(job, &made)
	if err != nil {
		return err
	}
	defer mess.Close()
	if err := writeMessage(mess, job); err != nil {
		return made.cleanup(err)
	}
	id := made.mess[len("mess/"):]
	id = id[indexByte(id, '/')+1:]
	intdPath := "intd/" + id
	intd, err := os.OpenFile(intdPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return &Error{ExitIntd, err}
	}
	defer intd.Close()
	made.intd = intdPath
	if err := writeEnvelope(intd, job); err != nil {
		var qerr *Error
		if errors.As(err, &qerr) && (qerr.Code == ExitEnvelope || qerr.Code == ExitAddrTooLong) {
			return err // qmail leaves these for the 36-hour cleanup
		}
		return made.cleanup(err)
	}
	if err := os.Link(intdPath, "todo/"+id); err != nil {
		return &Error{ExitTodo, err}
	}
	syncDir("todo") // qmail trusts the link to be durable; we make sure
	PullTrigger("lock/trigger")
	return nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// createMess makes the message file: a fresh pid/ file whose inode
// number names the message, linked into mess/.
func createMess(job Job, made *files) (*os.File, error) {
	var f *os.File
	var pidPath string
	var err error
	for seq := 1; seq <= 9; seq++ {
		pidPath = "pid/" + strconv.Itoa(job.PID) + "." + strconv.FormatInt(job.Now.Unix(), 10) + "." + strconv.Itoa(seq)
		f, err = os.OpenFile(pidPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
	}
	if err != nil {
		return nil, &Error{ExitPid, err}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{ExitPid, err}
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	messPath := fmt.Sprintf("mess/%d/%d", ino%Split, ino)
	if err := os.Link(pidPath, messPath); err != nil {
		f.Close()
		return nil, &Error{ExitMess, err}
	}
	made.mess = messPath
	if err := os.Remove(pidPath); err != nil {
		f.Close()
		return nil, &Error{ExitPid, err}
	}
	return f, nil
}

// ReceivedLine is qmail-queue's own trace line.
func ReceivedLine(pid int, who string, now time.Time) string {
	return "Received: (qmail " + strconv.Itoa(pid) + " invoked " + who + "); " + date822.UTC(now) + "\n"
}

// readError marks an error as the input's, not the queue's.
type readError struct{ error }

func writeMessage(mess *os.File, job Job) error {
	w := bufio.NewWriterSize(mess, 64*1024)
	if _, err := w.WriteString(ReceivedLine(job.PID, job.Who, job.Now)); err != nil {
		return &Error{ExitWrite, err}
	}
	if _, err := w.ReadFrom(readOnly{job.Message}); err != nil {
		var rerr readError
		if errors.As(err, &rerr) {
			return &Error{ExitRead, err}
		}
		return &Error{ExitWrite, err}
	}
	if err := w.Flush(); err != nil {
		return &Error{ExitWrite, err}
	}
	if err := mess.Sync(); err != nil {
		return &Error{ExitWrite, err}
	}
	return nil
}

// readOnly hides any WriterTo of the input and tags its errors, so a
// failure can be told apart from a failure to write.
type readOnly struct{ r io.Reader }

func (r readOnly) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// writeEnvelope writes u and p, then the envelope read from the caller.
func writeEnvelope(intd *os.File, job Job) error {
	w := bufio.NewWriter(intd)
	w.WriteString("u" + strconv.Itoa(job.UID) + "\x00p" + strconv.Itoa(job.PID) + "\x00")
	if err := CopyEnvelope(w, job.Envelope); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return &Error{ExitWrite, err}
	}
	if err := intd.Sync(); err != nil {
		return &Error{ExitWrite, err}
	}
	return nil
}

// CopyEnvelope copies the F record and the T records; the final NUL of
// the input is consumed, not written, and nothing after it is read.
func CopyEnvelope(w *bufio.Writer, envelope io.Reader) error {
	in := bufio.NewReader(envelope)
	kind, err := in.ReadByte()
	if err != nil {
		return &Error{ExitRead, err}
	}
	if kind != 'F' {
		return &Error{ExitEnvelope, errors.New("envelope does not start with F")}
	}
	for {
		w.WriteByte(kind)
		if err := copyAddress(w, in); err != nil {
			return err
		}
		if kind, err = in.ReadByte(); err != nil {
			return &Error{ExitRead, err}
		}
		if kind == 0 {
			return nil
		}
		if kind != 'T' {
			return &Error{ExitEnvelope, errors.New("envelope record is not T")}
		}
	}
}

// copyAddress copies one address and its NUL, at most MaxAddress bytes.
func copyAddress(w *bufio.Writer, in *bufio.Reader) error {
	for n := 0; ; n++ {
		if n > MaxAddress {
			return &Error{ExitAddrTooLong, errors.New("address too long")}
		}
		c, err := in.ReadByte()
		if err != nil {
			return &Error{ExitRead, err}
		}
		w.WriteByte(c)
		if c == 0 {
			return nil
		}
	}
}

// cleanup removes what was made after a read or write error, as
// qmail-queue does: truncate first, so no partial data survives a crash
// between the two steps, then unlink.
func (made files) cleanup(err error) error {
	for _, path := range []string{made.intd, made.mess} {
		if path == "" {
			continue
		}
		os.Truncate(path, 0)
		if os.Remove(path) != nil {
			break
		}
	}
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// PullTrigger wakes qmail-send: one byte into the trigger FIFO, never
// blocking, silently skipped when nobody listens.
func PullTrigger(path string) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	unix.Write(fd, []byte{0})
	unix.Close(fd)
}
