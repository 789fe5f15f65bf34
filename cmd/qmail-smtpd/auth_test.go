package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestAuthArguments: "qmail-smtpd hostname checkpassword subprogram", as
// with the qmail-smtpd-auth patch, turns on AUTH (here in clear text,
// with ALLOW_INSECURE_AUTH); the authenticated client may relay.
func TestAuthArguments(t *testing.T) {
	h := newHome(t, baseControl)
	check := filepath.Join(t.TempDir(), "checkpassword")
	script := "#!/bin/sh\n[ \"$(tr '\\000' ' ' <&3)\" = 'fml listpass  ' ] && exec \"$@\"\nexit 1\n"
	if err := os.WriteFile(check, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	queue := h.recordQueueEnv(t) // the queue program sees who authenticated
	cmd := exec.Command(testenv.Bin(t, "qmail-smtpd"), "mx.example.com", check, "/bin/true")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "QMAILHOME=" + h.dir, "QMAILQUEUE=" + queue,
		"CAPTURE_DIR=" + h.capture, "ALLOW_INSECURE_AUTH=1"}, baseEnv...)
	plain := base64.StdEncoding.EncodeToString([]byte("\x00fml\x00listpass"))
	cmd.Stdin = strings.NewReader("EHLO list.example\r\nAUTH PLAIN " + plain + "\r\n" +
		"MAIL FROM:<fml@list.example>\r\nRCPT TO:<member@far.example>\r\nDATA\r\nSubject: list\r\n\r\nhi\r\n.\r\nQUIT\r\n")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	want := "220 mx.example.com ESMTP\r\n" +
		"250-mx.example.com\r\n250-AUTH LOGIN PLAIN\r\n250-AUTH=LOGIN PLAIN\r\n250-PIPELINING\r\n250 8BITMIME\r\n" +
		"235 ok, go ahead (#2.0.0)\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok TIME qp PID\r\n221 mx.example.com\r\n"
	if got := string(normalize(out.Bytes())); got != want {
		t.Errorf("transcript %q, want %q", got, want)
	}
	if env := string(h.captured(t)["queue.envelope"]); !strings.Contains(env, "Tmember@far.example\x00") {
		t.Errorf("envelope %q", env)
	}
	env := "\n" + string(h.captured(t)["env"])
	for _, v := range []string{"TCPREMOTEINFO=fml", "SMTP_AUTH_USER=fml", "RELAYCLIENT="} {
		if !strings.Contains(env, "\n"+v+"\n") {
			t.Errorf("the queue program's environment lacks %s:%s", v, env)
		}
	}
}
