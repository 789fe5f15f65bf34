package send

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/date822"
	"github.com/quail-mta/quail/pkg/qmailq"
	"github.com/quail-mta/quail/pkg/rfc822"
)

// addBounce appends a permanent failure to bounce/<id>, before the
// recipient is marked done, as qmail-send does.
func (s *Sender) addBounce(id uint64, recip, report string) bool {
	var b strings.Builder
	b.WriteString("<" + s.controls.Load().bounceRecipient(recip) + ">:\n")
	b.WriteString(paragraph(report))
	b.WriteString("\n")
	f, err := os.OpenFile(s.cfg.Queue.bounce(id), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err == nil {
		_, err = io.WriteString(f, b.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		s.log.alert("unable to append to bounce message; HELP! sleeping...")
		return false
	}
	return true
}

// paragraph makes a report one block: it ends in a newline, and an empty
// line inside it becomes "/".
func paragraph(report string) string {
	b := []byte(report)
	for i := len(b) - 2; i >= 1; i-- {
		if b[i] == '\n' && b[i-1] == '\n' {
			b[i] = '/'
		}
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return string(b)
}

// finishMessages eliminates finished messages one at a time: the bounce if
// any, "end msg", info, then qmail-clean removes intd and mess.
func (s *Sender) finishMessages() {
	for id := range s.finished {
		s.messDone(id)
	}
}

func (s *Sender) messDone(id uint64) {
	q := s.cfg.Queue
	num := strconv.FormatUint(id, 10)
	if exists(q.bounce(id)) {
		if !s.injectBounce(id) {
			s.retryDone(id)
			return
		}
		if err := os.Remove(q.bounce(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.warn("unable to unlink ", relQueue(q, q.bounce(id)), "; will try again later")
			s.retryDone(id)
			return
		}
	}
	s.log.line("end msg ", num)
	if err := os.Remove(q.info(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.warn("unable to unlink ", relQueue(q, q.info(id)), "; will try again later")
		s.retryDone(id)
		return
	}
	s.cleanOrDie("foop/" + num)
}

// retryDone tries a message's elimination again after sleepSysfail.
func (s *Sender) retryDone(id uint64) {
	go func() {
		select {
		case <-s.term:
		case <-time.After(sleepSysfail):
			defer func() { recover() }() // s.finished closed at exit
			s.finished <- id
		}
	}()
}

// injectBounce sends bounce/<id> to the sender (or the double-bounce box)
// through qmail-queue, in qmail's format.
func (s *Sender) injectBounce(id uint64) bool {
	q := s.cfg.Queue
	info, err := os.ReadFile(q.info(id))
	if err != nil {
		s.log.warn("unable to open ", relQueue(q, q.info(id)), "; will try again later")
		return false
	}
	sender := ""
	if recs := records(info); len(recs) > 0 && len(recs[0]) > 0 && recs[0][0] == 'F' {
		sender = string(recs[0][1:])
	}
	if base, ok := strings.CutSuffix(sender, "-@[]"); ok {
		sender = base
	}
	if sender == "#@[]" {
		s.log.line("triple bounce: discarding ", relQueue(q, q.bounce(id)))
		return true
	}
	c := s.controls.Load()
	envSender, recip := "", sender
	if sender == "" {
		envSender, recip = "#@[]", c.DoubleBounceTo+"@"+c.DoubleBounceHost
	}
	report, err := os.ReadFile(q.bounce(id))
	if err != nil {
		return false
	}
	mess, err := os.Open(q.mess(id))
	if err != nil {
		return false
	}
	defer mess.Close()
	text := io.MultiReader(strings.NewReader(bounceHead(c, recip, sender == "")), bytes.NewReader(report),
		strings.NewReader(bounceSeparator(sender)), mess)
	qp, err := s.queueMessage(text, envSender, recip)
	if err != nil {
		s.log.warn("trouble injecting bounce message, will try later")
		return false
	}
	s.log.line("bounce msg ", strconv.FormatUint(id, 10), " qp ", strconv.Itoa(qp))
	return true
}

// bounceHead is the bounce's header and the text before the reports.
func bounceHead(c *Controls, recip string, double bool) string {
	var b strings.Builder
	b.WriteString("Date: " + date822.UTC(time.Now()) + "\n")
	b.WriteString("From: " + rfc822.QuoteAddress(c.BounceFrom+"@"+c.BounceHost) + "\n")
	b.WriteString("To: " + rfc822.QuoteAddress(recip) + "\n")
	b.WriteString("Subject: failure notice\n\n")
	b.WriteString("Hi. This is the qmail-send program at " + c.BounceHost + ".\n")
	if double {
		b.WriteString("I tried to deliver a bounce message to this address, but the bounce bounced!\n\n")
	} else {
		b.WriteString("I'm afraid I wasn't able to deliver your message to the following addresses.\n" +
			"This is a permanent error; I've given up. Sorry it didn't work out.\n\n")
	}
	return b.String()
}

func bounceSeparator(sender string) string {
	if sender == "" {
		return "--- Below this line is the original bounce.\n\nReturn-Path: <>\n"
	}
	return "--- Below this line is a copy of the message.\n\nReturn-Path: <" + rfc822.QuoteAddress(sender) + ">\n"
}

// queueMessage runs qmail-queue with text and a one-recipient envelope and
// returns its pid (the new message's qp).
func (s *Sender) queueMessage(text io.Reader, sender, recip string) (int, error) {
	q, err := qmailq.Open(s.cfg.QmailQueue)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(q, text); err != nil {
		q.Fail()
	}
	q.From(sender)
	q.To(recip)
	return q.Pid(), q.Close()
}
