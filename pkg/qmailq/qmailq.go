// Package qmailq hands one message to qmail-queue as qmail's own programs
// do (qmail.c): the message goes to the program's descriptor 0, the
// envelope to its descriptor 1, and the program's exit code becomes one of
// qmail's fixed reply texts. qmail-smtpd, qmail-inject, qmail-local (for
// forwards), qmail-send (for bounces) and qmail-qmqpd all queue through it.
package qmailq

import (
	"bufio"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/quail-mta/quail/pkg/pathexec"
	"github.com/quail-mta/quail/pkg/qhome"
)

// CustomErrorFD is the descriptor on which a queue program that exits 82
// writes its own reply ("D" or "Z" then the text), as the qmail-queue
// custom error patch defines it.
const CustomErrorFD = 6

// Program is the queue program to run: $QMAILQUEUE, except in a setuid
// or setgid process, else HOME/bin/qmail-queue.
func Program() string {
	if p := os.Getenv("QMAILQUEUE"); p != "" && !qhome.Privileged() {
		return p
	}
	return qhome.Path("bin", "qmail-queue")
}

// Queue is one running queue program being fed a message.
type Queue struct {
	pid     int
	msgPipe *os.File
	msg     *bufio.Writer
	env     *bufio.Writer
	envPipe *os.File
	errPipe *os.File
	bytes   int64
	failed  bool // a write failed: qmail's flagerr
}

// Open starts program with pipes on its descriptors 0, 1 and 6. The
// program runs in "/", so a relative path is useless; a name without a
// slash is looked for in $PATH.
func Open(program string) (*Queue, error) {
	msgR, msgW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	envR, envW, err := os.Pipe()
	if err != nil {
		closeAll(msgR, msgW)
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(msgR, msgW, envR, envW)
		return nil, err
	}
	const closed = ^uintptr(0) // ForkExec closes a descriptor given as -1
	pid, startErr := pathexec.Start([]string{program}, &syscall.ProcAttr{
		Dir:   "/",
		Env:   os.Environ(),
		Files: []uintptr{msgR.Fd(), envR.Fd(), 2, closed, closed, closed, errW.Fd()},
	})
	closeAll(msgR, envR, errW)
	if startErr != nil {
		closeAll(msgW, envW, errR)
		// as os.StartProcess reports it, which callers take for qmail's
		// "unable to exec qq"
		return nil, &os.PathError{Op: "fork/exec", Path: program, Err: startErr}
	}
	return &Queue{
		pid:     pid,
		msgPipe: msgW,
		msg:     bufio.NewWriterSize(msgW, 64*1024),
		envPipe: envW,
		env:     bufio.NewWriter(envW),
		errPipe: errR,
	}, nil
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// Pid is the queue program's process id (qmail-smtpd reports it as "qp").
func (q *Queue) Pid() int { return q.pid }

// Bytes is the number of message bytes written so far.
func (q *Queue) Bytes() int64 { return q.bytes }

// Write adds message bytes. A failure is remembered, not returned, so a
// caller can go on reading its input to the end as qmail's programs do;
// Close then reports it.
func (q *Queue) Write(p []byte) (int, error) {
	if q.failed {
		return len(p), nil
	}
	if _, err := q.msg.Write(p); err != nil {
		q.failed = true
	}
	q.bytes += int64(len(p))
	return len(p), nil
}

// WriteString adds message text.
func (q *Queue) WriteString(s string) (int, error) {
	return q.Write([]byte(s))
}

// From ends the message and starts the envelope with its sender.
func (q *Queue) From(sender string) {
	if q.msgPipe != nil {
		if err := q.msg.Flush(); err != nil {
			q.failed = true
		}
		q.msgPipe.Close()
		q.msgPipe = nil
	}
	q.envelope("F", sender)
}

// To adds one recipient to the envelope.
func (q *Queue) To(recipient string) { q.envelope("T", recipient) }

func (q *Queue) envelope(kind, addr string) {
	if q.failed {
		return
	}
	q.env.WriteString(kind)
	q.env.WriteString(addr)
	if err := q.env.WriteByte(0); err != nil {
		q.failed = true
	}
}

// Fail marks the message as broken (the input could not be read): the
// envelope is never finished, so the queue program discards the message,
// and Close reports qq's read error.
func (q *Queue) Fail() { q.failed = true }

// Abort gives the message up as a qmail program that dies mid-message
// does: bytes not yet written are dropped and both pipes are closed with
// no envelope, so the queue program discards what it got. Abort then
// waits for the program to exit.
func (q *Queue) Abort() {
	q.failed = true
	if q.msgPipe != nil {
		q.msg.Reset(io.Discard)
		q.msgPipe.Close()
		q.msgPipe = nil
	}
	q.envPipe.Close()
	q.errPipe.Close()
	q.wait()
}

// wait reaps the program.
func (q *Queue) wait() (syscall.WaitStatus, error) { return pathexec.Wait(q.pid) }

// Close finishes the envelope, waits for the program and returns nil if
// the message was queued, else an *Error with qmail's reply text.
func (q *Queue) Close() error {
	if q.msgPipe != nil {
		q.From("")
	}
	if !q.failed {
		q.env.WriteByte(0)
		if q.env.Flush() != nil {
			q.failed = true
		}
	}
	q.envPipe.Close()
	defer q.errPipe.Close()
	status, err := q.wait()
	switch {
	case err != nil:
		return &Error{Code: -1, Text: "qq waitpid surprise (#4.3.0)"}
	case status.Signaled():
		return &Error{Code: -1, Text: "qq crashed (#4.3.0)"}
	case status.ExitStatus() == 0:
		if q.failed {
			return exitError(54)
		}
		return nil
	case status.ExitStatus() == 82:
		return customError(q.errPipe)
	default:
		return exitError(status.ExitStatus())
	}
}

// Error is a message the queue program did not accept.
type Error struct {
	Code      int    // the program's exit code, -1 if it crashed
	Permanent bool   // qmail's "D": do not try again
	Text      string // e.g. "qq write error or disk full (#4.3.0)"
}

func (e *Error) Error() string { return e.Text }

// exitError is qmail.c's table from exit code to reply.
func exitError(code int) *Error {
	perm := func(text string) *Error { return &Error{Code: code, Permanent: true, Text: text} }
	temp := func(text string) *Error { return &Error{Code: code, Text: text} }
	switch code {
	case 11, 115:
		return perm("envelope address too long for qq (#5.1.3)")
	case 31:
		return perm("mail server permanently rejected message (#5.3.0)")
	case 51:
		return temp("qq out of memory (#4.3.0)")
	case 52:
		return temp("qq timeout (#4.3.0)")
	case 53:
		return temp("qq write error or disk full (#4.3.0)")
	case 0, 54:
		return temp("qq read error (#4.3.0)")
	case 55:
		return temp("qq unable to read configuration (#4.3.0)")
	case 56:
		return temp("qq trouble making network connection (#4.3.0)")
	case 61:
		return temp("qq trouble in home directory (#4.3.0)")
	case 62, 63, 64, 65, 66:
		return temp("qq trouble creating files in queue (#4.3.0)")
	case 71:
		return temp("mail server temporarily rejected message (#4.3.0)")
	case 72:
		return temp("connection to mail server timed out (#4.4.1)")
	case 73:
		return temp("connection to mail server rejected (#4.4.1)")
	case 74:
		return temp("communication with mail server failed (#4.4.2)")
	case 81, 91:
		return temp("qq internal bug (#4.3.0)")
	case 120:
		return temp("unable to exec qq (#4.3.0)")
	}
	if code >= 11 && code <= 40 {
		return perm("qq permanent problem (#5.3.0)")
	}
	return temp("qq temporary problem (#4.3.0)")
}

// customError reads the reply a program exiting 82 wrote on descriptor 6:
// "D" for a permanent failure or "Z" for a temporary one, then the text.
func customError(r io.Reader) *Error {
	buf, _ := io.ReadAll(io.LimitReader(r, 1024))
	text := strings.TrimRight(string(buf), "\r\n")
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	if len(text) < 2 || (text[0] != 'D' && text[0] != 'Z') {
		return exitError(82)
	}
	return &Error{Code: 82, Permanent: text[0] == 'D', Text: text[1:]}
}
