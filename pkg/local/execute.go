package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/maildir"
	"github.com/quail-mta/quail/pkg/mbox"
	"github.com/quail-mta/quail/pkg/pathexec"
	"github.com/quail-mta/quail/pkg/qmailq"
)

// execute carries out the lines in order. Forwards are collected and
// sent together at the end, and only if nothing failed; a program
// exiting 99 ends the list but keeps the forwards seen before it.
func (d *Delivery) execute(lines []Line) error {
	var recipients []string
	for n, l := range lines {
		var err error
		switch l.Kind {
		case Blank:
			if n == 0 {
				return temp("Uh-oh: first line of .qmail file is blank. (#4.2.1)")
			}
		case List:
			d.forwardOnly = true
		case Mbox, Maildir:
			d.files++
			if d.forwardOnly {
				return temp("Uh-oh: .qmail has file delivery but has x bit set. (#4.7.0)")
			}
			err = d.file(l)
		case Program:
			d.progs++
			if d.forwardOnly {
				return temp("Uh-oh: .qmail has prog delivery but has x bit set. (#4.7.0)")
			}
			err = d.program(l.Arg)
		case Forward:
			d.forwards++
			if d.DoIt {
				recipients = append(recipients, l.Arg)
			} else {
				d.say("forward", l.Arg)
			}
		}
		if err != nil {
			return err
		}
		if d.stop {
			break
		}
	}
	if len(recipients) > 0 {
		return d.forward(recipients)
	}
	return nil
}

func (d *Delivery) say(kind, arg string) {
	fmt.Fprintf(d.Stdout, "%s %s\n", kind, arg)
}

func (d *Delivery) file(l Line) error {
	if !d.DoIt {
		if l.Kind == Maildir {
			d.say("maildir", l.Arg)
		} else {
			d.say("mbox", l.Arg)
		}
		return nil
	}
	if err := d.rewind(); err != nil {
		return err
	}
	if l.Kind == Maildir {
		return d.maildir(l.Arg)
	}
	return d.mbox(l.Arg)
}

func (d *Delivery) maildir(dir string) error {
	expired := func() {
		fmt.Fprintln(d.Stderr, "Timeout on maildir delivery. (#4.3.0)")
		os.Exit(111)
	}
	_, err := maildir.Deliver(dir, []byte(d.rpline+d.dtline), d.Message, expired)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, maildir.ErrDir):
		return temp("Unable to chdir to maildir. (#4.2.1)")
	case errors.Is(err, maildir.ErrRead):
		return temp("Unable to read message. (#4.3.0)")
	default:
		return temp("Temporary error on maildir delivery. (#4.3.0)")
	}
}

func (d *Delivery) mbox(path string) error {
	err := mbox.Append(path, []byte(d.ufline+d.rpline+d.dtline), d.Message, mbox.LockTimeout)
	var oerr *mbox.OpenError
	var rerr *mbox.ReadError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oerr):
		return temp("Unable to open %s: %s. (#4.2.1)", path, djberr.Text(oerr.Err))
	case errors.Is(err, mbox.ErrLocked):
		return temp("File has been locked for 30 seconds straight. (#4.3.0)")
	case errors.As(err, &rerr):
		return temp("Unable to read message: %s. (#4.3.0)", djberr.Text(rerr.Err))
	default:
		return temp("Unable to write %s: %s. (#4.3.0)", path, djberr.Text(errors.Unwrap(err)))
	}
}

// permanentExits are the program exit codes qmail-local treats as a
// permanent failure: 100 and the sysexits codes that cannot get better.
var permanentExits = map[int]bool{100: true, 64: true, 65: true, 70: true, 76: true, 77: true, 78: true, 112: true}

// program runs "/bin/sh -c command" in the home with the message on its
// input and the report on its output.
func (d *Delivery) program(command string) error {
	if !d.DoIt {
		d.say("program", command)
		return nil
	}
	if err := d.rewind(); err != nil {
		return err
	}
	status, err := runShell(command, d.environ(), d.Message, d.Stdout, d.Stderr)
	switch {
	case err != nil:
		return temp("Unable to run /bin/sh: %s. (#4.3.0)", djberr.Text(err))
	case status.Signaled():
		return temp("Aack, child crashed. (#4.3.0)")
	}
	switch code := status.ExitStatus(); {
	case code == 0:
		return nil
	case code == 99:
		d.stop = true
		return nil
	case permanentExits[code]:
		return &Failure{Code: 100}
	default:
		return &Failure{Code: 111}
	}
}

// runShell runs "/bin/sh -c command" in the current directory and waits
// for it.
func runShell(command string, env []string, stdin, stdout, stderr *os.File) (syscall.WaitStatus, error) {
	pid, err := pathexec.Start([]string{"/bin/sh", "-c", command}, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{stdin.Fd(), stdout.Fd(), stderr.Fd()},
	})
	if err != nil {
		return 0, err
	}
	return pathexec.Wait(pid)
}

// forward queues one copy of the message, with this address's
// Delivered-To line on top, for all the forward addresses.
func (d *Delivery) forward(recipients []string) error {
	if err := d.rewind(); err != nil {
		return err
	}
	q, err := qmailq.Open(qmailq.Program())
	if err != nil {
		return temp("Unable to fork: %s. (#4.3.0)", djberr.Text(err))
	}
	d.qp = q.Pid()
	q.WriteString(d.dtline)
	if _, err := io.Copy(q, d.Message); err != nil {
		q.Fail()
	}
	q.From(d.newSender)
	for _, r := range recipients {
		q.To(r)
	}
	err = q.Close()
	var qerr *qmailq.Error
	if errors.As(err, &qerr) {
		code := 111
		if qerr.Permanent {
			code = 100
		}
		return &Failure{code, "Unable to forward message: " + qerr.Text + "."}
	}
	return err
}
