// qmail-popup: the authorization half of qmail's POP3 server, run by
// tcpserver as root:
//
//	tcpserver 0 110 qmail-popup hostname checkpassword qmail-pop3d Maildir
//
// It reads USER and PASS (or APOP) and runs the checkpassword program with
// the name and password on descriptor 3; checkpassword runs qmail-pop3d as
// the user. It always exits 1.
package main

import (
	"os"
	"time"

	"github.com/quail-mta/quail/pkg/pop3"
	"github.com/quail-mta/quail/pkg/timeoutio"
)

func main() {
	in, out := timeoutio.Stdio()
	if len(os.Args) < 3 {
		out.WriteString("-ERR usage: popup hostname subprogram\r\n")
		os.Exit(1)
	}
	cfg := &pop3.PopupConfig{
		Hostname:      os.Args[1],
		Checkpassword: os.Args[2:],
		ChildFiles:    [3]uintptr{0, 1, 2},
		BeforeChild:   func() { timeoutio.Block(0); timeoutio.Block(1) },
		Pid:           os.Getpid(),
		Now:           time.Now,
	}
	os.Exit(pop3.Popup(cfg, in, out))
}
