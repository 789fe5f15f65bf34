package send

import (
	"io"
	"strings"
	"sync"
)

// logger writes qmail-send's log lines, one write per line, so that lines
// from concurrent parts never interleave.
type logger struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logger) line(parts ...string) {
	s := strings.Join(parts, "") + "\n"
	l.mu.Lock()
	io.WriteString(l.w, s)
	l.mu.Unlock()
}

func (l *logger) warn(parts ...string) {
	l.line(append([]string{"warning: "}, parts...)...)
}

func (l *logger) alert(parts ...string) {
	l.line(append([]string{"alert: "}, parts...)...)
}

// logSafe renders text for a log line as qmail-send does: newline becomes
// '/', other bytes below 33 or above 126 and '%' become '_'.
func logSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '\n':
			b[i] = '/'
		case c < 33 || c > 126 || c == '%':
			b[i] = '_'
		}
	}
	return string(b)
}
