// splogger sends log lines from standard input to syslog:
//
//	splogger [ tag [ fac ] ]
//
// tag defaults to "splogger", fac (a number) to 2, the mail facility.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/splogger"
)

func main() {
	tag, facility := "splogger", splogger.LogMail
	if len(os.Args) > 1 {
		tag = os.Args[1]
	}
	if len(os.Args) > 2 {
		// scan_ulong: leading digits, anything else counts as 0.
		n := 0
		for _, c := range os.Args[2] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		facility = n
	}
	l, _ := splogger.Dial("/dev/log", tag, facility) // retried per line
	if err := splogger.Run(os.Stdin, l, time.Now); err != nil {
		fmt.Fprintln(os.Stderr, "splogger: fatal: unable to read input: "+djberr.Text(err))
		os.Exit(111)
	}
}
