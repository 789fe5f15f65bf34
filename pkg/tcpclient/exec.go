package tcpclient

import (
	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/pathexec"
)

// Descriptors the program reads from and writes to the server on.
const (
	ReadFD  = 6
	WriteFD = 7
)

// ReserveDescriptors closes whatever tcpclient inherited on descriptors 6
// and 7, as the original does at start, and keeps them taken (by
// /dev/null, close-on-exec) so that no descriptor the Go runtime or a
// lookup opens lands there: Exec replaces them with the socket.
func ReserveDescriptors() error {
	null, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	for _, fd := range []int{ReadFD, WriteFD} {
		if null == fd {
			continue
		}
		if err := unix.Dup3(null, fd, unix.O_CLOEXEC); err != nil {
			return err
		}
	}
	if null != ReadFD && null != WriteFD {
		unix.Close(null)
	}
	return nil
}

// Exec runs the program in this process with the socket on descriptors 6
// and 7 and env as its environment. A name without a slash is looked for
// in $PATH, as execvp does. It returns only on failure.
func Exec(fd int, program []string, env []string) error {
	if fd != ReadFD {
		if err := unix.Dup3(fd, ReadFD, 0); err != nil {
			return fatalf("unable to set up descriptor 6: %s", djberr.Text(err))
		}
		unix.Close(fd)
	} else if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
		return fatalf("unable to set up descriptor 6: %s", djberr.Text(err))
	}
	if err := unix.Dup3(ReadFD, WriteFD, 0); err != nil {
		return fatalf("unable to set up descriptor 7: %s", djberr.Text(err))
	}
	return pathexec.Run(program, env)
}
