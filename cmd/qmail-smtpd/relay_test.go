package main

import (
	"bytes"
	"strings"
	"testing"
)

// The tricks of nmap's smtp-open-relay script, with D the domain to relay
// to, S the server's own name (from its greeting) and I an IP literal. The
// server is not an open relay if every RCPT whose last "@" names a foreign
// domain is refused: qmail routes by that domain alone, so what it accepts
// otherwise ("D!relaytest", "relaytest%D@S") is mail for a local user of
// that odd name, never relayed.
const (
	relayDomain = "relay.example.net" // D: not in rcpthosts
	serverName  = "mx.example.com"    // S: in rcpthosts
)

type relayTrick struct {
	from, to string
	// localWhenIPIsMine: the recipient is local (accepted) when I is one
	// of the server's addresses; with a foreign I it must be refused.
	acceptedLocal     bool // accepted whatever I is: the last "@" is S, or there is none
	localWhenIPIsMine bool
}

func relayTricks(ip string) []relayTrick {
	d, s := relayDomain, serverName
	lit := "antispam@[" + ip + "]"
	return []relayTrick{
		{from: "", to: "relaytest@" + d},
		{from: "antispam@" + d, to: "relaytest@" + d},
		{from: "antispam@" + s, to: "relaytest@" + d},
		{from: lit, to: "relaytest@" + d},
		{from: lit, to: "relaytest%" + d + "@[" + ip + "]", localWhenIPIsMine: true},
		{from: lit, to: "relaytest%" + d + "@" + s, acceptedLocal: true},
		{from: lit, to: `"relaytest@` + d + `"`},
		{from: lit, to: `"relaytest%` + d + `"`, acceptedLocal: true},
		{from: lit, to: "relaytest@" + d + "@[" + ip + "]", localWhenIPIsMine: true},
		{from: lit, to: `"relaytest@` + d + `"@[` + ip + "]", localWhenIPIsMine: true},
		{from: lit, to: "relaytest@" + d + "@" + s, acceptedLocal: true},
		{from: lit, to: "@[" + ip + "]:relaytest@" + d},
		{from: lit, to: "@" + s + ":relaytest@" + d},
		{from: lit, to: d + "!relaytest", acceptedLocal: true},
		{from: lit, to: d + "!relaytest@[" + ip + "]", localWhenIPIsMine: true},
		{from: lit, to: d + "!relaytest@" + s, acceptedLocal: true},
	}
}

// TestOpenRelayTricksAreRefused runs each trick in its own session, with
// an IP literal of this host (127.0.0.1) and one of another (192.0.2.1).
func TestOpenRelayTricksAreRefused(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "192.0.2.1"} {
		mine := ip == "127.0.0.1"
		for _, trick := range relayTricks(ip) {
			t.Run(ip+"/"+trick.to, func(t *testing.T) {
				h := newHome(t, baseControl)
				reply, env := relayAttempt(t, h, trick, nil)
				local := trick.acceptedLocal || (mine && trick.localWhenIPIsMine)
				if !local {
					if reply != "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)" {
						t.Errorf("RCPT got %q, want the rcpthosts refusal", reply)
					}
					if env != "" {
						t.Errorf("a message was queued: %q", env)
					}
					return
				}
				if reply != "250 ok" {
					t.Fatalf("RCPT got %q, want 250 ok", reply)
				}
				rcpt := envelopeRecipient(t, env)
				if at := strings.LastIndexByte(rcpt, '@'); at >= 0 && rcpt[at+1:] != serverName {
					t.Errorf("accepted recipient %q is not local", rcpt)
				}
			})
		}
	}
}

// TestRelayClientAcceptsEveryTrick: with RELAYCLIENT set (here empty)
// every trick is accepted and queued as parsed.
func TestRelayClientAcceptsEveryTrick(t *testing.T) {
	for _, trick := range relayTricks("192.0.2.1") {
		t.Run(trick.to, func(t *testing.T) {
			h := newHome(t, baseControl)
			reply, env := relayAttempt(t, h, trick, []string{"RELAYCLIENT="})
			if reply != "250 ok" {
				t.Errorf("RCPT got %q with RELAYCLIENT set", reply)
			}
			if rcpt := envelopeRecipient(t, env); !strings.Contains(rcpt, "relaytest") {
				t.Errorf("queued recipient %q, want the one sent", rcpt)
			}
		})
	}
}

// relayAttempt sends one trick and a message; it returns the reply to
// RCPT and the envelope qmail-queue got ("" if none).
func relayAttempt(t *testing.T, h *home, trick relayTrick, extraEnv []string) (string, string) {
	t.Helper()
	client := "EHLO relay.test\r\nMAIL FROM:<" + trick.from + ">\r\nRCPT TO:<" + trick.to + ">\r\n" +
		"DATA\r\nSubject: relay test\r\n\r\nbody\r\n.\r\nQUIT\r\n"
	r := h.smtpd(t, append(append([]string{}, baseEnv...), extraEnv...), []byte(client), false)
	lines := strings.Split(string(r.out), "\r\n")
	// 220, three EHLO lines, MAIL, then RCPT.
	if len(lines) < 6 || lines[4] != "250 ok" {
		t.Fatalf("unexpected transcript %q", r.out)
	}
	return lines[5], string(h.captured(t)["queue.envelope"])
}

// envelopeRecipient returns the single recipient of an envelope
// "Fsender\0Trecipient\0\0".
func envelopeRecipient(t *testing.T, env string) string {
	t.Helper()
	fields := bytes.Split([]byte(env), []byte{0})
	if len(fields) != 4 || !bytes.HasPrefix(fields[1], []byte("T")) {
		t.Fatalf("envelope %q does not hold one recipient", env)
	}
	return string(fields[1][1:])
}
