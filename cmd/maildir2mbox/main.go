// Command maildir2mbox moves the messages of the Maildir $MAILDIR to
// the end of the mbox $MAIL, through the temporary file $MAILTMP (on the
// same filesystem), as qmail's maildir2mbox does.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/maildir"
	"github.com/quail-mta/quail/pkg/mbox"
)

const fatalPrefix = "maildir2mbox: fatal: "

func main() {
	syscall.Umask(0o077)
	mail, ok := os.LookupEnv("MAIL")
	if !ok {
		fatal("MAIL not set")
	}
	mailTmp, ok := os.LookupEnv("MAILTMP")
	if !ok {
		fatal("MAILTMP not set")
	}
	dir, ok := os.LookupEnv("MAILDIR")
	if !ok {
		fatal("MAILDIR not set")
	}
	if err := os.Chdir(dir); err != nil {
		fatalSys("unable to chdir to "+dir, err)
	}
	now := time.Now()
	maildir.Clean(".", now)
	msgs, err := maildir.Scan(".", now)
	if err != nil {
		fatal(err.Error())
	}
	if len(msgs) == 0 {
		return
	}
	convert(mail, mailTmp, msgs)
	for _, m := range msgs {
		if err := os.Remove(m.Name); err != nil {
			fmt.Fprintf(os.Stderr, "maildir2mbox: warning: $MAILDIR/%s will be delivered twice; unable to unlink: %s\n", m.Name, djberr.Text(err))
		}
	}
}

// convert writes the old mbox and then the messages to mailTmp and
// renames it over mail, holding a lock on mail throughout.
func convert(mail, mailTmp string, msgs []maildir.Message) {
	lock, err := os.OpenFile(mail, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		fatalSys("unable to lock "+mail, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		fatalSys("unable to lock "+mail, err)
	}
	old, err := os.OpenFile(mail, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		fatalSys("unable to read "+mail, err)
	}
	out, err := os.OpenFile(mailTmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		fatalSys("unable to create "+mailTmp, err)
	}
	w := bufio.NewWriter(out)
	copyOld(w, old, mail, mailTmp)
	for _, m := range msgs {
		copyMessage(w, m, mailTmp)
	}
	if err := w.Flush(); err != nil {
		fatalSys("unable to write to "+mailTmp, err)
	}
	if err := out.Sync(); err != nil {
		fatalSys("unable to write to "+mailTmp, err)
	}
	if err := out.Close(); err != nil {
		fatalSys("unable to write to "+mailTmp, err)
	}
	if err := os.Rename(mailTmp, mail); err != nil {
		fatalSys("unable to move "+mailTmp+" to "+mail, errors.Unwrap(err))
	}
}

func copyOld(w *bufio.Writer, old *os.File, mail, mailTmp string) {
	buf := make([]byte, 64<<10)
	for {
		n, err := old.Read(buf)
		if _, werr := w.Write(buf[:n]); werr != nil {
			fatalSys("unable to write to "+mailTmp, werr)
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fatalSys("unable to read "+mail, err)
		}
	}
}

func copyMessage(w *bufio.Writer, m maildir.Message, mailTmp string) {
	f, err := os.Open(m.Name)
	if err != nil {
		fatalSys("unable to read $MAILDIR/"+m.Name, err)
	}
	defer f.Close()
	err = mbox.CopyFromMaildir(w, f, m.Mtime)
	var rerr *mbox.ReadError
	var werr *mbox.WriteError
	switch {
	case errors.As(err, &rerr):
		fatalSys("unable to read $MAILDIR/"+m.Name, rerr.Err)
	case errors.As(err, &werr):
		fatalSys("unable to write to "+mailTmp, werr.Err)
	}
}

func fatal(text string) {
	fmt.Fprintln(os.Stderr, fatalPrefix+text)
	os.Exit(111)
}

func fatalSys(text string, err error) {
	fatal(text + ": " + djberr.Text(err))
}
