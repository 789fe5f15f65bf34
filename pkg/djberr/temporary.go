package djberr

import (
	"errors"
	"syscall"
)

// temporaryErrnos is djb's error_temp list: failures worth trying again.
var temporaryErrnos = map[syscall.Errno]bool{
	syscall.EINTR: true, syscall.ENOMEM: true, syscall.ETXTBSY: true,
	syscall.EIO: true, syscall.ETIMEDOUT: true, syscall.EAGAIN: true,
	syscall.EDEADLK: true, syscall.EBUSY: true, syscall.ENFILE: true,
	syscall.EMFILE: true, syscall.EFBIG: true, syscall.ENOSPC: true,
	syscall.ENETDOWN: true, syscall.ENETUNREACH: true, syscall.ENETRESET: true,
	syscall.ECONNABORTED: true, syscall.ECONNRESET: true, syscall.ENOBUFS: true,
	syscall.ETOOMANYREFS: true, syscall.ECONNREFUSED: true, syscall.EHOSTDOWN: true,
	syscall.EHOSTUNREACH: true, syscall.EUSERS: true, syscall.EDQUOT: true,
	syscall.ESTALE: true, syscall.ENOLCK: true,
}

// Temporary reports whether err wraps an errno that djb's error_temp
// calls temporary. Errors without an errno are not temporary.
func Temporary(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && temporaryErrnos[errno]
}
