package pathexec

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
)

// Start starts argv[0] as a child with attr (descriptors, directory,
// environment) and returns its pid. A name without a slash is looked for
// in $PATH, as execvp does; one not found is ENOENT. It forks with
// syscall.ForkExec rather than os/exec, whose first start in a process
// clones a throwaway child to try out pidfds: an extra process for every
// program that starts one child per run (qmail-smtpd, qmail-local).
func Start(argv []string, attr *syscall.ProcAttr) (int, error) {
	path := argv[0]
	if !strings.Contains(path, "/") {
		found, err := exec.LookPath(path)
		if errors.Is(err, exec.ErrNotFound) {
			return 0, syscall.ENOENT
		}
		if err != nil {
			return 0, err
		}
		path = found
	}
	return syscall.ForkExec(path, argv, attr)
}

// Wait waits for the child pid to end and returns how it ended.
func Wait(pid int) (syscall.WaitStatus, error) {
	var status syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &status, 0, nil)
		if err != syscall.EINTR {
			return status, err
		}
	}
}
