package pathexec

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
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

// Wait waits for the child pid to end and returns how it ended. Where
// the kernel has pidfds it waits in Go's poller rather than in a blocking
// wait4: while a thread is blocked in a system call the runtime's monitor
// thread wakes every 20 µs, some 60 times while qmail-smtpd waits for one
// qmail-queue, and each wake is a context switch taken from the machine.
func Wait(pid int) (syscall.WaitStatus, error) {
	if status, polled, err := waitPolled(pid); polled {
		return status, err
	}
	var status syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &status, 0, nil)
		if err != syscall.EINTR {
			return status, err
		}
	}
}

// waitPolled reaps pid once its pidfd turns readable; polled is false
// when there is no pidfd to wait on (an old kernel).
func waitPolled(pid int) (status syscall.WaitStatus, polled bool, err error) {
	fd, openErr := unix.PidfdOpen(pid, 0)
	if openErr != nil || unix.SetNonblock(fd, true) != nil {
		if openErr == nil {
			unix.Close(fd)
		}
		return 0, false, nil
	}
	pidfd := os.NewFile(uintptr(fd), "pidfd") // non-blocking: in the poller
	defer pidfd.Close()
	conn, connErr := pidfd.SyscallConn()
	if connErr != nil {
		return 0, false, nil
	}
	pollErr := conn.Read(func(uintptr) bool {
		for {
			var reaped int
			reaped, err = syscall.Wait4(pid, &status, syscall.WNOHANG, nil)
			if err != syscall.EINTR {
				return reaped == pid || err != nil
			}
		}
	})
	if err == nil && pollErr != nil {
		err = pollErr
	}
	return status, true, err
}
