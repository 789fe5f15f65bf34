// Package mbox owns the mbox format as qmail writes it: the "From "
// separator line with qmail's ctime-style date, ">From " quoting of
// message lines, and appending one message to a file under an exclusive
// flock, cutting the file back if the append fails half way.
package mbox

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Ctime is qmail's myctime: "Www Mmm DD hh:mm:ss yyyy\n" in UTC.
func Ctime(t time.Time) string {
	t = t.UTC()
	two := func(n int) string {
		if n < 10 {
			return "0" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	}
	return t.Weekday().String()[:3] + " " + t.Month().String()[:3] + " " + two(t.Day()) + " " +
		two(t.Hour()) + ":" + two(t.Minute()) + ":" + two(t.Second()) + " " + strconv.Itoa(t.Year()) + "\n"
}

// NeedsQuote reports whether a message line would read as a separator:
// any number of '>' followed by "From ". Such lines get one more '>'.
func NeedsQuote(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return len(line)-i >= 5 && string(line[i:i+5]) == "From "
}

// ReadError is a failure to read the message being copied.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "read: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// WriteError is a failure to write the mailbox.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "write: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// CopyQuoted copies msg to w line by line, quoting separator-like lines
// and ending an unterminated last line with a newline. It streams: a
// line is never held in memory whole, however long it is.
func CopyQuoted(w *bufio.Writer, msg io.Reader) error {
	r := bufio.NewReaderSize(msg, 64<<10)
	for {
		copied, complete, err := copyLine(w, r)
		if err != nil || !copied {
			return err
		}
		if !complete {
			if err := w.WriteByte('\n'); err != nil {
				return &WriteError{err}
			}
			return nil
		}
	}
}

// copyLine copies one line, with a '>' in front if it reads as a
// separator. It counts the line's leading '>' instead of buffering
// them, then looks five bytes ahead for "From ".
func copyLine(w *bufio.Writer, r *bufio.Reader) (copied, complete bool, err error) {
	quotes := 0
	for {
		c, err := r.ReadByte()
		if err == io.EOF {
			if quotes == 0 {
				return false, false, nil
			}
			return true, false, writeQuotes(w, quotes)
		}
		if err != nil {
			return false, false, &ReadError{err}
		}
		if c != '>' {
			r.UnreadByte()
			break
		}
		quotes++
	}
	if head, _ := r.Peek(5); string(head) == "From " {
		quotes++
	}
	if err := writeQuotes(w, quotes); err != nil {
		return true, false, err
	}
	for {
		chunk, err := r.ReadSlice('\n')
		if _, werr := w.Write(chunk); werr != nil {
			return true, false, &WriteError{werr}
		}
		switch {
		case err == nil:
			return true, true, nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			return true, false, nil
		default:
			return true, false, &ReadError{err}
		}
	}
}

func writeQuotes(w *bufio.Writer, n int) error {
	for ; n > 0; n-- {
		if err := w.WriteByte('>'); err != nil {
			return &WriteError{err}
		}
	}
	return nil
}

// OpenError is a mailbox that could not be opened.
type OpenError struct{ Err error }

func (e *OpenError) Error() string { return "open: " + e.Err.Error() }
func (e *OpenError) Unwrap() error { return e.Err }

// ErrLocked is a mailbox someone else kept locked for the whole timeout.
var ErrLocked = errors.New("mailbox stayed locked")

// LockTimeout is how long qmail-local waits for a mailbox lock.
const LockTimeout = 30 * time.Second

// Append adds one message to the mailbox at path, creating it mode 0600
// (less the umask): header (the From_, Return-Path and Delivered-To
// lines), the message quoted, and an empty line, then fsync. If the file
// cannot be locked because the filesystem has no locks, the message is
// appended unlocked, as qmail does. If writing fails and the file was
// locked, it is cut back to its old length.
func Append(path string, header []byte, msg io.Reader, lockTimeout time.Duration) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		return &OpenError{err}
	}
	locked, err := lock(f, lockTimeout)
	if err != nil {
		return err // f stays with the goroutine still waiting for the lock
	}
	defer f.Close()
	start, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return &WriteError{err}
	}
	if err := write(f, header, msg); err != nil {
		if locked {
			f.Truncate(start)
		}
		return err
	}
	return nil
}

func write(f *os.File, header []byte, msg io.Reader) error {
	w := bufio.NewWriter(f)
	w.Write(header)
	if err := CopyQuoted(w, msg); err != nil {
		return err
	}
	w.WriteByte('\n')
	if err := w.Flush(); err != nil {
		return &WriteError{err}
	}
	if err := f.Sync(); err != nil {
		return &WriteError{err}
	}
	return nil
}

// lock takes an exclusive flock, waiting at most timeout. A filesystem
// without locking gives locked == false and no error.
func lock(f *os.File, timeout time.Duration) (locked bool, err error) {
	done := make(chan error, 1)
	go func() {
		done <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err == nil, nil
	case <-timer.C:
		go func() { <-done; f.Close() }()
		return false, ErrLocked
	}
}

// CopyFromMaildir appends one Maildir message to w as maildir2mbox
// does: a From_ line whose address comes from a first line
// "Return-Path: <addr>" (spaces and tabs made '-', "<>" giving
// MAILER-DAEMON, no such line giving XXX) and whose date is mtime, the
// message's lines quoted, and an empty line. As in qmail, a last line
// without a newline is not copied, and so each line is read whole first.
func CopyFromMaildir(w *bufio.Writer, msg io.Reader, mtime time.Time) error {
	r := bufio.NewReader(msg)
	line, err := r.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return &ReadError{err}
	}
	complete := err == nil
	from := "From XXX "
	const rp = "Return-Path: <"
	if complete && len(line) > len(rp) && string(line[:len(rp)]) == rp {
		if line[len(rp)] == '>' {
			from = "From MAILER-DAEMON "
		} else {
			addr := []byte{}
			for i := len(rp); i < len(line)-2; i++ {
				c := line[i]
				if c == ' ' || c == '\t' {
					c = '-'
				}
				addr = append(addr, c)
			}
			from = "From " + string(addr) + " "
		}
	}
	if _, err := w.WriteString(from + Ctime(mtime)); err != nil {
		return &WriteError{err}
	}
	for complete {
		if NeedsQuote(line) {
			w.WriteByte('>')
		}
		if _, err := w.Write(line); err != nil {
			return &WriteError{err}
		}
		line, err = r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return &ReadError{err}
		}
		complete = err == nil
	}
	if err := w.WriteByte('\n'); err != nil {
		return &WriteError{err}
	}
	return nil
}
