// Package boot holds the qmail-start boot scripts installed in
// QMAILHOME/boot; this test runs each one against a stand-in qmail-start.
package boot

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBootScripts(t *testing.T) {
	const df = "|dot-forward .forward\n"
	const binm1 = `|preline -f /usr/libexec/mail.local -r "${SENDER:-MAILER-DAEMON}" -d "$USER"`
	const binm2 = `|preline -f /bin/mail -r "${SENDER:-MAILER-DAEMON}" -d "$USER"`
	const binm3 = `|preline -f /bin/mail -f "${SENDER:-MAILER-DAEMON}" -d "$USER"`
	for script, delivery := range map[string]string{
		"home": "./Mailbox", "home+df": df + "./Mailbox",
		"proc": "|preline procmail", "proc+df": df + "|preline procmail",
		"binm1": binm1, "binm1+df": df + binm1,
		"binm2": binm2, "binm2+df": df + binm2,
		"binm3": binm3, "binm3+df": df + binm3,
		"maildir": "./Maildir/",
	} {
		t.Run(script, func(t *testing.T) {
			home := t.TempDir()
			os.Mkdir(filepath.Join(home, "bin"), 0o755)
			// The stand-in prints its arguments, one per NUL, and its PATH.
			os.WriteFile(filepath.Join(home, "bin", "qmail-start"),
				[]byte("#!/bin/sh\nprintf '%s\\0' \"$@\"\nprintf '%s' \"$PATH\"\n"), 0o755)
			text, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			installed := filepath.Join(home, "rc")
			os.WriteFile(installed, []byte(strings.ReplaceAll(string(text), "QMAILHOME", home)), 0o755)
			out, err := exec.Command("/bin/sh", installed).Output()
			if err != nil {
				t.Fatal(err)
			}
			fields := strings.Split(string(out), "\x00")
			if len(fields) != 4 || fields[0] != delivery || fields[1] != "splogger" || fields[2] != "qmail" {
				t.Errorf("qmail-start got %q, want [%q splogger qmail]", fields, delivery)
			}
			if !strings.HasPrefix(fields[len(fields)-1], home+"/bin:") {
				t.Errorf("PATH %q does not start with the qmail bin", fields[len(fields)-1])
			}
		})
	}
}
