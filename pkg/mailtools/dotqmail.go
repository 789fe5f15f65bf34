package mailtools

import (
	"errors"
	"io"
	"io/fs"
	"strconv"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/qmailq"
)

// Except runs a program and turns its success into a permanent failure:
// exit 0 becomes 100, 111 stays a temporary error, anything else is 0.
func Except(p Params) int {
	const fatal = "except: fatal: "
	if len(p.Args) < 2 {
		return p.die(100, "except: usage: except program [ arg ... ]")
	}
	st, err := p.runChild(p.Args[1:])
	if err != nil {
		return p.die(111, fatal, "wait failed")
	}
	switch {
	case st.crashed:
		return p.die(111, fatal, "child crashed")
	case st.code == 0:
		return 100
	case st.code == 111:
		return p.die(111, fatal, "temporary child error")
	}
	return 0
}

// childGate runs the optional condition program of bouncesaying and
// condredirect. go on is true when the program succeeded; otherwise code
// is what to exit with (0 when it failed permanently, 111 when
// temporarily).
func (p Params) childGate(fatal string, argv []string) (code int, goOn bool) {
	st, err := p.runChild(argv)
	if err != nil {
		return p.die(111, fatal, "wait failed"), false
	}
	switch {
	case st.crashed:
		return p.die(111, fatal, "child crashed"), false
	case st.code == 0:
		return 0, true
	case st.code == 111:
		return p.die(111, fatal, "temporary child error"), false
	}
	return 0, false
}

// BounceSaying bounces the message with the given text, or, with a
// program, only if the program succeeds.
func BounceSaying(p Params) int {
	if len(p.Args) < 2 {
		return p.die(100, "bouncesaying: usage: bouncesaying error [ program [ arg ... ] ]")
	}
	if len(p.Args) > 2 {
		if code, goOn := p.childGate("bouncesaying: fatal: ", p.Args[2:]); !goOn {
			return code
		}
	}
	return p.die(100, p.Args[1])
}

// CondRedirect forwards the message to a new address, if the program
// succeeds, and then exits 99 so qmail-local reads no more of the .qmail
// file.
func CondRedirect(p Params) int {
	const fatal = "condredirect: fatal: "
	if len(p.Args) < 3 {
		return p.die(100, "condredirect: usage: condredirect newaddress program [ arg ... ]")
	}
	if code, goOn := p.childGate(fatal, p.Args[2:]); !goOn {
		return code
	}
	if _, err := p.Stdin.Seek(0, io.SeekStart); err != nil {
		return p.die(111, fatal, "unable to rewind: ", djberr.Text(err))
	}
	sender, ok := p.Env("SENDER")
	if !ok {
		return p.die(100, fatal, "SENDER not set")
	}
	code, qp := p.requeue(fatal, sender, p.Args[1:2])
	if code != 0 {
		return code
	}
	return p.die(99, "condredirect: qp ", qp)
}

// Forward forwards the message to the addresses given, with $NEWSENDER as
// envelope sender.
func Forward(p Params) int {
	const fatal = "forward: fatal: "
	sender, ok := p.Env("NEWSENDER")
	if !ok {
		return p.die(100, fatal, "NEWSENDER not set")
	}
	code, qp := p.requeue(fatal, sender, p.Args[1:])
	if code != 0 {
		return code
	}
	return p.die(0, "forward: qp ", qp)
}

// requeue queues $DTLINE and the message from stdin for recipients. It
// returns a nonzero exit code after printing why, or the queue program's
// pid.
func (p Params) requeue(fatal, sender string, recipients []string) (int, string) {
	dtline, ok := p.Env("DTLINE")
	if !ok {
		return p.die(100, fatal, "DTLINE not set"), ""
	}
	q, err := qmailq.Open(p.Queue)
	if err != nil {
		// qmail forks first and its child fails to exec: that is
		// reported as the queue's own failure
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return p.die(111, fatal, "unable to exec qq (#4.3.0)"), ""
		}
		return p.die(111, fatal, "unable to fork: ", djberr.Text(err)), ""
	}
	q.WriteString(dtline)
	if _, err := io.Copy(q, p.Stdin); err != nil {
		q.Fail()
		q.Close()
		return p.die(111, fatal, "unable to read message: ", djberr.Text(err)), ""
	}
	qp := strconv.Itoa(q.Pid())
	q.From(sender)
	for _, r := range recipients {
		q.To(r)
	}
	if err := q.Close(); err != nil {
		code := 111
		if qe, ok := err.(*qmailq.Error); ok && qe.Permanent {
			code = 100
		}
		return p.die(code, fatal, err.Error()), ""
	}
	return 0, qp
}
