package main

import (
	"bytes"
	"strings"
	"testing"
)

// The end-of-data forms from the 2023 SMTP smuggling research: sequences
// that some servers take as the end of a message and others as data. A
// server that ends a message on one of them lets a client hide a second
// message inside the first, as another server would read it. qmail-smtpd
// must either refuse them (bare LF: 451 and hang up) or keep them as data.
var smugglingEnds = []string{
	"\n.\n",
	"\n.\r\n",
	"\r\n.\n",
	"\n.\r",
	"\r.\r",
	"\r\n.\r",
	"\r.\r\n",
	"\r.\n",
	"\r\n.\r\r\n",
	"\r\n\x00.\r\n",
	"\r\n .\r\n",
	"\r\n..\r\n",
	"\r\r\n.\r\r\n",
}

func TestSmugglingEndsNeverStartASecondMessage(t *testing.T) {
	const smuggled = "MAIL FROM:<smuggler@evil.example.net>\r\n" +
		"RCPT TO:<victim@example.com>\r\n" +
		"DATA\r\n" +
		"Subject: smuggled\r\n\r\nsmuggled body\r\n"
	for _, end := range smugglingEnds {
		t.Run(strings.NewReplacer("\r", "CR", "\n", "LF", "\x00", "NUL").Replace(end), func(t *testing.T) {
			h := newHome(t, baseControl)
			client := "EHLO c.example\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n" +
				"Subject: first\r\n\r\nfirst body" + end + smuggled + ".\r\nQUIT\r\n"
			r := h.smtpd(t, baseEnv, []byte(client), false)
			files := h.captured(t)
			if _, second := files["queue.message.2"]; second {
				t.Fatalf("a second message was queued: %v", names(files))
			}
			if n := bytes.Count(r.out, []byte("354 ")); n != 1 {
				t.Errorf("%d DATA phases started, want 1:\n%s", n, r.out)
			}
			env := string(files["queue.envelope"])
			if strings.Contains(env, "smuggler") || strings.Count(string(r.out), "\n250 ok\r") != 2 {
				t.Errorf("the smuggled envelope was accepted: %q\n%s", env, r.out)
			}
			if bytes.Contains(r.out, []byte("451 See https://cr.yp.to/docs/smtplf.html.\r\n")) {
				if r.exit != 1 || env != "" {
					t.Errorf("after 451: exit %d, envelope %q; want 1 and nothing queued", r.exit, env)
				}
				return
			}
			// Kept as data: the one message holds the smuggled commands.
			if !bytes.Contains(files["queue.message"], []byte("MAIL FROM:<smuggler@evil.example.net>")) {
				t.Errorf("message %q does not carry the smuggling attempt as text", files["queue.message"])
			}
			if env != "Fa@example.net\x00Tu@example.com\x00\x00" {
				t.Errorf("envelope %q", env)
			}
		})
	}
}
