// Package pathexec replaces the running process with a program, as djb's
// pathexec_run does for ucspi-tcp's tools: a name without a slash is
// looked for in $PATH, and a failure comes back worded as the originals
// word it ("unable to run prog: file does not exist").
package pathexec

import (
	"errors"
	"io/fs"
	"os/exec"
	"strings"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
)

// Error is a failed exec, with the original's message.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Run replaces this process with program[0] run with arguments program
// and environment env. It returns only on failure.
func Run(program []string, env []string) error {
	return RunAs(program[0], program, env)
}

// RunAs runs the file path (looked for in $PATH if it has no slash) with
// argv as its arguments, argv[0] included, as argv0 needs.
func RunAs(path string, argv []string, env []string) error {
	name := path
	if !strings.Contains(path, "/") {
		found, err := exec.LookPath(path)
		switch {
		case err == nil || errors.Is(err, exec.ErrDot): // execvp runs it too
		case errors.Is(err, fs.ErrPermission):
			return failed(name, syscall.EACCES)
		default:
			return failed(name, syscall.ENOENT)
		}
		path = found
	}
	return failed(name, syscall.Exec(path, argv, env))
}

func failed(name string, err error) error {
	return &Error{Msg: "unable to run " + name + ": " + djberr.Text(err)}
}
