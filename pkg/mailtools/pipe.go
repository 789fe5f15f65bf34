package mailtools

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/quail-mta/quail/pkg/date822"
	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/sgetopt"
)

// pipeFailure says where running a program on a pipe went wrong.
type pipeFailure int

const (
	pipeDone    pipeFailure = iota // no failure: the program ran and exited
	pipeCreate                     // the pipe could not be made
	pipeStart                      // the program could not be run
	pipeFeed                       // feed failed (reading the input)
	pipeWait                       // waiting for the program failed
	pipeCrashed                    // the program was killed by a signal
)

// runPiped runs argv with a pipe on its stdin, lets feed write into it
// (feed flushes w), and returns the child's exit code, or which step
// failed and why: the plumbing predate, preline, mailsubj and qsmhook
// share, each with its own words for the failures.
func (p Params) runPiped(argv []string, feed func(w *bufio.Writer) error) (int, pipeFailure, error) {
	childStdin, in, err := os.Pipe()
	if err != nil {
		return 0, pipeCreate, err
	}
	pid, err := p.start(argv, childStdin)
	childStdin.Close()
	if err != nil {
		in.Close()
		return 0, pipeStart, err
	}
	w := bufio.NewWriter(in)
	feedErr := feed(w)
	in.Close()
	st, err := wait(pid)
	switch {
	case feedErr != nil:
		return 0, pipeFeed, feedErr
	case err != nil:
		return 0, pipeWait, err
	case st.crashed:
		return 0, pipeCrashed, nil
	}
	return st.code, pipeDone, nil
}

// pipeTo is runPiped with the failures of predate, preline and mailsubj.
// tempExec: a program that cannot be run is a temporary error.
func (p Params) pipeTo(fatal string, argv []string, tempExec bool, feed func(w *bufio.Writer) error) int {
	code, failure, err := p.runPiped(argv, feed)
	switch failure {
	case pipeCreate:
		return p.die(111, fatal, "unable to create pipe: ", djberr.Text(err))
	case pipeStart:
		code := 111
		if !tempExec && !temporary(err) {
			code = 100
		}
		return p.die(code, fatal, "unable to run ", argv[0], ": ", djberr.Text(err))
	case pipeFeed:
		return p.die(111, fatal, "unable to copy input: ", djberr.Text(err))
	case pipeWait:
		return p.die(111, fatal, "wait failed: ", djberr.Text(err))
	case pipeCrashed:
		return p.die(111, fatal, "child crashed")
	}
	return code
}

// Predate runs a program with the message on stdin preceded by a Date
// field in local time with its numeric zone.
func Predate(p Params) int {
	if len(p.Args) < 2 {
		return p.die(100, "predate: usage: predate child")
	}
	return p.pipeTo("predate: fatal: ", p.Args[1:], true, func(w *bufio.Writer) error {
		// as in predate, a failed write shows only in the child's result
		w.WriteString("Date: " + date822.Local(p.Now) + "\n")
		io.Copy(w, p.Stdin)
		w.Flush()
		return nil
	})
}

// Preline runs a program with the message on stdin preceded by the
// $UFLINE, $RPLINE and $DTLINE qmail-local sets (-f, -r, -d leave one
// out; -F, -R, -D put it back).
func Preline(p Params) int {
	const usage = "preline: usage: preline cmd [ arg ... ]"
	var lines [3]string
	for i, name := range []string{"UFLINE", "RPLINE", "DTLINE"} {
		v, ok := p.Env(name)
		if !ok {
			return p.die(100, usage)
		}
		lines[i] = v
	}
	use := [3]bool{true, true, true}
	opt := sgetopt.New(p.Args, "frdFRD", p.Stderr)
	for c := opt.Next(); c != sgetopt.Done; c = opt.Next() {
		i := strings.IndexByte("frd", byte(c))
		if j := strings.IndexByte("FRD", byte(c)); j >= 0 {
			use[j] = true
			continue
		}
		if i < 0 {
			return p.die(100, usage)
		}
		use[i] = false
	}
	args := opt.Rest()
	if len(args) == 0 {
		return p.die(100, usage)
	}
	return p.pipeTo("preline: fatal: ", args, false, func(w *bufio.Writer) error {
		for i, l := range lines {
			if use[i] {
				w.WriteString(l)
			}
		}
		if _, err := io.Copy(w, p.Stdin); err != nil {
			return err
		}
		w.Flush() // as preline: only errors while copying count
		return nil
	})
}

// Datemail is "predate sendmail": sendmail with a local-time Date field.
func Datemail(p Params) int {
	argv := append([]string{filepath.Join(p.Home, "bin", "sendmail")}, p.Args[1:]...)
	return Predate(Params{Args: append([]string{"predate"}, argv...), Env: p.Env, Stdin: p.Stdin,
		Stdout: p.Stdout, Stderr: p.Stderr, Now: p.Now})
}

// Mailsubj sends stdin with a Subject and the recipients in a To field
// through qmail-inject: mailsubj subject recipient ...
func Mailsubj(p Params) int {
	if len(p.Args) < 2 {
		return p.die(100, "mailsubj: usage: mailsubj subject recipient ...")
	}
	subject, to := p.Args[1], strings.Join(p.Args[2:], " ")
	inject := filepath.Join(p.Home, "bin", "qmail-inject")
	return p.pipeTo("mailsubj: fatal: ", []string{inject}, true, func(w *bufio.Writer) error {
		w.WriteString("Subject: " + subject + "\nTo: " + to + "\n\n")
		io.Copy(w, p.Stdin)
		w.Flush() // like the shell pipeline: qmail-inject's result is what counts
		return nil
	})
}
