// Package maildirwatch shows the new messages of a maildir as qmail's
// maildirwatch does: it clears the screen and lists each message in new/,
// oldest first, with its envelope sender and recipient (Return-Path and
// Delivered-To), its From field in bold and the start of its subject and
// body.
package maildirwatch

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/quail-mta/quail/pkg/headerbody"
	"github.com/quail-mta/quail/pkg/maildir"
	"github.com/quail-mta/quail/pkg/visible"
)

// Interval is how long maildirwatch waits between screens.
const Interval = 30 * time.Second

// textLimit is how much of the subject and body is shown.
const textLimit = 158

// ClearScreen is the escape sequence written before each screen.
const ClearScreen = "\033[;H\033[;J"

// ErrRead is a new message that cannot be read.
var ErrRead = errors.New("trouble reading new message")

// Screen writes one screen for dir: it cleans tmp/, lists new/ and
// writes the summary of each message it can open.
func Screen(w io.Writer, dir string, now time.Time) error {
	maildir.Clean(dir, now)
	msgs, err := maildir.ScanNew(dir, now)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(w)
	out.WriteString(ClearScreen)
	if err := out.Flush(); err != nil {
		return err
	}
	for _, m := range msgs {
		f, err := os.Open(filepath.Join(dir, m.Name))
		if err != nil {
			continue
		}
		err = summary(out, f)
		f.Close()
		if err != nil {
			return ErrRead
		}
	}
	return out.Flush()
}

// summary writes one message's lines.
func summary(out *bufio.Writer, msg io.Reader) error {
	sender, recipient := []byte("?"), []byte("?")
	var fromLine, text []byte
	add := func(b []byte) {
		if n := textLimit - len(text); n > 0 {
			text = append(text, b[:min(n, len(b))]...)
		}
	}
	// value is a field's value without its final newline, or nil when
	// empty.
	value := func(f []byte) []byte {
		i := headerbody.SkipName(f)
		if i >= len(f) {
			return nil
		}
		return append([]byte(nil), f[i:len(f)-1]...)
	}
	err := headerbody.Parse(msg, headerbody.Handler{
		Field: func(f []byte) error {
			switch {
			case headerbody.Is(f, "subject"):
				add(f[headerbody.SkipName(f):])
			case headerbody.Is(f, "delivered-to"):
				if v := value(f); v != nil {
					recipient = v
				}
			case headerbody.Is(f, "return-path"):
				if v := value(f); v != nil {
					sender = v
				}
			case headerbody.Is(f, "from"):
				fromLine = append([]byte(nil), f[:len(f)-1]...)
			}
			return nil
		},
		Body: func(line []byte) error {
			add(line)
			if len(text) >= textLimit {
				return headerbody.ErrStop
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	visible.Bytes(fromLine, ' ', '/')
	visible.Bytes(sender, ' ', '?')
	visible.Bytes(recipient, ' ', '?')
	visible.Bytes(text, ' ', '/')
	out.WriteString("FROM ")
	out.Write(sender)
	out.WriteString(" TO <")
	out.Write(recipient)
	out.WriteString(">\n")
	if len(fromLine) > 0 {
		out.WriteString("\033[1m")
		out.Write(fromLine)
		out.WriteString("\033[0m\n")
	}
	out.Write(text)
	out.WriteString("\n\n")
	return nil
}
