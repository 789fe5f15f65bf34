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

// pipeTo runs argv with a pipe on its stdin, lets feed write into it
// (feed flushes w), and returns the child's exit code, as predate and
// preline do. tempExec: a program that cannot be run is a temporary error.
func (p Params) pipeTo(fatal string, argv []string, tempExec bool, feed func(w *bufio.Writer) error) int {
	childStdin, in, err := os.Pipe()
	if err != nil {
		return p.die(111, fatal, "unable to create pipe: ", djberr.Text(err))
	}
	pid, err := p.start(argv, childStdin)
	childStdin.Close()
	if err != nil {
		in.Close()
		code := 111
		if !tempExec && !temporary(err) {
			code = 100
		}
		return p.die(code, fatal, "unable to run ", argv[0], ": ", djberr.Text(err))
	}
	w := bufio.NewWriter(in)
	feedErr := feed(w)
	in.Close()
	st, err := wait(pid)
	if feedErr != nil {
		return p.die(111, fatal, "unable to copy input: ", djberr.Text(feedErr))
	}
	if err != nil {
		return p.die(111, fatal, "wait failed: ", djberr.Text(err))
	}
	if st.crashed {
		return p.die(111, fatal, "child crashed")
	}
	return st.code
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
