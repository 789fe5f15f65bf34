// Package start is qmail-start: it connects qmail-send to qmail-lspawn,
// qmail-rspawn, qmail-clean and a logger with pipes, each process as the
// user qmail runs it as when started by root, and then becomes qmail-send.
// Started by an ordinary user, every process runs as that user.
package start

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/qhome"
)

// DefaultDelivery is qmail-start's default when no argument is given.
const DefaultDelivery = "./Mailbox"

// ids are the numeric ids of qmail's users and groups, or nil when not
// running as root.
type ids struct {
	qmail, nofiles                 uint32
	qmaill, qmailq, qmailr, qmails uint32
}

func lookupIDs() (*ids, error) {
	if os.Getuid() != 0 {
		return nil, nil
	}
	var out ids
	for _, g := range []struct {
		name string
		to   *uint32
	}{{"qmail", &out.qmail}, {"nofiles", &out.nofiles}} {
		grp, err := user.LookupGroup(g.name)
		if err != nil {
			return nil, err
		}
		n, _ := strconv.Atoi(grp.Gid)
		*g.to = uint32(n)
	}
	for _, u := range []struct {
		name string
		to   *uint32
	}{{"qmaill", &out.qmaill}, {"qmailq", &out.qmailq}, {"qmailr", &out.qmailr}, {"qmails", &out.qmails}} {
		usr, err := user.Lookup(u.name)
		if err != nil {
			return nil, err
		}
		n, _ := strconv.Atoi(usr.Uid)
		*u.to = uint32(n)
	}
	return &out, nil
}

// program finds a qmail program as execvp would, then in QMAILHOME/bin.
func program(name string) string {
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	return qhome.Path("bin", name)
}

// Run starts the logger (if any) and the three helpers, then execs
// qmail-send with fds 0 to 6 as qmail-send expects them. It returns only
// on failure.
func Run(delivery string, logger []string) error {
	if err := reserveLowDescriptors(); err != nil {
		return err
	}
	if err := os.Chdir("/"); err != nil {
		return err
	}
	syscall.Umask(0o077)
	id, err := lookupIDs()
	if err != nil {
		return err
	}
	if id != nil {
		if err := syscall.Setgroups([]int{int(id.qmail)}); err != nil {
			return err
		}
		if err := syscall.Setgid(int(id.qmail)); err != nil {
			return err
		}
	}
	logW := os.Stdout
	if len(logger) > 0 {
		if logW, err = startLogger(logger, id); err != nil {
			return err
		}
	}
	var pipes [6]*os.File // send's ends: 1 cmd→lspawn, 2 ←lspawn, 3, 4 rspawn, 5, 6 clean
	helpers := []struct {
		argv []string
		uid  func(*ids) uint32
	}{
		{[]string{"qmail-lspawn", delivery}, func(*ids) uint32 { return 0 }},
		{[]string{"qmail-rspawn"}, func(i *ids) uint32 { return i.qmailr }},
		{[]string{"qmail-clean"}, func(i *ids) uint32 { return i.qmailq }},
	}
	for n, h := range helpers {
		cmdR, cmdW, err := os.Pipe()
		if err != nil {
			return err
		}
		resR, resW, err := os.Pipe()
		if err != nil {
			return err
		}
		c := exec.Command(program(h.argv[0]), h.argv[1:]...)
		c.Args[0] = h.argv[0]
		c.Stdin, c.Stdout = cmdR, resW
		if id != nil {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: h.uid(id), Gid: id.qmail, Groups: []uint32{id.qmail}}}
		}
		if err := c.Start(); err != nil {
			return fmt.Errorf("unable to start %s: %w", h.argv[0], err)
		}
		cmdR.Close()
		resW.Close()
		pipes[2*n], pipes[2*n+1] = cmdW, resR
	}
	return becomeSend(logW, pipes, id)
}

// startLogger runs the logger as qmaill (group nofiles) reading a pipe and
// returns the pipe's writing end.
func startLogger(argv []string, id *ids) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		path = program(argv[0])
	}
	c := exec.Command(path, argv[1:]...)
	c.Args[0] = argv[0]
	c.Stdin, c.Stdout, c.Stderr = r, os.Stdout, os.Stderr
	if id != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: id.qmaill, Gid: id.nofiles, Groups: []uint32{id.nofiles}}}
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	r.Close()
	return w, nil
}

// reserveLowDescriptors fills every closed descriptor from 0 to 6 with
// /dev/null before anything else opens one. becomeSend overwrites 0 to 6
// at the end, and none of them may then belong to the Go runtime (its
// epoll descriptor, made at the first pipe): overwriting that one crashes
// the runtime before the exec.
func reserveLowDescriptors() error {
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDWR, 0)
		if err != nil {
			return err
		}
		if fd > 6 {
			return syscall.Close(fd)
		}
	}
}

// becomeSend puts the log on fd 0 and the six pipe ends on fds 1 to 6,
// switches to qmails when root, and execs qmail-send.
func becomeSend(log *os.File, pipes [6]*os.File, id *ids) error {
	// Move every source above 6 first (close-on-exec), so that no dup2
	// overwrites a source; the copies on 0 to 6 survive the exec.
	sources := append([]*os.File{log}, pipes[:]...)
	high := make([]int, len(sources))
	for i, f := range sources {
		fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 7)
		if err != nil {
			return err
		}
		high[i] = fd
	}
	for i, fd := range high {
		if err := unix.Dup2(fd, i); err != nil {
			return err
		}
	}
	if id != nil {
		if err := syscall.Setuid(int(id.qmails)); err != nil {
			return err
		}
	}
	path := program("qmail-send")
	err := syscall.Exec(path, []string{"qmail-send"}, os.Environ())
	return errors.Join(errors.New("unable to run qmail-send"), err)
}
