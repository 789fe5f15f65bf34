package pop3

import (
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/pathexec"
)

// PopupConfig is what qmail-popup runs with.
type PopupConfig struct {
	Hostname      string   // for the greeting's timestamp <pid.time@hostname>
	Checkpassword []string // the program and its arguments
	// ChildFiles are the checkpassword program's descriptors 0, 1 and 2
	// (the client's connection and the log); the pipe with the name and
	// password becomes its descriptor 3.
	ChildFiles [3]uintptr
	// BeforeChild runs just before checkpassword starts: qmail-popup puts
	// the connection back into blocking mode for it there.
	BeforeChild func()
	Pid         int
	Now         func() time.Time
}

// Popup runs qmail-popup's dialogue: a greeting with an APOP timestamp,
// then USER and PASS (or APOP), QUIT and NOOP; anything else wants
// authorization first. With a user name and password it runs
// checkpassword, which reads "user\0password\0timestamp\0" on descriptor
// 3 and, when they are right, runs qmail-pop3d as the user on the same
// connection. It returns qmail-popup's exit code, which is always 1.
func Popup(cfg *PopupConfig, r io.Reader, w io.Writer) int {
	c := newExactConn(r, w)
	timestamp := "<" + strconv.Itoa(cfg.Pid) + "." + strconv.FormatInt(cfg.Now().Unix(), 10) + "@" + cfg.Hostname + ">"
	c.out.WriteString("+OK " + timestamp + "\r\n")
	c.out.Flush()
	var user string
	seenUser := false
	for {
		verb, arg, err := c.command()
		if err != nil {
			return 1
		}
		switch verb {
		case "user":
			if arg == "" {
				c.err("syntax error")
				continue
			}
			c.ok()
			user, seenUser = arg, true
		case "pass":
			switch {
			case !seenUser:
				c.err("USER first")
			case arg == "":
				c.err("syntax error")
			default:
				checkPassword(cfg, c, user, arg, timestamp)
				return 1
			}
		case "apop":
			name, digest, found := strings.Cut(arg, " ")
			if !found {
				c.err("syntax error")
				continue
			}
			checkPassword(cfg, c, name, digest, timestamp)
			return 1
		case "quit":
			c.ok()
			return 1
		case "noop":
			c.ok()
		default:
			c.err("authorization first")
		}
	}
}

// checkPassword runs checkpassword with the user name, the password and
// the timestamp on its descriptor 3, waits for it, and says what went
// wrong; after a good password the child has run the whole session.
func checkPassword(cfg *PopupConfig, c *conn, user, password, timestamp string) {
	pipeR, pipeW, err := os.Pipe()
	if err != nil {
		c.err("unable to open pipe")
		return
	}
	if cfg.BeforeChild != nil {
		cfg.BeforeChild()
	}
	pid, err := pathexec.Start(cfg.Checkpassword, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{cfg.ChildFiles[0], cfg.ChildFiles[1], cfg.ChildFiles[2], pipeR.Fd()},
	})
	pipeR.Close()
	if err != nil {
		pipeW.Close()
		// qmail's child reports a failed exec only by exiting 1
		c.err("authorization failed")
		return
	}
	secret := []byte(user + "\x00" + password + "\x00" + timestamp + "\x00")
	_, writeErr := pipeW.Write(secret)
	pipeW.Close()
	clear(secret)
	if writeErr != nil {
		c.err("unable to write pipe") // and, as qmail-popup, no wait
		return
	}
	status, err := pathexec.Wait(pid)
	switch {
	case err != nil:
	case status.Signaled():
		c.err("aack, child crashed")
	case status.ExitStatus() != 0:
		c.err("authorization failed")
	}
}
