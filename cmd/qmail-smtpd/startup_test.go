package main

import (
	"path/filepath"
	"testing"
)

func TestNoControlsGives421(t *testing.T) {
	h := newHome(t, map[string]string{"rcpthosts": "example.com\n"}) // neither me nor smtpgreeting
	r := h.smtpd(t, baseEnv, []byte("QUIT\r\n"), false)
	if string(r.out) != "421 unable to read controls (#4.3.0)\r\n" || r.exit != 1 {
		t.Errorf("%q, exit %d", r.out, r.exit)
	}
}

func TestMissingHomeGives421(t *testing.T) {
	h := newHome(t, baseControl)
	h.dir = filepath.Join(h.dir, "nowhere")
	r := h.smtpd(t, baseEnv, []byte("QUIT\r\n"), false)
	if string(r.out) != "421 unable to read controls (#4.3.0)\r\n" || r.exit != 1 {
		t.Errorf("%q, exit %d", r.out, r.exit)
	}
}

// TestQueueProgramMissing: as in qmail, where the forked child fails to
// exec, the client sends its message and then learns it was not taken.
func TestQueueProgramMissing(t *testing.T) {
	h := newHome(t, baseControl)
	client := "MAIL FROM:<a@example.net>\r\nRCPT TO:<u@example.com>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	r := h.smtpdWith(t, baseEnv, []byte(client), false, filepath.Join(h.dir, "no-such-qmail-queue"))
	want := "220 mx.example.com ESMTP\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n451 unable to exec qq (#4.3.0)\r\n221 mx.example.com\r\n"
	if string(r.out) != want || r.exit != 0 {
		t.Errorf("%q, exit %d", r.out, r.exit)
	}
}
