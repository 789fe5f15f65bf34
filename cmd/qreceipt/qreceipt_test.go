package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/qqtest"
	"github.com/quail-mta/quail/internal/testenv"
)

func run(t *testing.T, capture *qqtest.Capture, env []string, msg string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "qreceipt"), args...)
	cmd.Env = append([]string{"QMAILQUEUE=" + capture.Script}, env...)
	cmd.Stdin = strings.NewReader(msg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), 0
}

const asking = "From: you@there\nNotice-Requested-Upon-Delivery-To: Me <me@here>\nMessage-Id: <42@there>\n\nbody\n"

func TestNoticeQueued(t *testing.T) {
	capture := qqtest.NewCapture(t)
	if out, code := run(t, capture, []string{"SENDER=you@there"}, asking, "me@here"); code != 0 || out != "" {
		t.Fatalf("exit %d: %q", code, out)
	}
	msgs := capture.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages queued", len(msgs))
	}
	want := "From: DELIVERY NOTICE SYSTEM <you@there>\nTo: <you@there>\nSubject: success notice\n\n" +
		"Hi! This is the qreceipt program. Your message was delivered to the\n" +
		"following address: me@here. Thanks for asking.\nYour Message-Id: <42@there>\n"
	if msgs[0].Data != want || msgs[0].Envelope != "F\x00Tyou@there\x00\x00" {
		t.Fatalf("queued %q envelope %q", msgs[0].Data, msgs[0].Envelope)
	}
}

func TestNoNotice(t *testing.T) {
	capture := qqtest.NewCapture(t)
	for name, c := range map[string]struct {
		sender, target string
	}{
		"other address": {"you@there", "other@here"},
		"bounce":        {"", "me@here"},
		"double bounce": {"#@[]", "me@here"},
	} {
		if out, code := run(t, capture, []string{"SENDER=" + c.sender}, asking, c.target); code != 0 || out != "" {
			t.Errorf("%s: exit %d: %q", name, code, out)
		}
	}
	if n := len(capture.Messages(t)); n != 0 {
		t.Fatalf("%d messages queued", n)
	}
}

func TestErrors(t *testing.T) {
	capture := qqtest.NewCapture(t)
	usage := "qreceipt: usage: qreceipt deliveryaddress\n"
	if out, code := run(t, capture, []string{"SENDER=a@b"}, asking); code != 100 || out != usage {
		t.Errorf("no address: %d %q", code, out)
	}
	if out, code := run(t, capture, nil, asking, "me@here"); code != 100 || out != usage {
		t.Errorf("no SENDER: %d %q", code, out)
	}
	bad := "Notice-Requested-Upon-Delivery-To: <me@here\n\n"
	if out, code := run(t, capture, []string{"SENDER=a@b"}, bad, "me@here"); code != 100 ||
		out != "qreceipt: fatal: unable to parse this: Notice-Requested-Upon-Delivery-To: <me@here\n" {
		t.Errorf("unparsable: %d %q", code, out)
	}
	capture.SetExit(t, "71")
	if out, code := run(t, capture, []string{"SENDER=a@b"}, asking, "me@here"); code != 111 || out != "qreceipt: fatal: temporary qmail-queue error\n" {
		t.Errorf("qq temporary: %d %q", code, out)
	}
	capture.SetExit(t, "31")
	if out, code := run(t, capture, []string{"SENDER=a@b"}, asking, "me@here"); code != 100 || out != "qreceipt: fatal: permanent qmail-queue error\n" {
		t.Errorf("qq permanent: %d %q", code, out)
	}
}
