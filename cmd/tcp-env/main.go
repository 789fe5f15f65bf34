// tcp-env: set up the TCP environment for a program run from inetd:
//
//	tcp-env [ -rR ] [ -t timeout ] program [ arg ... ]
//
// It puts the variables tcpserver would have set (PROTO, TCPLOCALIP,
// TCPLOCALPORT, TCPLOCALHOST, TCPREMOTEIP, TCPREMOTEPORT, TCPREMOTEHOST,
// TCPREMOTEINFO) into the environment from the connection on descriptor
// 0, then runs program. It exits 111, silently, when it cannot.
package main

import (
	"os"
	"time"

	"github.com/quail-mta/quail/pkg/pathexec"
	"github.com/quail-mta/quail/pkg/sgetopt"
	"github.com/quail-mta/quail/pkg/tcpenv"
)

func main() {
	opts := tcpenv.Options{RemoteInfo: true, Timeout: 30 * time.Second}
	p := sgetopt.New(os.Args, "rRt:", nil)
	for c := p.Next(); c != sgetopt.Done; c = p.Next() {
		switch c {
		case 'r':
			opts.RemoteInfo = true
		case 'R':
			opts.RemoteInfo = false
		case 't':
			opts.Timeout = time.Duration(scanUlong(p.Arg)) * time.Second
		}
	}
	args := p.Rest()
	if len(args) == 0 || tcpenv.Set(0, opts) != nil {
		os.Exit(111)
	}
	pathexec.Run(args, os.Environ())
	os.Exit(111)
}

// scanUlong reads leading digits as djb's scan_ulong; none is 0.
func scanUlong(s string) int64 {
	var n int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<40; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n
}
