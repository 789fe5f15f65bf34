// Package pathexec runs programs. Run replaces the running process with
// a program, as djb's pathexec_run does for ucspi-tcp's tools: a name
// without a slash is tried in each directory of $PATH, and a failure comes
// back worded as the originals word it ("unable to run prog: file does not
// exist"). Start and Wait run a child and reap it, for the programs that
// start one child per run.
package pathexec

import (
	"errors"
	"os"
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

// RunAs runs the file path with argv as its arguments, argv[0] included,
// as argv0 needs. A path without a slash is tried in each directory of
// $PATH (default "/bin:/usr/bin:", an empty entry meaning the current
// directory) as djb's pathexec_run does: a missing file means go on; a
// file that cannot be run (access denied, a directory) is remembered and
// the search goes on; any other failure ends it.
func RunAs(path string, argv []string, env []string) error {
	if strings.Contains(path, "/") {
		return failed(path, syscall.Exec(path, argv, env))
	}
	dirs, ok := os.LookupEnv("PATH")
	if !ok {
		dirs = "/bin:/usr/bin:"
	}
	var saved error = syscall.ENOENT
	for _, dir := range strings.Split(dirs, ":") {
		if dir == "" {
			dir = "."
		}
		err := syscall.Exec(dir+"/"+path, argv, env)
		switch {
		case errors.Is(err, syscall.ENOENT):
		case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EISDIR):
			saved = err
		default:
			return failed(path, err)
		}
	}
	return failed(path, saved)
}

func failed(name string, err error) error {
	return &Error{Msg: "unable to run " + name + ": " + djberr.Text(err)}
}
