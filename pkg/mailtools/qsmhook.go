package mailtools

import (
	"bufio"
	"io"
	"strings"

	"github.com/quail-mta/quail/pkg/sgetopt"
)

// Qsmhook runs a program written for sendmail's "prog" mailer from a
// .qmail file: "|qsmhook [-lnP] [-x prefix] prog args", where %g, %h and
// %u in the arguments become the sender, the host and the local part of
// the recipient (less the -x prefix, any case) and %% a "%". The message
// goes to the program after qmail-local's From_ line (-n leaves it out),
// Return-Path (with -P) and Delivered-To (with -l); -D, -F, -M, -m and -s
// are taken and ignored, as sendmail's flags are. The exit code is the
// program's.
func Qsmhook(p Params) int {
	const fatal = "qsmhook: fatal: "
	env := map[string]string{}
	for _, name := range []string{"DTLINE", "RPLINE", "UFLINE", "LOCAL", "HOST", "SENDER"} {
		v, ok := p.Env(name)
		if !ok {
			return p.die(100, fatal, "incorrect usage")
		}
		env[name] = v
	}
	ufline, rpline, dtline := true, false, false
	recip := env["LOCAL"]
	opt := sgetopt.New(p.Args, "DFlMmnPsx:", p.Stderr)
	for c := opt.Next(); c != sgetopt.Done; c = opt.Next() {
		switch c {
		case 'D', 'F', 'M', 'm', 's':
		case 'l':
			dtline = true
		case 'n':
			ufline = false
		case 'P':
			rpline = true
		case 'x':
			if len(recip) >= len(opt.Arg) && strings.EqualFold(recip[:len(opt.Arg)], opt.Arg) {
				recip = recip[len(opt.Arg):]
			}
		default:
			return 100
		}
	}
	args := opt.Rest()
	if len(args) == 0 {
		return p.die(100, fatal, "incorrect usage")
	}
	argv := make([]string, len(args))
	for i, a := range args {
		argv[i] = substitute(a, env["SENDER"], env["HOST"], recip)
	}
	return p.hook(argv, func(w *bufio.Writer) error {
		for _, line := range []struct {
			use  bool
			text string
		}{{ufline, env["UFLINE"]}, {rpline, env["RPLINE"]}, {dtline, env["DTLINE"]}} {
			if line.use {
				w.WriteString(line.text)
			}
		}
		// a program that stops reading early is not an error, a
		// message that cannot be read is
		in := &readErrors{r: p.Stdin}
		w.ReadFrom(in)
		w.Flush()
		return in.err
	})
}

// substitute expands qsmhook's %g (sender), %h (host), %u (recipient)
// and %%; any other "%x" disappears, as in the original.
func substitute(arg, sender, host, recip string) string {
	var b strings.Builder
	for i := 0; i < len(arg); i++ {
		if arg[i] != '%' {
			b.WriteByte(arg[i])
			continue
		}
		if i++; i == len(arg) {
			break
		}
		switch arg[i] {
		case '%':
			b.WriteByte('%')
		case 'g':
			b.WriteString(sender)
		case 'h':
			b.WriteString(host)
		case 'u':
			b.WriteString(recip)
		}
	}
	return b.String()
}

// hook is runPiped with qsmhook's failures: a program that cannot be run
// is permanent unless the reason is temporary, a crash is temporary.
func (p Params) hook(argv []string, feed func(w *bufio.Writer) error) int {
	const fatal = "qsmhook: fatal: "
	code, failure, err := p.runPiped(argv, feed)
	switch {
	case failure == pipeDone:
		return code
	case failure == pipeStart && !temporary(err):
		return p.die(100, fatal, "command not found")
	case failure == pipeFeed:
		return p.die(111, fatal, "unable to read message")
	}
	return p.die(111, fatal, "temporary problem")
}

// readErrors remembers a read error other than the end of the input.
type readErrors struct {
	r   io.Reader
	err error
}

func (r *readErrors) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}
