package pathexec

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

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

// WaitLimit is Wait with a time limit: a child still running after limit
// is killed with SIGKILL, reaped, and reported as expired. The kill goes
// through a pidfd, so it can never reach another process that reused the
// pid after the child was reaped. Without pidfds (an old kernel) there is
// no limit.
func WaitLimit(pid int, limit time.Duration) (status syscall.WaitStatus, expired bool, err error) {
	fd, openErr := unix.PidfdOpen(pid, 0)
	if openErr != nil {
		status, err = Wait(pid)
		return status, false, err
	}
	var mu sync.Mutex // the timer never signals through a closed pidfd
	closed, killed := false, false
	timer := time.AfterFunc(limit, func() {
		mu.Lock()
		defer mu.Unlock()
		if !closed {
			killed = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0) == nil
		}
	})
	status, err = Wait(pid)
	timer.Stop()
	mu.Lock()
	closed = true
	unix.Close(fd)
	// A kill that landed on a child already exiting changed nothing.
	expired = killed && status.Signaled() && status.Signal() == syscall.SIGKILL
	mu.Unlock()
	return status, expired, err
}
