// Package sendmail is qmail's sendmail wrapper: it reads sendmail's
// options, ignores those that mean nothing to qmail, and says which qmail
// program to run instead (qmail-inject for mail, qmail-qread for -bp and
// mailq, qmail-smtpd for -bs) with which arguments and environment.
package sendmail

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/quail-mta/quail/pkg/sgetopt"
)

// Exec is the program to run in place of sendmail: Path (relative to the
// qmail home, where sendmail runs), its argv and its whole environment.
type Exec struct {
	Path string
	Argv []string
	Env  []string
	What string // "qmail-inject", for "unable to run qmail-inject"
}

// Fatal ends sendmail with Text on stderr and exit Code.
type Fatal struct {
	Code int
	Text string
}

func (f *Fatal) Error() string { return f.Text }

var errUsage = &Fatal{100, "sendmail: usage: sendmail [ -t ] [ -fsender ] [ -Fname ] [ -bp ] [ -bs ] [ arg ... ]\n"}

// Plan works out what sendmail argv (argv[0] included) in environment env
// runs. Option errors are printed on stderr as sgetopt does.
func Plan(argv, env []string, stderr io.Writer) (*Exec, error) {
	e := newEnviron(env)
	headerRecips := false
	sender, hasSender := "", false
	p := sgetopt.New(argv, "vimte:f:p:o:B:F:EJxb:", stderr)
	for c := p.Next(); c != sgetopt.Done; c = p.Next() {
		switch c {
		case 't':
			headerRecips = true
		case 'f':
			sender, hasSender = p.Arg, true
		case 'F':
			e.set("MAILNAME", p.Arg)
		case 'B', 'p', 'v', 'i', 'x', 'm', 'e', 'o':
			// meaningless for qmail: one delivery mode, one error mode,
			// a lone dot is never the end of a message
		case 'E', 'J':
			// Sony NEWS-OS: the rest of the word is an optional argument
			p.Pos = len(p.Args[p.Index])
		case 'b':
			switch {
			case strings.HasPrefix(p.Arg, "m"):
			case strings.HasPrefix(p.Arg, "p"):
				return mailq(e), nil
			case strings.HasPrefix(p.Arg, "s"):
				return smtpd(e), nil
			default:
				return nil, errUsage
			}
		default:
			return nil, errUsage
		}
	}
	args := p.Rest()
	switch filepath.Base(argv[0]) {
	case "mailq":
		return mailq(e), nil
	case "newaliases":
		return nil, &Fatal{100, "sendmail: fatal: please use fastforward/newaliases instead\n"}
	}
	inject := []string{"bin/qmail-inject", "-a"}
	if headerRecips {
		inject[1] = "-H"
	}
	if hasSender {
		inject = append(inject, "-f", sender)
		e.senderIdentity(sender)
	}
	inject = append(append(inject, "--"), args...)
	return &Exec{Path: inject[0], Argv: inject, Env: e.list(), What: "qmail-inject"}, nil
}

func mailq(e *environ) *Exec {
	return &Exec{Path: "bin/qmail-qread", Argv: []string{"bin/qmail-qread"}, Env: e.list(), What: "qmail-qread"}
}

// smtpd runs qmail-smtpd on stdin and stdout, looking like a trusted local
// TCP client unless PROTO says a real one is there.
func smtpd(e *environ) *Exec {
	if _, ok := e.get("PROTO"); !ok {
		for _, kv := range []string{"RELAYCLIENT=", "DATABYTES=0", "PROTO=TCP",
			"TCPLOCALIP=127.0.0.1", "TCPLOCALHOST=localhost", "TCPREMOTEIP=127.0.0.1",
			"TCPREMOTEHOST=localhost", "TCPREMOTEINFO=sendmail-bs"} {
			name, value, _ := strings.Cut(kv, "=")
			e.set(name, value)
		}
	}
	return &Exec{Path: "bin/qmail-smtpd", Argv: []string{"bin/qmail-smtpd"}, Env: e.list(), What: "qmail-smtpd"}
}

// environ is an environment being edited, keeping its order.
type environ struct{ vars []string }

func newEnviron(env []string) *environ { return &environ{append([]string(nil), env...)} }

func (e *environ) get(name string) (string, bool) {
	for _, kv := range e.vars {
		if n, v, ok := strings.Cut(kv, "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}

func (e *environ) unset(name string) {
	kept := e.vars[:0]
	for _, kv := range e.vars {
		if n, _, _ := strings.Cut(kv, "="); n != name {
			kept = append(kept, kv)
		}
	}
	e.vars = kept
}

func (e *environ) set(name, value string) {
	e.unset(name)
	e.vars = append(e.vars, name+"="+value)
}

func (e *environ) list() []string { return e.vars }

// senderIdentity makes the -f address the From address too: the name
// variables go, and QMAILUSER and QMAILHOST come from the address.
func (e *environ) senderIdentity(sender string) {
	for _, n := range []string{"QMAILNAME", "MAILNAME", "NAME", "QMAILHOST", "MAILHOST"} {
		e.unset(n)
	}
	at := strings.LastIndexByte(sender, '@')
	if at < 0 {
		e.set("QMAILUSER", sender)
		return
	}
	e.set("QMAILHOST", sender[at+1:])
	e.set("QMAILUSER", sender[:at])
}
