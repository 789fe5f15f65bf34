// Package timeoutio gives a server run by tcpserver descriptors whose
// reads and writes can time out, as djb's timeoutread and timeoutwrite do
// for qmail-smtpd and qmail-pop3d: a socket or pipe is switched to
// non-blocking mode so that Go's poller, and with it deadlines, manage it.
package timeoutio

import (
	"os"
	"os/signal"
	"syscall"
)

// Open returns descriptor fd as a file that takes deadlines where it
// can: a socket or pipe is made non-blocking; anything else (a file, a
// terminal) is used as it is.
func Open(fd int, name string) *os.File {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err == nil {
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFSOCK, syscall.S_IFIFO:
			syscall.SetNonblock(fd, true)
		}
	}
	return os.NewFile(uintptr(fd), name)
}

// Block puts descriptor fd back into blocking mode, for a child that
// shares it and expects what it was given: the mode belongs to the open
// file, not to this process's descriptor.
func Block(fd int) { syscall.SetNonblock(fd, false) }

// Stdio prepares a server tcpserver runs: SIGPIPE ignored, so that a
// client that goes away cannot kill it mid-message, and descriptors 0 and
// 1 opened as by Open.
func Stdio() (in, out *os.File) {
	signal.Ignore(syscall.SIGPIPE)
	return Open(0, "stdin"), Open(1, "stdout")
}
