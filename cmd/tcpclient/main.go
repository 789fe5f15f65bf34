// tcpclient connects to a TCP server and runs a program with the
// connection on descriptors 6 and 7:
//
//	tcpclient [ -46hHrRdDqQv ] [ -i localip ] [ -p localport ]
//	          [ -T timeoutconn ] [ -l localname ] [ -t timeoutinfo ]
//	          [ -I interface ] host port program [ arg ... ]
//
// as ucspi-tcp 0.88's tcpclient with the IPv6 patch does. See pkg/tcpclient.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/tcpclient"
)

func main() {
	if err := tcpclient.ReserveDescriptors(); err != nil {
		fatal(tcpclient.Errors, "unable to set up descriptors: "+err.Error())
	}
	opts, args := parseArgs(os.Args[1:])
	// In the original's order: the port is read before the program is
	// missed. -q silences even the usage line.
	if len(args) < 2 {
		die(opts.Verbosity, 100, usage)
	}
	port, err := tcpclient.ParsePort(args[1])
	if err != nil {
		fatal(opts.Verbosity, err.Error())
	}
	if len(args) < 3 {
		die(opts.Verbosity, 100, usage)
	}
	host, program := args[0], args[2:]
	addrs, err := tcpclient.Addresses(host, opts)
	if err != nil {
		fatal(opts.Verbosity, err.Error())
	}
	fd, err := tcpclient.Connect(addrs, port, opts, func(line string) {
		say(opts.Verbosity, tcpclient.Errors, "tcpclient: "+line)
	})
	if errors.Is(err, tcpclient.ErrNoConnection) {
		os.Exit(111)
	}
	if err != nil {
		fatal(opts.Verbosity, err.Error())
	}
	conn, err := tcpclient.Describe(fd, opts, func(ip, port string) {
		say(opts.Verbosity, tcpclient.Verbose, "tcpclient: connected to "+ip+" port "+port)
	})
	if err != nil {
		fatal(opts.Verbosity, err.Error())
	}
	env := tcpclient.Apply(os.Environ(), conn.Vars)
	fatal(opts.Verbosity, tcpclient.Exec(fd, program, env).Error())
}

// say writes a line to stderr when the verbosity asks for its level.
func say(v, level tcpclient.Verbosity, line string) {
	if v >= level {
		fmt.Fprintln(os.Stderr, line)
	}
}

// fatal exits 111; -q silences even this, as in the original.
func fatal(v tcpclient.Verbosity, msg string) { die(v, 111, "tcpclient: fatal: "+msg) }

func die(v tcpclient.Verbosity, code int, msg string) {
	say(v, tcpclient.Errors, msg)
	os.Exit(code)
}
