package tcpserver

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/pathexec"
)

// reaper collects the exit status of every child, as the original's
// SIGCHLD handler does with waitpid: on each SIGCHLD one goroutine reaps
// every child that has ended and runs what the connection that started it
// left to do. This costs one wait4 per child, where os/exec would open,
// poll and close a pidfd and keep a goroutine per child; and no thread
// sits in a blocking wait4, which the runtime would keep taking its
// processor from.
type reaper struct {
	mu      sync.Mutex
	waiting map[int]func(syscall.WaitStatus)
	early   map[int]syscall.WaitStatus // reaped before onExit was called
}

func newReaper() *reaper {
	r := &reaper{
		waiting: map[int]func(syscall.WaitStatus){},
		early:   map[int]syscall.WaitStatus{},
	}
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	go r.loop(sigchld)
	return r
}

// onExit registers a child just started; then runs when it has ended.
func (r *reaper) onExit(pid int, then func(syscall.WaitStatus)) {
	r.mu.Lock()
	status, ended := r.early[pid]
	if ended {
		delete(r.early, pid)
	} else {
		r.waiting[pid] = then
	}
	r.mu.Unlock()
	if ended {
		then(status)
	}
}

// loop reaps on every SIGCHLD. Signals of the same kind merge, so each
// round reaps until no ended child is left; the channel's one place keeps
// a SIGCHLD that arrives during a round for the next.
func (r *reaper) loop(sigchld <-chan os.Signal) {
	for range sigchld {
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			if err != nil || pid <= 0 {
				break
			}
			r.ended(pid, status)
		}
	}
}

func (r *reaper) ended(pid int, status syscall.WaitStatus) {
	r.mu.Lock()
	then, ok := r.waiting[pid]
	if ok {
		delete(r.waiting, pid)
	} else {
		r.early[pid] = status
	}
	r.mu.Unlock()
	if ok {
		then(status)
	}
}

// spawn starts the program with fd on its standard input and output and
// env as its environment, and returns its pid. Like execvp, a name without
// a slash is looked for in $PATH each time.
func spawn(program []string, fd int, env []string) (int, error) {
	return pathexec.Start(program, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{uintptr(fd), uintptr(fd), 2},
	})
}

// sockaddrPort turns a socket address into an AddrPort, naming the zone
// of a link-local IPv6 address by its interface.
func sockaddrPort(sa unix.Sockaddr) (netip.AddrPort, bool) {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)), true
	case *unix.SockaddrInet6:
		addr := netip.AddrFrom16(a.Addr)
		if a.ZoneId != 0 {
			zone := strconv.Itoa(int(a.ZoneId))
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				zone = ifi.Name
			}
			addr = addr.WithZone(zone)
		}
		return netip.AddrPortFrom(addr, uint16(a.Port)), true
	}
	return netip.AddrPort{}, false
}
