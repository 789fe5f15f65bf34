// Package mailtools holds qmail's small mail programs: the ones a .qmail
// file runs (condredirect, bouncesaying, except, forward, preline) and the
// ones users send with (predate, datemail, mailsubj). Each is a function
// taking its arguments and returning its exit code, with qmail's messages
// and exit codes: 0 success, 99 delivered elsewhere (stop reading the
// .qmail file), 100 permanent failure, 111 temporary failure.
package mailtools

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/pathexec"
	"github.com/quail-mta/quail/pkg/qmailq"
)

// Params is what a program runs with.
type Params struct {
	Args   []string // argv, argv[0] included
	Env    func(string) (string, bool)
	Stdin  *os.File
	Stdout *os.File // files, not writers: children write to them directly
	Stderr *os.File
	Queue  string // the queue program for forward and condredirect
	Home   string // the qmail home, for datemail and mailsubj
	Now    time.Time
}

// Default returns the parameters of this process.
func Default() Params {
	return Params{Args: os.Args, Env: os.LookupEnv, Stdin: os.Stdin, Stdout: os.Stdout,
		Stderr: os.Stderr, Queue: qmailq.Program(), Now: time.Now()}
}

// die prints the message parts (djb's strerr_die) and returns code.
func (p Params) die(code int, parts ...string) int {
	for _, s := range parts {
		io.WriteString(p.Stderr, s)
	}
	io.WriteString(p.Stderr, "\n")
	return code
}

// temporary is djb's error_temp: errors worth trying again.
func temporary(err error) bool {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return false
	}
	switch e {
	case syscall.EINTR, syscall.ENOMEM, syscall.ETXTBSY, syscall.EIO, syscall.ETIMEDOUT,
		syscall.EAGAIN, syscall.EDEADLK, syscall.EBUSY, syscall.ENFILE, syscall.EMFILE,
		syscall.EFBIG, syscall.ENOSPC, syscall.ENETDOWN, syscall.ENETUNREACH, syscall.ENETRESET,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EHOSTDOWN, syscall.EHOSTUNREACH,
		syscall.ENOBUFS, syscall.ETOOMANYREFS, syscall.ECONNREFUSED, syscall.EUSERS,
		syscall.EDQUOT, syscall.ESTALE, syscall.ENOLCK:
		return true
	}
	return false
}

// childStatus is how a child ended.
type childStatus struct {
	code    int
	crashed bool
}

// runChild runs argv with the program's own stdin, stdout and stderr, as
// qmail's fork-and-exec does. A program that cannot be run ends with 111
// for a temporary error and 100 otherwise, as qmail's child does after a
// failed execvp.
func (p Params) runChild(argv []string) (childStatus, error) {
	pid, err := p.start(argv, p.Stdin)
	if err != nil {
		if temporary(err) {
			return childStatus{code: 111}, nil
		}
		return childStatus{code: 100}, nil
	}
	return wait(pid)
}

// start starts argv with stdin and the program's stdout and stderr, in
// this process's environment; a name without a slash is looked for in
// $PATH, as execvp does.
func (p Params) start(argv []string, stdin *os.File) (int, error) {
	return pathexec.Start(argv, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{stdin.Fd(), p.Stdout.Fd(), p.Stderr.Fd()},
	})
}

func wait(pid int) (childStatus, error) {
	status, err := pathexec.Wait(pid)
	switch {
	case err != nil:
		return childStatus{}, err
	case status.Signaled():
		return childStatus{crashed: true}, nil
	}
	return childStatus{code: status.ExitStatus()}, nil
}
