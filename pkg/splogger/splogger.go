// Package splogger owns what splogger does with qmail's log lines: it
// stamps each line with the time, picks its syslog priority from its first
// word, makes it printable, splits long lines, and sends the results to
// the system logger as openlog(tag, 0, facility) and syslog(3) would.
package splogger

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Syslog priorities and the mail facility, as in <syslog.h>.
const (
	Alert    = 1
	Warning  = 4
	Info     = 6
	LogMail  = 2 // the facility number splogger uses by default
	maxChunk = 799
)

// Priority is the syslog priority splogger gives a line.
func Priority(line string) int {
	switch {
	case strings.HasPrefix(line, "alert:"):
		return Alert
	case strings.HasPrefix(line, "warning:"):
		return Warning
	}
	return Info
}

// Messages turns one input line (without its newline) into the texts
// splogger logs: "SEC.USEC text", bytes outside 32..126 shown as '?', and
// lines over 799 bytes split into chunks logged as "SEC.USEC+text".
func Messages(line string, now time.Time) []string {
	stamp := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
	clean := []byte(line)
	for i, b := range clean {
		if b < 32 || b > 126 {
			clean[i] = '?'
		}
	}
	var out []string
	for sep := " "; ; sep = "+" {
		n := min(len(clean), maxChunk)
		out = append(out, stamp+sep+string(clean[:n]))
		clean = clean[n:]
		if len(clean) == 0 {
			return out
		}
	}
}

// Logger sends messages to a syslog socket in the format glibc's syslog(3)
// writes: "<PRI>Mmm dd hh:mm:ss TAG: MESSAGE", without a pid, as openlog
// with no options gives.
type Logger struct {
	Tag      string
	Facility int
	conn     net.Conn
	path     string
}

// Dial connects to the syslog socket at path (normally /dev/log).
func Dial(path, tag string, facility int) (*Logger, error) {
	l := &Logger{Tag: tag, Facility: facility, path: path}
	return l, l.connect()
}

func (l *Logger) connect() error {
	conn, err := net.Dial("unixgram", l.path)
	if err != nil {
		conn, err = net.Dial("unix", l.path)
	}
	l.conn = conn
	return err
}

// Log sends one message with the given priority. A failed send is retried
// once on a new connection (syslogd may have restarted).
func (l *Logger) Log(priority int, msg string, now time.Time) error {
	packet := fmt.Sprintf("<%d>%s %s: %s", l.Facility<<3|priority, now.Format(time.Stamp), l.Tag, msg)
	if l.conn != nil {
		if _, err := io.WriteString(l.conn, packet); err == nil {
			return nil
		}
		l.conn.Close()
	}
	if err := l.connect(); err != nil {
		return err
	}
	_, err := io.WriteString(l.conn, packet)
	return err
}

// Run logs every line of in until end of input. Empty lines are skipped.
// Lines that cannot be sent are dropped, as syslog(3) drops them: a logger
// must never stop the program feeding it.
func Run(in io.Reader, l *Logger, now func() time.Time) error {
	r := bufio.NewReaderSize(in, 4096)
	for {
		line, err := r.ReadString('\n')
		text := strings.TrimSuffix(line, "\n")
		if text != "" {
			t := now()
			prio := Priority(text)
			for _, m := range Messages(text, t) {
				l.Log(prio, m, t)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
