package smtpd

import (
	"os"
	"strings"
	"syscall"

	"github.com/quail-mta/quail/pkg/pathexec"
)

// Replies of the RCPTCHECK patch (Jay Soffian's, also in John Simpson's
// combined patch): the program refused the recipient (exit 100), could not
// tell (exit 111), or could not be run (exit 120, a crash, no such
// program, or still running after timeoutsmtpd).
const (
	replyNoMailbox      = "553 sorry, no mailbox here by that name. (#5.1.1)\r\n"
	replyRcptCheckSoft  = "421 unable to verify recipient (#4.3.0)\r\n"
	replyRcptCheckBroke = "421 unable to execute recipient check (#4.3.0)\r\n"
)

// rcptCheckError ends the session after a recipient check that failed
// temporarily, with its 421 reply.
type rcptCheckError struct{ reply string }

func (e *rcptCheckError) Error() string { return strings.TrimSpace(e.reply) }

// checkRecipient runs the $RCPTCHECK program for one recipient, with
// SENDER and RECIPIENT added to qmail-smtpd's environment, and says
// whether it accepts the recipient. The program's descriptors 1 and 2
// are qmail-smtpd's log, 0 is /dev/null: nothing it prints reaches the
// client.
func (s *session) checkRecipient(recipient string) (bool, error) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return false, &rcptCheckError{replyRcptCheckBroke}
	}
	defer null.Close()
	pid, err := pathexec.Start([]string{s.cfg.RcptCheck}, &syscall.ProcAttr{
		Env:   rcptCheckEnv(os.Environ(), s.mailFrom, recipient),
		Files: []uintptr{null.Fd(), 2, 2},
	})
	if err != nil {
		return false, &rcptCheckError{replyRcptCheckBroke}
	}
	status, expired, err := pathexec.WaitLimit(pid, s.cfg.Timeout)
	switch {
	case err != nil, expired, status.Signaled(), status.ExitStatus() == 120:
		return false, &rcptCheckError{replyRcptCheckBroke}
	case status.ExitStatus() == 111:
		return false, &rcptCheckError{replyRcptCheckSoft}
	}
	return status.ExitStatus() != 100, nil
}

// rcptCheckEnv is env with SENDER and RECIPIENT set to this recipient's.
func rcptCheckEnv(env []string, sender, recipient string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "SENDER=") && !strings.HasPrefix(kv, "RECIPIENT=") {
			out = append(out, kv)
		}
	}
	return append(out, "SENDER="+sender, "RECIPIENT="+recipient)
}
