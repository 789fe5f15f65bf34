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
	"sort"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/headerbody"
)

// Interval is how long maildirwatch waits between screens.
const Interval = 30 * time.Second

// tmpLifetime is how long a file may sit unread in tmp/ before a reader
// removes it (maildir(5): 36 hours).
const tmpLifetime = 36 * time.Hour

// textLimit is how much of the subject and body is shown.
const textLimit = 158

// ClearScreen is the escape sequence written before each screen.
const ClearScreen = "\033[;H\033[;J"

// Clean removes files in dir/tmp not accessed for 36 hours, ignoring
// errors as qmail does.
func Clean(dir string, now time.Time) {
	entries, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Name()[0] == '.' {
			continue
		}
		path := filepath.Join(dir, "tmp", e.Name())
		if at, ok := accessTime(path); ok && now.Sub(at) > tmpLifetime {
			os.Remove(path)
		}
	}
}

// ScanError is a new/ directory that cannot be read.
type ScanError struct{ Err error }

func (e *ScanError) Error() string { return "unable to scan $MAILDIR/new: " + djberr.Text(e.Err) }

// New lists the files in dir/new, oldest first, leaving out names
// starting with '.' and files modified at or after now (they may still
// be arriving out of order).
func New(dir string, now time.Time) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, "new"))
	if err != nil {
		return nil, &ScanError{Err: err}
	}
	type file struct {
		name  string
		mtime int64
	}
	var files []file
	for _, e := range entries {
		if e.Name()[0] == '.' {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, "new", e.Name()))
		if err != nil || info.ModTime().Unix() >= now.Unix() {
			continue
		}
		files = append(files, file{"new/" + e.Name(), info.ModTime().Unix()})
	}
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].mtime != files[j].mtime {
			return files[i].mtime < files[j].mtime
		}
		return files[i].name < files[j].name
	})
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	return names, nil
}

// ErrRead is a new message that cannot be read.
var ErrRead = errors.New("trouble reading new message")

// Screen writes one screen for dir: it cleans tmp/, lists new/ and
// writes the summary of each message it can open.
func Screen(w io.Writer, dir string, now time.Time) error {
	Clean(dir, now)
	names, err := New(dir, now)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(w)
	out.WriteString(ClearScreen)
	if err := out.Flush(); err != nil {
		return err
	}
	for _, name := range names {
		f, err := os.Open(filepath.Join(dir, name))
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
	printable(fromLine, '/')
	printable(sender, '?')
	printable(recipient, '?')
	printable(text, '/')
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

func printable(b []byte, with byte) {
	for i, c := range b {
		if c < 32 || c > 126 {
			b[i] = with
		}
	}
}
