// Package interpose owns the plumbing recordio and fixcrio share: the
// program runs in place of the tool (so it keeps the tool's process id)
// with pipes for its standard input and output, and a copier process
// passes the traffic through between the tool's own input and output and
// those pipes, showing each piece to a Filter on the way.
//
// The C tools fork the copier; a Go program cannot fork without exec, so
// the copier is the same executable started again with the pipes on
// descriptors 3 and 4 and the variable QUAIL_INTERPOSE set to the
// program's process id.
package interpose

import (
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/pathexec"
)

// EnvVar marks the copier and carries the program's process id.
const EnvVar = "QUAIL_INTERPOSE"

// Filter sees the traffic, one read at a time. Its methods are called
// from two goroutines, input and output apart.
type Filter interface {
	In(dst, p []byte) []byte  // input on its way to the program
	Out(dst, p []byte) []byte // the program's output on its way out
	InEnd()                   // the input ended; the program sees EOF
	OutEnd()                  // the program's output ended
}

// Error is a failure before the program runs, with the original's message
// (after "tool: fatal: ").
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Copier reports whether this process is the copier, and the process id
// of the program it serves.
func Copier() (string, bool) {
	pid, ok := os.LookupEnv(EnvVar)
	if !ok {
		return "", false
	}
	if _, err := strconv.Atoi(pid); err != nil {
		return "", false
	}
	return pid, true
}

// Exec starts the copier and replaces this process with the program. It
// returns only on failure.
func Exec(program []string) error {
	var in, out [2]int
	if err := unix.Pipe2(in[:], unix.O_CLOEXEC); err != nil {
		return &Error{Msg: "unable to create pipe: " + djberr.Text(err)}
	}
	if err := unix.Pipe2(out[:], unix.O_CLOEXEC); err != nil {
		return &Error{Msg: "unable to create pipe: " + djberr.Text(err)}
	}
	env := append(os.Environ(), EnvVar+"="+strconv.Itoa(os.Getpid()))
	_, err := os.StartProcess("/proc/self/exe", []string{os.Args[0]}, &os.ProcAttr{
		Env:   env,
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, os.NewFile(uintptr(in[1]), "to program"), os.NewFile(uintptr(out[0]), "from program")},
	})
	if err != nil {
		return &Error{Msg: "unable to fork: " + djberr.Text(err)}
	}
	unix.Close(in[1])
	unix.Close(out[0])
	if unix.Dup3(in[0], 0, 0) != nil || unix.Dup3(out[1], 1, 0) != nil {
		return &Error{Msg: "unable to move descriptors"}
	}
	unix.Close(in[0])
	unix.Close(out[1])
	err = pathexec.Run(program, os.Environ())
	return &Error{Msg: err.Error()}
}

// Copy is the copier's work: descriptor 0 through f.In to the program
// (descriptor 3), the program's output (descriptor 4) through f.Out to
// descriptor 1, in reads of at most size bytes. It returns when the
// program's output ends or a write fails either way.
func Copy(f Filter, size int) {
	signal.Ignore(syscall.SIGPIPE) // a failed write ends the copy instead
	toProgram := os.NewFile(3, "to program")
	fromProgram := os.NewFile(4, "from program")
	done := make(chan struct{}, 2)
	go func() {
		if pass(os.Stdin, toProgram, f.In, f.InEnd, size) {
			done <- struct{}{}
		}
		toProgram.Close() // the program sees EOF
	}()
	go func() {
		pass(fromProgram, os.Stdout, f.Out, f.OutEnd, size)
		done <- struct{}{}
	}()
	<-done
}

// pass copies r to w through filter until r ends, then calls end. It
// reports a failed write (after which end is not called).
func pass(r, w *os.File, filter func(dst, p []byte) []byte, end func(), size int) (writeFailed bool) {
	buf := make([]byte, size)
	var out []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			out = filter(out[:0], buf[:n])
			if _, werr := w.Write(out); werr != nil {
				return true
			}
		}
		if err != nil {
			end()
			return false
		}
	}
}
