package pop3

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/maildir"
)

// message is one message of the session's list.
type message struct {
	name    string // "new/..." or "cur/...", relative to the Maildir
	size    int64  // the file's size, LF line ends and all, as qmail counts
	deleted bool
}

// session is qmail-pop3d's state: the messages found at the start, which
// of them are marked deleted, and LAST's number.
type session struct {
	c    *conn
	msgs []message
	last int
}

// Serve runs qmail-pop3d's dialogue on the Maildir that is the current
// directory, after qmail-popup and checkpassword: it cleans tmp/, lists
// new/ and cur/ (oldest first), says "+OK" and answers STAT, LIST, UIDL,
// RETR, TOP, DELE, RSET, LAST, NOOP and QUIT. At QUIT the deleted
// messages are removed and the others move from new/ to cur/. It returns
// qmail-pop3d's exit code, 0.
func Serve(r io.Reader, w io.Writer, now time.Time) int {
	s := &session{c: newConn(r, w)}
	maildir.Clean(".", now)
	found, err := maildir.Scan(".", now)
	if err != nil {
		s.c.err("unable to scan $HOME/Maildir")
		return 0
	}
	for _, m := range found {
		var size int64
		if fi, err := os.Stat(m.Name); err == nil {
			size = fi.Size()
		}
		s.msgs = append(s.msgs, message{name: m.Name, size: size})
	}
	s.c.ok()
	for {
		verb, arg, err := s.c.command()
		if err != nil {
			return 0
		}
		if s.dispatch(verb, arg) {
			return 0
		}
	}
}

// dispatch runs one command; done is true after QUIT.
func (s *session) dispatch(verb, arg string) (done bool) {
	switch verb {
	case "quit":
		s.quit()
		return true
	case "stat":
		s.stat()
	case "list":
		s.listing(arg, false)
	case "uidl":
		s.listing(arg, true)
	case "dele":
		s.dele(arg)
	case "retr", "top":
		return !s.top(arg)
	case "rset":
		s.rset()
	case "last":
		s.c.out.WriteString("+OK " + strconv.Itoa(s.last) + "\r\n")
		s.c.out.Flush()
	case "noop":
		s.c.ok()
	default:
		s.c.err("unimplemented")
	}
	return false
}

func (s *session) stat() {
	var total int64
	for _, m := range s.msgs {
		if !m.deleted {
			total += m.size
		}
	}
	s.c.out.WriteString("+OK " + strconv.Itoa(len(s.msgs)) + " " + strconv.FormatInt(total, 10) + "\r\n")
	s.c.out.Flush()
}

func (s *session) rset() {
	for i := range s.msgs {
		s.msgs[i].deleted = false
	}
	s.last = 0
	s.c.ok()
}

// quit removes the deleted messages and moves the rest of new/ to cur/
// (a failed move is left alone, as in qmail), then says "+OK".
func (s *session) quit() {
	for _, m := range s.msgs {
		switch {
		case m.deleted:
			if os.Remove(m.name) != nil {
				s.c.err("unable to unlink all deleted messages")
			}
		case strings.HasPrefix(m.name, "new/"):
			os.Rename(m.name, "cur/"+m.name[len("new/"):]+":2,")
		}
	}
	s.c.ok()
}

// number reads a message number as qmail-pop3d does (leading digits),
// answering the error itself; ok is false then.
func (s *session) number(arg string) (i int, ok bool) {
	n, digits := scanUlong(arg)
	switch {
	case digits == 0:
		s.c.err("syntax error")
	case n == 0:
		s.c.err("messages are counted from 1")
	case n > uint64(len(s.msgs)):
		s.c.err("not that many messages")
	case s.msgs[n-1].deleted:
		s.c.err("already deleted")
	default:
		return int(n - 1), true
	}
	return 0, false
}

func (s *session) dele(arg string) {
	i, ok := s.number(arg)
	if !ok {
		return
	}
	s.msgs[i].deleted = true
	s.last = max(s.last, i+1)
	s.c.ok()
}

// listing answers LIST and UIDL: for one message, or for all that are not
// deleted. The unique id is the file name without new/ or cur/ and
// without its ":2,..." flags.
func (s *session) listing(arg string, uidl bool) {
	item := func(i int) string {
		value := strconv.FormatInt(s.msgs[i].size, 10)
		if uidl {
			value, _, _ = strings.Cut(s.msgs[i].name[len("new/"):], ":")
		}
		return strconv.Itoa(i+1) + " " + value + "\r\n"
	}
	if arg != "" {
		i, ok := s.number(arg)
		if !ok {
			return
		}
		s.c.out.WriteString("+OK " + item(i))
	} else {
		s.c.out.WriteString("+OK \r\n")
		for i, m := range s.msgs {
			if !m.deleted {
				s.c.out.WriteString(item(i))
			}
		}
		s.c.out.WriteString(".\r\n")
	}
	s.c.out.Flush()
}

// top answers TOP n lines and RETR n (RETR is TOP without a line count,
// so "RETR n lines" acts as TOP, as in qmail). It returns false when the
// message could not be read to its end: the session ends then, without
// the final dot, so that the client cannot take the part for the whole.
func (s *session) top(arg string) bool {
	i, ok := s.number(arg)
	if !ok {
		return true
	}
	_, used := scanUlong(arg)
	rest := strings.TrimLeft(arg[used:], " ")
	limit := uint64(0)
	if n, digits := scanUlong(rest); digits > 0 {
		limit = n + 1
	}
	f, err := os.Open(s.msgs[i].name)
	if err != nil {
		s.c.err("unable to open that message")
		return true
	}
	defer f.Close()
	s.c.out.WriteString("+OK \r\n")
	return s.blast(bufio.NewReaderSize(f, 4096), limit)
}

// blast sends a message with CR LF line ends and dot-stuffing: the whole
// of it, or with limit > 0 the header and limit-1 lines of the body. As
// qmail-pop3d, it ends with an empty line before the final dot. Long
// lines go through in pieces, so memory stays bounded.
func (s *session) blast(msg *bufio.Reader, limit uint64) bool {
	out := s.c.out
	inHeader, lineStart := true, true
	for {
		chunk, err := msg.ReadSlice('\n')
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			out.Flush()
			return false
		}
		if len(chunk) == 0 && err == io.EOF {
			break
		}
		complete := chunk[len(chunk)-1] == '\n'
		text := chunk[:len(chunk)-boolInt(complete)]
		if lineStart {
			if limit > 0 && !inHeader {
				if limit--; limit == 0 {
					break
				}
			}
			if len(text) == 0 && complete {
				inHeader = false
			} else if len(text) > 0 && text[0] == '.' {
				out.WriteByte('.')
			}
		}
		out.Write(text)
		lineStart = complete || err == io.EOF
		if lineStart {
			out.WriteString("\r\n")
		}
		if err == io.EOF {
			break
		}
	}
	out.WriteString("\r\n.\r\n")
	out.Flush()
	return true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scanUlong reads leading decimal digits as djb's scan_ulong: the value
// (saturating) and how many digits there were.
func scanUlong(s string) (uint64, int) {
	var n uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if n > (^uint64(0)-d)/10 {
			n = ^uint64(0)
		} else {
			n = n*10 + d
		}
	}
	return n, i
}
