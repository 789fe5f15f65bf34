package smtpd

import (
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/quail-mta/quail/pkg/pathexec"
	"github.com/quail-mta/quail/pkg/smtpaddr"
)

// SMTP AUTH (RFC 4954) as the qmail-smtpd-auth patch offers it: started
// as "qmail-smtpd hostname checkpassword subprogram ...", qmail-smtpd
// accepts AUTH LOGIN and AUTH PLAIN (and with ALLOW_CRAM, CRAM-MD5) and
// asks the checkpassword program,
// which reads "user\0password\0challenge\0" on descriptor 3 and exits 0
// for a good password. An authenticated client may relay, as if
// RELAYCLIENT were set empty, and its name goes into the Received line
// where TCPREMOTEINFO would.
//
// Unlike the patch, passwords are asked for only over TLS (STARTTLS or
// SMTPS) unless ALLOW_INSECURE_AUTH is set: a password in clear text is
// the network's.

const (
	replyAuthOK        = "235 ok, go ahead (#2.0.0)\r\n"
	replyAuthFailed    = "535 authorization failed (#5.7.0)\r\n"
	replyAuthNone      = "503 auth not available (#5.3.3)\r\n"
	replyAuthDone      = "503 you're already authenticated (#5.5.0)\r\n"
	replyAuthMail      = "503 no auth during mail transaction (#5.5.0)\r\n"
	replyAuthMechanism = "504 auth type unimplemented (#5.5.1)\r\n"
	replyAuthInput     = "501 malformed auth input (#5.5.4)\r\n"
	replyAuthAborted   = "501 auth exchange cancelled (#5.0.0)\r\n"
	replyAuthChild     = "454 problem with child and I can't auth (#4.3.0)\r\n"
)

var (
	errAuthInput   = errors.New("malformed auth input")
	errAuthAborted = errors.New("auth exchange cancelled")
)

// authOffered says whether EHLO lists AUTH and AUTH may be used now.
func (s *session) authOffered() bool {
	return len(s.cfg.Checkpassword) > 0 && (s.tlsOn || s.cfg.InsecureAuth)
}

// cramOffered says whether CRAM-MD5 may be used: ALLOW_CRAM set, as in
// John Simpson's combined patch, for a checkpassword program that knows
// it (vchkpw, cmd5checkpw). It sends no password, so clear text will do.
func (s *session) cramOffered() bool {
	return len(s.cfg.Checkpassword) > 0 && s.cfg.AllowCram
}

// authEHLO is the AUTH part of the EHLO reply.
func (s *session) authEHLO() string {
	switch {
	case s.authOffered() && s.cramOffered():
		return "250-AUTH LOGIN CRAM-MD5 PLAIN\r\n250-AUTH=LOGIN CRAM-MD5 PLAIN\r\n"
	case s.authOffered():
		return "250-AUTH LOGIN PLAIN\r\n250-AUTH=LOGIN PLAIN\r\n"
	case s.cramOffered():
		return "250-AUTH CRAM-MD5\r\n250-AUTH=CRAM-MD5\r\n"
	}
	return ""
}

// auth answers AUTH mechanism [initial-response].
func (s *session) auth(arg string) error {
	switch {
	case len(s.cfg.Checkpassword) == 0: // the plain qmail-smtpd
		s.c.reply(replyUnimpl)
		return s.c.flush()
	case !s.authOffered() && !s.cramOffered():
		s.c.reply(replyAuthNone)
		return s.c.flush()
	case s.authUser != "":
		s.c.reply(replyAuthDone)
		return s.c.flush()
	case s.seenMail:
		s.c.reply(replyAuthMail)
		return s.c.flush()
	}
	mechanism, initial, _ := strings.Cut(arg, " ")
	initial = strings.TrimLeft(initial, " ")
	var user, pass, challenge string
	var err error
	switch mech := smtpaddr.Lower(mechanism); {
	case mech == "login" && s.authOffered():
		user, pass, err = s.authLogin(initial)
	case mech == "plain" && s.authOffered():
		user, pass, err = s.authPlain(initial)
	case mech == "cram-md5" && s.cramOffered():
		user, pass, challenge, err = s.authCram()
	default:
		s.c.reply(replyAuthMechanism)
		return s.c.flush()
	}
	switch {
	case errors.Is(err, errAuthInput):
		s.c.reply(replyAuthInput)
	case errors.Is(err, errAuthAborted):
		s.c.reply(replyAuthAborted)
	case err != nil:
		return err // the client went away
	default:
		s.c.reply(s.checkPassword(user, pass, challenge))
	}
	return s.c.flush()
}

// checkPassword runs the checkpassword program and returns the reply.
func (s *session) checkPassword(user, pass, challenge string) string {
	ok, err := runCheckpassword(s.cfg.Checkpassword, user, pass, challenge)
	switch {
	case err != nil:
		return replyAuthChild
	case !ok:
		return replyAuthFailed
	}
	s.authUser = user
	s.cfg.Relay, s.cfg.RelayClient = true, ""
	s.cfg.RemoteInfo, s.cfg.HasRemoteInfo = user, true
	if s.cfg.Setenv != nil {
		// as the patches do, for QMAILQUEUE filters and RCPTCHECK
		// programs that treat authenticated senders apart
		s.cfg.Setenv("TCPREMOTEINFO", user)
		s.cfg.Setenv("SMTP_AUTH_USER", user)
		s.cfg.Setenv("RELAYCLIENT", "")
	}
	return replyAuthOK
}

// authLogin asks for the user name and the password, each in base64
// ("Username:" and "Password:" as the prompts), unless the name came with
// the command.
func (s *session) authLogin(initial string) (user, pass string, err error) {
	if initial == "" {
		if initial, err = s.authResponse("334 VXNlcm5hbWU6\r\n"); err != nil {
			return "", "", err
		}
	}
	if user, err = decodeAuth(initial); err != nil {
		return "", "", err
	}
	response, err := s.authResponse("334 UGFzc3dvcmQ6\r\n")
	if err != nil {
		return "", "", err
	}
	if pass, err = decodeAuth(response); err != nil {
		return "", "", err
	}
	if user == "" || pass == "" {
		return "", "", errAuthInput
	}
	return user, pass, nil
}

// authPlain reads "authzid\0user\0password" in base64; the authorization
// identity is ignored, as in the patch.
func (s *session) authPlain(initial string) (user, pass string, err error) {
	if initial == "" {
		if initial, err = s.authResponse("334 \r\n"); err != nil {
			return "", "", err
		}
	}
	text, err := decodeAuth(initial)
	if err != nil {
		return "", "", err
	}
	fields := strings.SplitN(text, "\x00", 3)
	if len(fields) == 3 {
		user, pass = fields[1], fields[2]
	}
	// C strings: each ends at its first NUL
	user, _, _ = strings.Cut(user, "\x00")
	pass, _, _ = strings.Cut(pass, "\x00")
	if user == "" || pass == "" {
		return "", "", errAuthInput
	}
	return user, pass, nil
}

// authCram sends a challenge, "<pid.time@hostname>" as the patch makes
// it, and reads back "user digest": checkpassword gets the digest as the
// password and the challenge after it.
func (s *session) authCram() (user, digest, challenge string, err error) {
	challenge = "<" + strconv.Itoa(s.cfg.PID) + "." + strconv.FormatInt(s.cfg.Now().Unix(), 10) +
		"@" + s.cfg.AuthHost + ">"
	response, err := s.authResponse("334 " + base64.StdEncoding.EncodeToString([]byte(challenge)) + "\r\n")
	if err != nil {
		return "", "", "", err
	}
	text, err := decodeAuth(response)
	if err != nil {
		return "", "", "", err
	}
	user, digest, _ = strings.Cut(text, " ")
	digest = strings.TrimLeft(digest, " ")
	user, _, _ = strings.Cut(user, "\x00")
	digest, _, _ = strings.Cut(digest, "\x00")
	if user == "" || digest == "" {
		return "", "", "", errAuthInput
	}
	return user, digest, challenge, nil
}

// authResponse sends a 334 challenge and reads the client's line; "*"
// cancels the exchange.
func (s *session) authResponse(challenge string) (string, error) {
	s.c.reply(challenge)
	line, err := s.c.readLine()
	if err != nil {
		return "", err
	}
	switch string(line) {
	case "*":
		return "", errAuthAborted
	case "":
		return "", errAuthInput
	}
	return string(line), nil
}

func decodeAuth(text string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return "", errAuthInput
	}
	return string(b), nil
}

// runCheckpassword runs the checkpassword command with the user name,
// the password and the challenge (empty but for CRAM-MD5) on descriptor 3. Descriptors 0 and
// 1 get /dev/null rather than the client's connection, so nothing the
// program prints can reach the client; 2 stays the log.
func runCheckpassword(command []string, user, pass, challenge string) (bool, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return false, err
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return false, err
	}
	pid, err := pathexec.Start(command, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{null.Fd(), null.Fd(), 2, r.Fd()},
	})
	r.Close()
	if err != nil {
		w.Close()
		return false, err
	}
	data := []byte(user + "\x00" + pass + "\x00" + challenge + "\x00")
	w.Write(data) // a program that does not read it simply fails
	w.Close()
	clear(data)
	status, err := pathexec.Wait(pid)
	switch {
	case err != nil, status.Signaled():
		return false, errors.New("checkpassword crashed")
	}
	return status.ExitStatus() == 0, nil
}
