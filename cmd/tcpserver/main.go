// tcpserver accepts TCP connections and runs a program for each:
//
//	tcpserver [ -461UXpPhHrRoOdDqQv ] [ -c limit ] [ -x rules.cdb ] [ -B banner ]
//	          [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ]
//	          [ -I interface ] host port program [ arg ... ]
//
// as ucspi-tcp 0.88's tcpserver with the IPv6 patch does. See pkg/tcpserver.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/tcpserver"
)

func main() {
	opts, ids, args := parseArgs(os.Args[1:])
	if len(args) < 3 {
		die(100, usage)
	}
	host, portArg := args[0], args[1]
	opts.Program = args[2:]
	port, err := tcpserver.ParsePort(portArg)
	if err != nil {
		fatal(err.Error())
	}
	// The original ignores SIGPIPE and restores it for the child. Notify
	// (rather than Ignore, which a child would inherit) gets the first
	// half; Go resets notified signals to the default in a child.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	exitOnTerm()
	ln, err := tcpserver.Listen(host, port, opts)
	if err != nil {
		fatal(err.Error())
	}
	if err := ids.drop(); err != nil {
		fatal(err.Error())
	}
	if ids.printPort {
		fmt.Printf("%d\n", ln.Addr().(*net.TCPAddr).Port)
	}
	var log io.Writer = os.Stderr
	if opts.Verbosity == tcpserver.Quiet {
		log = io.Discard
	}
	srv := tcpserver.New(ln, opts, log)
	serving.Store(srv)
	if err := srv.Serve(); err != nil {
		fatal("unable to accept: " + djberr.Text(err))
	}
}

// ids are the -g/-u/-U settings, applied after binding.
type ids struct {
	uid, gid  uint64
	printPort bool
}

// drop sets the group (and only that supplementary group) and then the
// user, as the original's prot_gid and prot_uid; 0 leaves them alone.
// The syscall package's calls change every thread of the process, which
// the x/sys/unix setgroups does not.
func (i ids) drop() error {
	if i.gid != 0 {
		if err := syscall.Setgroups([]int{int(i.gid)}); err != nil {
			return fmt.Errorf("unable to set gid: %s", djberr.Text(err))
		}
		if err := syscall.Setgid(int(i.gid)); err != nil {
			return fmt.Errorf("unable to set gid: %s", djberr.Text(err))
		}
	}
	if i.uid != 0 {
		if err := syscall.Setuid(int(i.uid)); err != nil {
			return fmt.Errorf("unable to set uid: %s", djberr.Text(err))
		}
	}
	return nil
}

// serving is the server once it serves, for exitOnTerm.
var serving atomic.Pointer[tcpserver.Server]

// exitOnTerm makes TERM end the server at once with exit 0, leaving
// running children alone, as the original does. Like the original's
// signal handlers, it never cuts an end line from its status line.
func exitOnTerm() {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		<-term
		if srv := serving.Load(); srv != nil {
			srv.Halt()
		}
		os.Exit(0)
	}()
}

func fatal(msg string) { die(111, "tcpserver: fatal: "+msg) }

func die(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}
