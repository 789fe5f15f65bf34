package tcpserver

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Server accepts connections and hands each to the program.
type Server struct {
	opts     Options
	listener *net.TCPListener
	log      *logger
	pid      string // this process's pid, for lines about refused clients

	baseEnv  []string // tcpserver's own environment, read once
	reaper   *reaper
	slots    chan struct{} // one token per connection being handled
	mu       sync.Mutex
	children int
	perIP    map[netip.Addr]int
	perNet   map[netip.Prefix]int
}

// New prepares a server on a bound listener; log gets the log lines.
func New(ln *net.TCPListener, opts Options, log io.Writer) *Server {
	limit := max(opts.Limit, 1)
	if opts.Limit <= 0 {
		limit = 1 // the original waits for a free slot that never comes; serve one at a time instead
	}
	return &Server{
		opts:     opts,
		listener: ln,
		log:      &logger{w: log, level: opts.Verbosity},
		pid:      strconv.Itoa(os.Getpid()),
		baseEnv:  os.Environ(),
		reaper:   newReaper(),
		slots:    make(chan struct{}, limit),
		perIP:    map[netip.Addr]int{},
		perNet:   map[netip.Prefix]int{},
	}
}

// Serve accepts connections until the listener fails. Connections beyond
// the limit wait in the kernel's backlog, as in the original: the loop
// takes a slot before it accepts. Go's poller says when the listening
// socket is ready, but accept4 itself is called here, without
// SOCK_NONBLOCK: each connection stays out of the poller, and the child
// gets a socket as the original's does. (A blocking accept4 instead would
// keep a thread in the kernel, which the runtime keeps taking its
// processor from and handing back, at a cost per connection.)
func (s *Server) Serve() error {
	raw, err := s.pollableListener()
	if err != nil {
		return err
	}
	s.status()
	for {
		s.slots <- struct{}{}
		var fd int
		var sa unix.Sockaddr
		var acceptErr error
		err := raw.Read(func(lfd uintptr) bool {
			fd, sa, acceptErr = unix.Accept4(int(lfd), unix.SOCK_CLOEXEC)
			return acceptErr != unix.EAGAIN
		})
		if err == nil {
			err = acceptErr
		}
		if err != nil {
			<-s.slots
			if temporaryAccept(err) {
				continue
			}
			return err
		}
		s.changeChildren(+1)
		// A goroutine per connection: lookups never hold up the loop, and
		// children start in parallel (each start waits for its exec).
		go s.handle(fd, sa)
	}
}

// pollableListener is the listening socket as a file in Go's poller, whose
// raw connection, unlike a net.Listener's, can wait for readiness.
func (s *Server) pollableListener() (syscall.RawConn, error) {
	dup, err := s.listener.File()
	if err != nil {
		return nil, err
	}
	defer dup.Close()
	fd, err := unix.FcntlInt(dup.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "listener").SyscallConn()
}

// temporaryAccept tells errors after which accepting can go on (an aborted
// connection, a signal, a momentary lack of memory or descriptors).
func temporaryAccept(err error) bool {
	switch err {
	case unix.EINTR, unix.ECONNABORTED, unix.EAGAIN, unix.EPROTO, unix.ENOBUFS, unix.ENOMEM, unix.EMFILE, unix.ENFILE:
		if err == unix.EMFILE || err == unix.ENFILE {
			time.Sleep(10 * time.Millisecond)
		}
		return true
	}
	return false
}

// done releases a connection's slot once its child has ended. The end
// line and the status line go out together, as from the original's
// SIGCHLD handler (Halt cannot come between them), and before the slot is
// free, so that they always come before the next connection's
// "status: 1/1" line, as in the original's single-threaded loop.
func (s *Server) done(end string) {
	s.mu.Lock()
	if end != "" {
		s.log.verbose("%s", end)
	}
	s.children--
	s.logStatus(s.children)
	s.mu.Unlock()
	<-s.slots
}

// Halt stops all logging of connections' ends for good, waiting for any
// end and status pair being written: the caller exits next (on TERM) and
// leaves no pair cut in half. It waits a second at most, so that a log
// pipe nobody reads cannot keep the server from ending.
func (s *Server) Halt() {
	locked := make(chan struct{})
	go func() {
		s.mu.Lock()
		close(locked)
	}()
	select {
	case <-locked:
	case <-time.After(time.Second):
	}
}

// changeChildren changes the number of children and logs the status line under
// the same lock, so the lines come in the order of the changes.
func (s *Server) changeChildren(delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.children += delta
	s.logStatus(s.children)
}

func (s *Server) status() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logStatus(s.children)
}

func (s *Server) logStatus(n int) {
	if s.log.level >= Verbose {
		s.log.printf("status: %d/%d", n, s.opts.Limit)
	}
}

// logger writes "tcpserver: " lines, one write each, so that lines from
// concurrent connections never interleave.
type logger struct {
	mu    sync.Mutex
	w     io.Writer
	level Verbosity
}

func (l *logger) printf(format string, args ...any) {
	line := "tcpserver: " + fmt.Sprintf(format, args...) + "\n"
	l.mu.Lock()
	io.WriteString(l.w, line)
	l.mu.Unlock()
}

// warn logs a warning unless -q.
func (l *logger) warn(format string, args ...any) {
	if l.level >= Errors {
		l.printf("warning: "+format, args...)
	}
}

// verbose logs a -v line.
func (l *logger) verbose(format string, args ...any) {
	if l.level >= Verbose {
		l.printf(format, args...)
	}
}

// safe renders a name for a log line as the original does: at most 100
// bytes, then "..."; control bytes, bytes above 126 and '%' become '?'.
func safe(s string) string {
	b := []byte(s)
	cut := len(b) > 100
	if cut {
		b = b[:100]
	}
	for i, c := range b {
		if c < 33 || c > 126 || c == '%' {
			b[i] = '?'
		}
	}
	if cut {
		return string(b) + "..."
	}
	return string(b)
}
