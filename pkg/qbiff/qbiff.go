// Package qbiff is qmail's new-mail notice (qbiff, run from a .qmail
// file): it writes who the message is to and from, and the start of its
// subject and body, to each terminal where the recipient is logged in
// and has turned biff on (the terminal's owner-execute bit, "biff y").
package qbiff

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/quail-mta/quail/pkg/headerbody"
	"github.com/quail-mta/quail/pkg/visible"
)

// textLimit is how much of the subject and body the notice shows.
const textLimit = 78

// Notice is the bytes written to a terminal: a bell, the "*** TO <local>
// FROM <sender>" line and 78 bytes of subject and body, each
// non-printable byte replaced.
func Notice(local, sender string, msg io.Reader) ([]byte, error) {
	tofrom := []byte("*** TO <" + local + "> FROM <" + sender + ">")
	visible.Bytes(tofrom, ' ', '_')
	text := []byte("    ")
	add := func(b []byte) {
		if n := textLimit - len(text); n > 0 {
			text = append(text, b[:min(n, len(b))]...)
		}
	}
	err := headerbody.Parse(msg, headerbody.Handler{
		Field: func(f []byte) error {
			if headerbody.Is(f, "subject") {
				add(f[headerbody.SkipName(f):])
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
		return nil, err
	}
	visible.Bytes(text, ' ', '/')
	var b bytes.Buffer
	b.WriteString("\r\n\a")
	b.Write(tofrom)
	b.WriteString("\r\n")
	b.Write(text)
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

// UtmpPath is the login record the notice looks users up in.
const UtmpPath = "/var/run/utmp"

// Linux's struct utmp: 384 bytes, ut_type at 0, ut_line[32] at 8,
// ut_user[32] at 44.
const (
	utmpSize      = 384
	utmpLineOff   = 8
	utmpUserOff   = 44
	utmpFieldSize = 32
	userProcess   = 7
)

// MaxUser is the longest user name a login record holds.
const MaxUser = utmpFieldSize

// Terminals returns the terminal lines (relative to /dev) where user is
// logged in according to a utmp file.
func Terminals(utmp io.Reader, user string) []string {
	var lines []string
	rec := make([]byte, utmpSize)
	for {
		if _, err := io.ReadFull(utmp, rec); err != nil {
			return lines
		}
		if binary.NativeEndian.Uint16(rec[0:2]) != userProcess {
			continue
		}
		if cString(rec[utmpUserOff:utmpUserOff+utmpFieldSize]) != user {
			continue
		}
		lines = append(lines, cString(rec[utmpLineOff:utmpLineOff+utmpFieldSize]))
	}
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// Notify writes notice to each line under dev that is a plain name (no
// leading '/', no '.'), owned by uid and has biff on. Failures are
// skipped silently, as the original does.
func Notify(dev string, lines []string, uid int, notice []byte) {
	for _, line := range lines {
		if line == "" || line[0] == '/' || strings.Contains(line, ".") {
			continue
		}
		notify(filepath.Join(dev, line), uid, notice)
	}
}

func notify(path string, uid int, notice []byte) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return
	}
	defer f.Close()
	var st syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &st) != nil {
		return
	}
	if st.Mode&0o100 == 0 || int(st.Uid) != uid {
		return
	}
	f.Write(notice)
}
