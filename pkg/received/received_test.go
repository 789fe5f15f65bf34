package received

import (
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	at := time.Date(1995, 9, 26, 4, 46, 54, 0, time.UTC)
	tests := []struct {
		name     string
		protocol string
		peer     Peer
		helo     string
		want     string
	}{
		{"smtp example from received.c", "SMTP",
			Peer{Local: "silverton.berkeley.edu", RemoteIP: "192.48.96.5", RemoteHost: "relay1.uu.net", RemoteInfo: "7", HasInfo: true},
			"uunet.uu.net",
			"Received: from relay1.uu.net (HELO uunet.uu.net) (7@192.48.96.5)\n  by silverton.berkeley.edu with SMTP; 26 Sep 1995 04:46:54 -0000\n"},
		{"qmqp without info", "QMQP",
			Peer{Local: "hub", RemoteIP: "127.0.0.1", RemoteHost: "unknown"}, "",
			"Received: from unknown (127.0.0.1)\n  by hub with QMQP; 26 Sep 1995 04:46:54 -0000\n"},
		{"empty info still gets @", "QMTP",
			Peer{Local: "hub", RemoteIP: "1.2.3.4", RemoteHost: "h", HasInfo: true}, "",
			"Received: from h (@1.2.3.4)\n  by hub with QMTP; 26 Sep 1995 04:46:54 -0000\n"},
		{"unsafe characters", "QMTP",
			Peer{Local: "a b", RemoteIP: "1.2.3.4", RemoteHost: "evil\nX-Header: y", HasInfo: true, RemoteInfo: "(x)"}, "",
			"Received: from evil?X-Header:?y (?x?@1.2.3.4)\n  by a?b with QMTP; 26 Sep 1995 04:46:54 -0000\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Line(tc.protocol, tc.peer, tc.helo, at); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("TCPREMOTEHOST", "")
	t.Setenv("TCPREMOTEIP", "10.0.0.1")
	t.Setenv("TCPLOCALHOST", "")
	t.Setenv("TCPLOCALIP", "10.0.0.2")
	p := FromEnv()
	// An empty TCPREMOTEHOST is set, so it stays empty as in qmail.
	if p.RemoteHost != "" || p.RemoteIP != "10.0.0.1" || p.Local != "" {
		t.Fatalf("%+v", p)
	}
}
