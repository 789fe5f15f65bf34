package rblsmtpd

import (
	"bufio"
	"bytes"
	"io"
	"time"
)

// maxCommand is how much of a line is kept: enough to tell every command,
// so that a client cannot make rblsmtpd hold an endless line.
const maxCommand = 512

// Talk gives a refused client its reply. With no timeout it writes the
// reply once and returns. Otherwise it greets, answers HELO, EHLO, MAIL,
// RSET and NOOP with 250, QUIT with 221 (and returns), and every other
// command with the reply, until the client leaves or timeout has passed
// since the start, as the original's alarm does.
func Talk(in io.Reader, out io.Writer, reply string, timeout time.Duration) {
	if timeout <= 0 {
		io.WriteString(out, reply+"\r\n")
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.WriteString(out, "220 rblsmtpd.local\r\n")
		Converse(bufio.NewReaderSize(in, 64), out, reply)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	}
}

// Converse answers command lines until QUIT or the end of the input.
func Converse(in *bufio.Reader, out io.Writer, reply string) {
	for {
		line, ok := readCommand(in)
		if !ok {
			return
		}
		answer := reply + "\r\n"
		switch verb(line) {
		case "quit":
			io.WriteString(out, "221 rblsmtpd.local\r\n")
			return
		case "helo", "ehlo", "mail", "rset", "noop":
			answer = "250 rblsmtpd.local\r\n"
		}
		if _, err := io.WriteString(out, answer); err != nil {
			return
		}
	}
}

// readCommand reads one line, keeping at most maxCommand bytes of it, and
// without its LF and a CR before it. A line cut short by the end of the
// input does not count.
func readCommand(in *bufio.Reader) ([]byte, bool) {
	var line []byte
	total := 0
	for {
		chunk, err := in.ReadSlice('\n')
		total += len(chunk)
		if room := maxCommand - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		switch err {
		case nil:
			if total <= maxCommand { // the whole line, LF included
				line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
			}
			return line, true
		case bufio.ErrBufferFull:
		default:
			return nil, false
		}
	}
}

// verb is the command word in lower case: the text before the first
// space. A NUL counts as a line break, as in the original, so it never
// ends a command word.
func verb(line []byte) string {
	word := line
	if i := bytes.IndexByte(word, ' '); i >= 0 {
		word = word[:i]
	}
	if len(word) != 4 || bytes.IndexByte(word, 0) >= 0 {
		return ""
	}
	lower := make([]byte, 4)
	for i, c := range word {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return string(lower)
}
