package local

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/mbox"
)

// Usage is qmail-local's usage message (exit 100).
const Usage = "qmail-local: usage: qmail-local [ -nN ] user homedir local dash ext domain sender aliasempty"

// patrn is qmail's conf-patrn: mode bits a home or .qmail file must not
// have (world-writable).
const patrn = 0o002

// Args are qmail-local's eight arguments.
type Args struct {
	User, Home, Local, Dash, Ext, Host, Sender, AliasEmpty string
}

// Failure ends a delivery early: Text is the report line, Code the exit
// code (100 permanent, 111 temporary).
type Failure struct {
	Code int
	Text string
}

func (f *Failure) Error() string { return f.Text }

func temp(format string, a ...any) *Failure { return &Failure{111, fmt.Sprintf(format, a...)} }
func perm(format string, a ...any) *Failure { return &Failure{100, fmt.Sprintf(format, a...)} }

// Delivery is one run of qmail-local.
type Delivery struct {
	Args
	DoIt    bool      // false for -n: say what would be done
	Now     time.Time // the time in the From_ line
	Message *os.File  // the message, seekable
	Stdout  *os.File  // the report: counts, and programs' output
	Stderr  *os.File  // the report's error line

	env                    map[string]string
	safeExt                string
	dtline, rpline, ufline string
	newSender              string
	forwardOnly            bool
	files, forwards, progs int
	qp                     int
	stop                   bool // a program exited 99
}

// Run delivers and returns qmail-local's exit code, having written the
// report (the did line, or the reason for failing) to Stdout or Stderr.
func (d *Delivery) Run() int {
	err := d.run()
	var f *Failure
	if errors.As(err, &f) {
		if f.Text != "" {
			fmt.Fprintln(d.Stderr, f.Text)
		}
		return f.Code
	}
	return 0
}

func (d *Delivery) run() error {
	if !strings.HasPrefix(d.Home, "/") {
		return perm("%s", Usage)
	}
	if err := os.Chdir(d.Home); err != nil {
		return temp("Unable to switch to %s: %s. (#4.3.0)", d.Home, djberr.Text(err))
	}
	if err := d.checkHome(); err != nil {
		return err
	}
	d.env = map[string]string{"HOST": d.Host, "HOME": d.Home, "USER": d.User, "LOCAL": d.Local}
	recipient := d.Local + "@" + d.Host
	d.env["RECIPIENT"] = recipient
	d.dtline = "Delivered-To: " + strings.ReplaceAll(recipient, "\n", "_") + "\n"
	d.env["DTLINE"] = d.dtline
	if d.DoIt {
		if err := d.checkLoop(); err != nil {
			return err
		}
	}
	d.setSenderLines()
	d.setExtAndHost()
	qmail, err := d.search()
	if err != nil {
		return err
	}
	if qmail == nil && d.Dash != "" {
		return perm("Sorry, no mailbox here by that name. (#5.1.1)")
	}
	if err := d.setNewSender(); err != nil {
		return err
	}
	text, err := slurp(qmail)
	if err != nil {
		return err
	}
	if text == "" {
		text = d.AliasEmpty
		d.forwardOnly = false
	}
	if err := d.execute(Parse(text)); err != nil {
		return err
	}
	fmt.Fprintf(d.Stdout, "did %d+%d+%d\n", d.files, d.forwards, d.progs)
	if d.qp != 0 {
		fmt.Fprintf(d.Stdout, "qp %d\n", d.qp)
	}
	return nil
}

// checkHome refuses a world-writable home and defers mail while the
// sticky bit says the user is editing .qmail files.
func (d *Delivery) checkHome() error {
	var st syscall.Stat_t
	if err := syscall.Stat(".", &st); err != nil {
		return temp("Unable to stat home directory: %s. (#4.3.0)", djberr.Text(err))
	}
	if st.Mode&patrn != 0 {
		return temp("Uh-oh: home directory is writable. (#4.7.0)")
	}
	if st.Mode&syscall.S_ISVTX != 0 {
		if d.DoIt {
			return temp("Home directory is sticky: user is editing his .qmail file. (#4.2.1)")
		}
		fmt.Fprintln(d.Stderr, "Warning: home directory is sticky.")
	}
	return nil
}

// rewind puts the message back at its start for the next instruction.
func (d *Delivery) rewind() error {
	if _, err := d.Message.Seek(0, io.SeekStart); err != nil {
		return temp("Unable to rewind message. (#4.3.0)")
	}
	return nil
}

// checkLoop bounces a message whose header already has this address's
// Delivered-To line. Lines longer than that line cannot match and are
// skipped without being held in memory.
func (d *Delivery) checkLoop() error {
	if err := d.rewind(); err != nil {
		return err
	}
	r := bufio.NewReaderSize(d.Message, max(4096, len(d.dtline)+1))
	for {
		line, err := r.ReadSlice('\n')
		long := err == bufio.ErrBufferFull
		for err == bufio.ErrBufferFull {
			_, err = r.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return temp("Unable to read message: %s. (#4.3.0)", djberr.Text(err))
		}
		switch {
		case err == io.EOF:
			return nil // the header ended without a newline
		case long:
			continue
		case len(line) <= 1:
			return nil // the empty line after the header
		case string(line) == d.dtline:
			return perm("This message is looping: it already has my Delivered-To line. (#5.4.6)")
		}
	}
}

func (d *Delivery) setSenderLines() {
	d.env["SENDER"] = d.Sender
	d.rpline = "Return-Path: <" + strings.ReplaceAll(quoteAddress(d.Sender), "\n", "_") + ">\n"
	d.env["RPLINE"] = d.rpline
	from := "MAILER-DAEMON"
	if d.Sender != "" {
		b := []byte(d.Sender) // bytes, not runes: addresses need not be UTF-8
		for i, c := range b {
			if c == ' ' || c == '\t' || c == '\n' {
				b[i] = '-'
			}
		}
		from = string(b)
	}
	d.ufline = "From " + from + " " + mbox.Ctime(d.Now)
	d.env["UFLINE"] = d.ufline
}

func (d *Delivery) setExtAndHost() {
	x := d.Ext
	d.env["EXT"] = x
	for _, name := range []string{"EXT2", "EXT3", "EXT4"} {
		if i := strings.IndexByte(x, '-'); i >= 0 {
			x = x[i+1:]
		} else {
			x = ""
		}
		d.env[name] = x
	}
	d.safeExt = SafeExt(d.Ext)
	h := d.Host
	for _, name := range []string{"HOST2", "HOST3", "HOST4"} {
		if i := strings.LastIndexByte(h, '.'); i >= 0 {
			h = h[:i]
		}
		d.env[name] = h
	}
}

// search opens the first .qmail candidate that is a regular file, sets
// DEFAULT for a default file and notes the forward-only (x) bit.
func (d *Delivery) search() (*os.File, error) {
	for _, c := range Candidates(d.Dash, d.Ext) {
		f, err := d.openQmail(c.Name)
		if err != nil || f == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if c.Default >= 0 {
			d.env["DEFAULT"] = d.Ext[c.Default:]
		}
		return f, nil
	}
	return nil, nil
}

// openQmail opens one candidate; (nil, nil) means "try the next".
func (d *Delivery) openQmail(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if djberr.Temporary(err) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil, temp("Unable to open %s: %s. (#4.3.0)", name, djberr.Text(err))
		}
		return nil, nil
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, temp("Unable to open %s: %s. (#4.3.0)", name, djberr.Text(err))
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		f.Close()
		return nil, nil
	}
	if st.Mode&patrn != 0 {
		f.Close()
		return nil, temp("Uh-oh: .qmail file is writable. (#4.7.0)")
	}
	d.forwardOnly = st.Mode&0o100 != 0
	return f, nil
}

// setNewSender picks the envelope sender for forwards: the list owner's
// address when .qmail<dash><ext>-owner exists, a VERP one when
// -owner-default exists too.
func (d *Delivery) setNewSender() error {
	d.newSender = d.Sender
	if d.Sender != "" && d.Sender != "#@[]" {
		owner, err := d.exists("-owner")
		if err != nil {
			return err
		}
		if owner {
			verp, err := d.exists("-owner-default")
			if err != nil {
				return err
			}
			if verp {
				d.newSender = d.Local + "-owner-@" + d.Host + "-@[]"
			} else {
				d.newSender = d.Local + "-owner@" + d.Host
			}
		}
	}
	d.env["NEWSENDER"] = d.newSender
	return nil
}

func (d *Delivery) exists(suffix string) (bool, error) {
	name := ".qmail" + d.Dash + d.safeExt + suffix
	var st syscall.Stat_t
	if err := syscall.Stat(name, &st); err != nil {
		if djberr.Temporary(err) {
			return false, temp("Unable to open %s: %s. (#4.3.0)", name, djberr.Text(err))
		}
		return false, nil
	}
	return true, nil
}

// slurp reads a .qmail file; qmail reports a read failure as lack of
// memory.
func slurp(f *os.File) (string, error) {
	if f == nil {
		return "", nil
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(f); err != nil {
		return "", temp("Out of memory. (#4.3.0)")
	}
	return b.String(), nil
}

// environ is the inherited environment with qmail-local's variables.
func (d *Delivery) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, set := d.env[name]; !set {
			env = append(env, kv)
		}
	}
	for name, value := range d.env {
		env = append(env, name+"="+value)
	}
	return env
}
