// Package inject is qmail-inject: it reads a message, rewrites its header
// as qmail-header(5) describes (completing addresses, removing Bcc,
// Return-Path and Content-Length, adding Date, Message-ID and From), works
// out the envelope sender and recipients, and hands the message to
// qmail-queue or, with -n, prints it.
package inject

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/date822"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/rfc822"
	"github.com/quail-mta/quail/pkg/sgetopt"
)

// lineLen is where rewritten address lists are folded.
const lineLen = 80

// Fatal is an error that ends qmail-inject: Text (if any) goes to stderr
// as it is after "qmail-inject: fatal: " (it carries its own newline, as
// qmail prints an unparseable line without adding one), and Code is the
// exit code.
type Fatal struct {
	Code int
	Text string
}

func (f *Fatal) Error() string { return f.Text }

var (
	errRead  = &Fatal{111, "read error\n"}
	errUsage = &Fatal{Code: 100} // sgetopt has said why
)

func unparseable(line string) *Fatal {
	return &Fatal{100, "unable to parse this line:\n" + line}
}

// Params is what one run depends on besides its arguments.
type Params struct {
	Env    Env
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Now    time.Time
	Pid    int
	Home   string // the qmail home; control/ is read there
	Queue  string // the queue program
}

// Default returns the parameters of this process.
func Default() Params {
	return Params{
		Env: OSEnv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Now: time.Now(), Pid: os.Getpid(), Home: qhome.Dir(), Queue: qmailq.Program(),
	}
}

// How the recipients are chosen (-a, -h, -H, or by default).
const (
	recipDefault = iota
	recipArgs
	recipHeader
	recipBoth
)

type injector struct {
	Params
	flags flags
	id    identity
	dom   domains
	mft   map[string]bool

	queueing  bool
	sender    string
	senderSet bool
	recips    []string // from the arguments
	hrecips   []string // from To, Cc, Bcc, Apparently-To
	rrecips   []string // from Resent-To, Resent-Cc, Resent-Bcc
	tocc      []string // from To and Cc, for Mail-Followup-To
	fromHdr   bool     // use header recipients
	seen      [rfc822.MailFollowupTo + 1]bool
	saved     [][]byte

	out   *bufio.Writer
	queue *qmailq.Queue
}

// Run is qmail-inject with its arguments (argv[0] included). It returns
// nil or a *Fatal.
func Run(p Params, argv []string) error {
	in := &injector{Params: p, queueing: true}
	qmopts, _ := p.Env("QMAILINJECT")
	in.flags = parseFlags(qmopts)
	in.id = readIdentity(p.Env)
	if err := in.getControls(); err != nil {
		return err
	}
	strategy, args, err := in.options(argv)
	if err != nil {
		return err
	}
	if strategy != recipHeader {
		for _, a := range args {
			if err := in.addRecipientArg(a); err != nil {
				return err
			}
		}
	}
	in.fromHdr = strategy != recipArgs
	if err := in.readMessage(); err != nil {
		return err
	}
	return in.finish()
}

// options reads the command line: how recipients are chosen, -n/-N and
// -f. It returns the strategy and the remaining arguments.
func (in *injector) options(argv []string) (int, []string, error) {
	strategy := recipDefault
	opt := sgetopt.New(argv, "aAhHnNf:", in.Stderr)
	for c := opt.Next(); c != sgetopt.Done; c = opt.Next() {
		switch c {
		case 'a':
			strategy = recipArgs
		case 'A':
			strategy = recipDefault
		case 'h':
			strategy = recipHeader
		case 'H':
			strategy = recipBoth
		case 'n':
			in.queueing = false
		case 'N':
			in.queueing = true
		case 'f':
			if err := in.setSenderArg(opt.Arg); err != nil {
				return 0, nil, err
			}
		default:
			return 0, nil, errUsage
		}
	}
	args := opt.Rest()
	if strategy == recipDefault {
		strategy = recipHeader
		if len(args) > 0 {
			strategy = recipArgs
		}
	}
	return strategy, args, nil
}

func (in *injector) getControls() error {
	mft, err := readMFT(in.Env)
	if err != nil {
		return err
	}
	in.mft = mft
	// qmail-inject changes to its home; only a failure to do so shows.
	if fi, err := os.Stat(in.Home); err != nil || !fi.IsDir() {
		return &Fatal{111, "internal bug\n"}
	}
	ctl := control.Open(filepath.Join(in.Home, "control"))
	if _, _, err := ctl.Me(); err != nil {
		return errRead
	}
	in.dom, err = readDomains(ctl, in.Env)
	return err
}

// setSenderArg is -f: the sender, completed like any address.
func (in *injector) setSenderArg(s string) error {
	q := rfc822.QuoteAddress(s)
	toks, ok := rfc822.Parse(q)
	if !ok {
		return unparseable(q)
	}
	in.sender = rfc822.Unquote(in.dom.complete(toks))
	in.senderSet = true
	return nil
}

// addRecipientArg adds a recipient given as an argument.
func (in *injector) addRecipientArg(s string) error {
	toks, ok := rfc822.Parse(rfc822.QuoteAddress(s))
	if !ok {
		return &Fatal{100, "unable to parse address: " + s + "\n"}
	}
	in.recips = append(in.recips, rfc822.Unquote(in.dom.complete(toks)))
	return nil
}

// put writes message bytes to the queue or to stdout.
func (in *injector) put(b []byte) {
	if in.queue != nil {
		in.queue.Write(b)
		return
	}
	in.out.Write(b)
}

func (in *injector) puts(s string) { in.put([]byte(s)) }

// finish ends the message: the envelope goes to qmail-queue, or the
// printed message is flushed.
func (in *injector) finish() error {
	if !in.queueing {
		in.out.Flush()
		return nil
	}
	q := in.queue
	q.From(in.sender)
	for _, r := range in.recips {
		q.To(r)
	}
	if in.fromHdr {
		list := in.hrecips
		if in.resent() {
			list = in.rrecips
		}
		for _, r := range list {
			q.To(r)
		}
	}
	if err := q.Close(); err != nil {
		var qe *qmailq.Error
		if errors.As(err, &qe) && qe.Permanent {
			return &Fatal{100, qe.Text + "\n"}
		}
		return &Fatal{111, err.Error() + "\n"}
	}
	return nil
}

func (in *injector) resent() bool {
	for _, f := range []rfc822.Field{rfc822.ResentSender, rfc822.ResentFrom, rfc822.ResentReplyTo,
		rfc822.ResentTo, rfc822.ResentCc, rfc822.ResentBcc, rfc822.ResentDate, rfc822.ResentMessageID} {
		if in.seen[f] {
			return true
		}
	}
	return false
}

// openQueue starts the queue program once the header is read.
func (in *injector) openQueue() error {
	q, err := qmailq.Open(in.Queue)
	if err != nil {
		var ee *exec.Error
		var pe *os.PathError
		if errors.As(err, &ee) || errors.As(err, &pe) {
			return &Fatal{111, "unable to exec qq (#4.3.0)\n"}
		}
		return &Fatal{111, "unable to run qmail-queue\n"}
	}
	in.queue = q
	return nil
}

// dateField and messageID are the fields qmail-inject adds.
func (in *injector) dateField() string {
	return "Date: " + date822.Format(in.Now, in.dom.dateLocal) + "\n"
}

func (in *injector) messageID() string {
	t := in.Now.UTC()
	return "Message-ID: <" + strconv.Itoa(t.Year()) + pad2(int(t.Month())) + pad2(t.Day()) +
		pad2(t.Hour()) + pad2(t.Minute()) + pad2(t.Second()) + "." + strconv.Itoa(in.Pid) +
		".qmail@" + in.dom.idHost + ">\n"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
