package inject

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/quail-mta/quail/pkg/rfc822"
)

// readMessage reads the header field by field (continuation lines joined),
// then copies the body. The header ends at an empty line, at the end of
// input, or at a line that is no header field: then an empty line is put
// before it. A "From " line becomes an "MBOX-Line: From ..." field. A
// missing final newline is added.
func (in *injector) readMessage() error {
	if !in.queueing {
		in.out = bufio.NewWriterSize(in.Stdout, 8192)
	}
	r := bufio.NewReaderSize(in.Stdin, 64*1024)
	var field []byte
	for {
		line, err := readLine(r)
		if err != nil {
			return errRead
		}
		if line == nil {
			if field != nil {
				if err := in.headerField(field); err != nil {
					return err
				}
			}
			return in.finishHeader()
		}
		if field != nil {
			if line[0] == ' ' || line[0] == '\t' {
				field = append(field, line...)
				continue
			}
			if err := in.headerField(field); err != nil {
				return err
			}
		}
		switch {
		case len(line) == 1:
			if err := in.finishHeader(); err != nil {
				return err
			}
			in.put(line)
			return in.copyBody(r)
		case bytes.HasPrefix(line, []byte("From ")):
			field = append([]byte("MBOX-Line: "), line...)
		case rfc822.Valid(line):
			field = line
		default:
			if err := in.finishHeader(); err != nil {
				return err
			}
			in.puts("\n")
			in.put(line)
			return in.copyBody(r)
		}
	}
}

// readLine returns the next line with its newline (added if the input
// ends without one), or nil at the end.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadBytes('\n')
	if err == io.EOF {
		if len(line) == 0 {
			return nil, nil
		}
		return append(line, '\n'), nil
	}
	return line, err
}

// copyBody copies the rest of the input, adding a final newline if needed.
func (in *injector) copyBody(r *bufio.Reader) error {
	buf := make([]byte, 32*1024)
	var last byte = '\n'
	for {
		n, err := r.Read(buf)
		if n > 0 {
			in.put(buf[:n])
			last = buf[n-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return errRead
		}
	}
	if last != '\n' {
		in.puts("\n")
	}
	return nil
}

// headerField handles one header field as qmail-header(5) says: address
// fields are rewritten and their addresses collected, and Bcc,
// Resent-Bcc, Return-Path and Content-Length are dropped.
func (in *injector) headerField(h []byte) error {
	kind := rfc822.Known(h)
	switch {
	case in.flags.deleteFrom && kind == rfc822.From,
		in.flags.deleteMessID && kind == rfc822.MessageID,
		in.flags.deleteSender && kind == rfc822.ReturnPath:
		return nil
	}
	if kind != rfc822.Unknown {
		in.seen[kind] = true
	} else if !rfc822.Valid(h) {
		return &Fatal{100, "invalid header field: " + string(h)}
	}
	rewrite, mayFail := in.rewriterFor(kind)
	if rewrite != nil {
		toks, ok := rfc822.Parse(string(h))
		if ok {
			toks, ok = rfc822.AddrList(toks, rewrite)
		}
		switch {
		case ok:
			h = []byte(rfc822.Unparse(toks, lineLen))
		case !mayFail:
			return unparseable(string(h))
		}
	}
	switch kind {
	case rfc822.Bcc, rfc822.ResentBcc, rfc822.ReturnPath, rfc822.ContentLength:
		return nil
	}
	in.saved = append(in.saved, h)
	return nil
}

// rewriterFor returns how a field's addresses are rewritten, and whether
// the field may be left alone when it cannot be parsed (recipient fields).
func (in *injector) rewriterFor(kind rfc822.Field) (rfc822.Rewriter, bool) {
	collect := func(lists ...*[]string) rfc822.Rewriter {
		return func(addr []rfc822.Token) []rfc822.Token {
			addr = in.dom.complete(addr)
			for _, l := range lists {
				*l = append(*l, rfc822.Unquote(addr))
			}
			return addr
		}
	}
	switch kind {
	case rfc822.To, rfc822.Cc:
		return collect(&in.hrecips, &in.tocc), true
	case rfc822.Bcc, rfc822.ApparentlyTo:
		return collect(&in.hrecips), true
	case rfc822.ResentTo, rfc822.ResentCc, rfc822.ResentBcc:
		return collect(&in.rrecips), true
	case rfc822.ReturnPath:
		return in.returnPath, false
	case rfc822.Sender, rfc822.From, rfc822.ReplyTo, rfc822.ReturnReceiptTo, rfc822.ErrorsTo,
		rfc822.ResentSender, rfc822.ResentFrom, rfc822.ResentReplyTo:
		return in.dom.complete, false
	}
	return nil, false
}

// returnPath completes a Return-Path address and makes it the envelope
// sender unless one is set already.
func (in *injector) returnPath(addr []rfc822.Token) []rfc822.Token {
	addr = in.dom.complete(addr)
	if !in.senderSet {
		in.sender = rfc822.Unquote(addr)
		if in.flags.verp {
			in.sender += "-@[]"
		}
		in.senderSet = true
	}
	return addr
}

// finishHeader writes the fields qmail-inject adds, then the saved ones.
func (in *injector) finishHeader() error {
	if !in.senderSet {
		if err := in.defaultReturnPath(); err != nil {
			return err
		}
	}
	if in.queueing {
		if err := in.openQueue(); err != nil {
			return err
		}
	} else {
		in.puts("Return-Path: <" + rfc822.QuoteAddress(in.sender) + ">\n")
	}
	if in.resent() {
		if !in.seen[rfc822.ResentDate] {
			in.puts("Resent-" + in.dateField())
		}
		if !in.seen[rfc822.ResentMessageID] {
			in.puts("Resent-" + in.messageID())
		}
		if !in.seen[rfc822.ResentFrom] {
			from, err := in.defaultFrom()
			if err != nil {
				return err
			}
			in.puts("Resent-" + from)
		}
		if !in.seen[rfc822.ResentTo] && !in.seen[rfc822.ResentCc] {
			in.puts("Resent-Cc: recipient list not shown: ;\n")
		}
	} else {
		if !in.seen[rfc822.Date] {
			in.puts(in.dateField())
		}
		if !in.seen[rfc822.MessageID] {
			in.puts(in.messageID())
		}
		if !in.seen[rfc822.From] {
			from, err := in.defaultFrom()
			if err != nil {
				return err
			}
			in.puts(from)
		}
		if !in.seen[rfc822.To] && !in.seen[rfc822.Cc] {
			in.puts("Cc: recipient list not shown: ;\n")
		}
		in.mailFollowupTo()
	}
	for _, h := range in.saved {
		in.put(h)
	}
	return nil
}

// defaultFrom builds "From: Full Name <user@host>" (or with QMAILINJECT=c
// "From: user@host (Full Name)") and completes it like any From field.
func (in *injector) defaultFrom() (string, error) {
	id := in.id
	toks := []rfc822.Token{{Kind: rfc822.Atom, Text: "From"}, {Kind: rfc822.Colon}}
	angle := id.hasName && !in.flags.nameComment
	if angle {
		toks = append(toks, rfc822.Token{Kind: rfc822.Quote, Text: id.fullName}, rfc822.Token{Kind: rfc822.Left})
	}
	userKind := rfc822.Atom
	if id.userQuote {
		userKind = rfc822.Quote
	}
	toks = append(toks, rfc822.Token{Kind: userKind, Text: id.user})
	if id.hasHost {
		toks = append(toks, rfc822.Token{Kind: rfc822.At}, rfc822.Token{Kind: rfc822.Atom, Text: id.host})
	}
	if angle {
		toks = append(toks, rfc822.Token{Kind: rfc822.Right})
	}
	if id.hasName && in.flags.nameComment {
		toks = append(toks, rfc822.Token{Kind: rfc822.Comment, Text: id.fullName})
	}
	return in.reparse(toks, in.dom.complete)
}

// defaultReturnPath makes the envelope sender from QMAILSUSER and
// QMAILSHOST (or the From user and host), with QMAILINJECT=m's
// "-TIME.PID" and =r's "-" and "-@[]".
func (in *injector) defaultReturnPath() error {
	user := in.id.retUser
	if in.flags.messageSender {
		user += "-" + strconv.FormatInt(in.Now.Unix(), 10) + "." + strconv.Itoa(in.Pid)
	}
	if in.flags.verp {
		user += "-"
	}
	toks := []rfc822.Token{{Kind: rfc822.Atom, Text: "Return-Path"}, {Kind: rfc822.Colon},
		{Kind: rfc822.Quote, Text: user}}
	if in.id.hasRet {
		toks = append(toks, rfc822.Token{Kind: rfc822.At}, rfc822.Token{Kind: rfc822.Atom, Text: in.id.retHost})
	}
	_, err := in.reparse(toks, in.returnPath)
	return err
}

// reparse writes a made-up field, reads it back and rewrites its
// addresses, so it gets exactly the treatment of a field in the input.
func (in *injector) reparse(toks []rfc822.Token, rewrite rfc822.Rewriter) (string, error) {
	text := rfc822.Unparse(toks, lineLen)
	toks, ok := rfc822.Parse(text)
	if ok {
		toks, ok = rfc822.AddrList(toks, rewrite)
	}
	if !ok {
		return "", unparseable(text)
	}
	return rfc822.Unparse(toks, lineLen), nil
}

// mailFollowupTo adds a Mail-Followup-To field listing the To and Cc
// addresses when one of them is a list named in $QMAILMFTFILE and the
// message has no such field yet.
func (in *injector) mailFollowupTo() {
	if in.mft == nil || in.seen[rfc822.MailFollowupTo] {
		return
	}
	found := false
	for _, a := range in.tocc {
		if in.mft[strings.ToLower(a)] {
			found = true
			break
		}
	}
	if !found {
		return
	}
	var b strings.Builder
	b.WriteString("Mail-Followup-To: ")
	for i := len(in.tocc) - 1; i >= 0; i-- {
		b.WriteString(rfc822.QuoteAddress(in.tocc[i]))
		if i > 0 {
			b.WriteString(",\n  ")
		}
	}
	b.WriteString("\n")
	in.puts(b.String())
}
