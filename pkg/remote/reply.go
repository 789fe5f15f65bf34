package remote

import (
	"io"
	"strings"
)

// MaxReplyText is how much of a reply qmail-remote keeps for its report
// (qmail's HUGESMTPTEXT); the rest is read and dropped.
const MaxReplyText = 5000

// Reply is one SMTP reply: its code, and its lines joined with LF, carriage
// returns removed, cut at MaxReplyText bytes.
type Reply struct {
	Code uint64
	Text string
}

// ByteReader is what the reply reader needs from a connection.
type ByteReader interface {
	ReadByte() (byte, error)
}

// ReadReply reads one reply exactly as qmail's smtpcode does. The code is
// the first three bytes taken as digits with C's unsigned arithmetic, so
// a malformed code is a huge number and counts as a permanent failure.
// After a code comes "-" for another line (whose first three bytes are
// skipped) or anything else for the last line. Reading stops at the LF
// ending the last line; a read error (EOF, time-out) is returned as is.
func ReadReply(r ByteReader) (Reply, error) {
	var text strings.Builder
	get := func() (byte, error) {
		c, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != '\r' && text.Len() < MaxReplyText {
			text.WriteByte(c)
		}
		return c, nil
	}
	var code uint64
	for i := 0; i < 3; i++ {
		c, err := get()
		if err != nil {
			return Reply{}, err
		}
		code = code*10 + uint64(int64(c)-'0')
	}
	c, err := get()
	for err == nil && c == '-' {
		for err == nil && c != '\n' {
			c, err = get()
		}
		for i := 0; i < 4 && err == nil; i++ {
			c, err = get()
		}
	}
	for err == nil && c != '\n' {
		c, err = get()
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Reply{}, err
	}
	return Reply{Code: code, Text: text.String()}, nil
}

// Lines returns the reply's lines without their "ddd-" or "ddd " prefix,
// for reading EHLO keywords.
func (r Reply) Lines() []string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSuffix(r.Text, "\n"), "\n") {
		if len(line) >= 4 {
			lines = append(lines, line[4:])
		} else {
			lines = append(lines, "")
		}
	}
	return lines
}

// Params returns the parameters an EHLO reply lists for the extension
// keyword ("AUTH PLAIN LOGIN" gives PLAIN and LOGIN), taking the old
// "AUTH=..." form as well; nil when the keyword is not listed.
func (r Reply) Params(keyword string) []string {
	for i, line := range r.Lines() {
		if i == 0 {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		word, old, _ := strings.Cut(fields[0], "=")
		if !strings.EqualFold(word, keyword) {
			continue
		}
		params := fields[1:]
		if old != "" {
			params = append([]string{old}, params...)
		}
		return append([]string{}, params...)
	}
	return nil
}

// Has reports whether an EHLO reply lists the extension keyword.
func (r Reply) Has(keyword string) bool {
	for i, line := range r.Lines() {
		if i == 0 {
			continue // the greeting line names the server, not an extension
		}
		word, _, _ := strings.Cut(line, " ")
		if strings.EqualFold(word, keyword) {
			return true
		}
	}
	return false
}
