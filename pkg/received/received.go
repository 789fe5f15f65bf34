// Package received writes the Received header field qmail's network
// servers put on top of each message they queue (qmail's received.c):
//
//	Received: from relay1.uu.net (HELO uunet.uu.net) (7@192.48.96.5)
//	  by silverton.berkeley.edu with SMTP; 26 Sep 1995 04:46:54 -0000
//
// Every value that came from outside is filtered: characters other than
// letters, digits and ".@%+/=:-[]" become '?', so a peer cannot put a line
// break or anything else into the header.
package received

import (
	"os"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/date822"
)

// Peer is who sent the message, as tcpserver's environment tells it.
type Peer struct {
	Local      string // TCPLOCALHOST, else TCPLOCALIP, else "unknown"
	RemoteIP   string // TCPREMOTEIP, else "unknown"
	RemoteHost string // TCPREMOTEHOST, else "unknown"
	RemoteInfo string // TCPREMOTEINFO, "" when unset
	HasInfo    bool   // TCPREMOTEINFO is set (even to "")
}

// FromEnv reads the peer from tcpserver's variables with qmail's defaults.
func FromEnv() Peer {
	p := Peer{
		RemoteHost: envOr("TCPREMOTEHOST", "unknown"),
		RemoteIP:   envOr("TCPREMOTEIP", "unknown"),
		Local:      envOr("TCPLOCALHOST", envOr("TCPLOCALIP", "unknown")),
	}
	p.RemoteInfo, p.HasInfo = os.LookupEnv("TCPREMOTEINFO")
	return p
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// Line is the whole field, two lines ending in "\n", for protocol (such
// as "QMQP") and helo ("" for none), stamped with t.
func Line(protocol string, p Peer, helo string, t time.Time) string {
	var b strings.Builder
	b.WriteString("Received: from ")
	b.WriteString(Safe(p.RemoteHost))
	if helo != "" {
		b.WriteString(" (HELO ")
		b.WriteString(Safe(helo))
		b.WriteString(")")
	}
	b.WriteString(" (")
	if p.HasInfo {
		b.WriteString(Safe(p.RemoteInfo))
		b.WriteString("@")
	}
	b.WriteString(Safe(p.RemoteIP))
	b.WriteString(")\n  by ")
	b.WriteString(Safe(p.Local))
	b.WriteString(" with ")
	b.WriteString(protocol)
	b.WriteString("; ")
	b.WriteString(date822.UTC(t))
	b.WriteString("\n")
	return b.String()
}

// Safe replaces each byte qmail does not trust in a header with '?'.
func Safe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !safe(c) {
			b[i] = '?'
		}
	}
	return string(b)
}

func safe(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(".@%+/=:-[]", c) >= 0
}
