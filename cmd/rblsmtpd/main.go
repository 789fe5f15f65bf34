// rblsmtpd refuses mail from clients on DNS block lists, as ucspi-tcp
// 0.88's rblsmtpd does:
//
//	rblsmtpd [ -b ] [ -B ] [ -c ] [ -C ] [ -t timeout ] [ -r base ]
//	         [ -a base ] smtpd [ arg ... ]
//
// It runs under tcpserver: a client that is not refused gets smtpd; one
// that is gets rblsmtpd's own short SMTP dialogue. See pkg/rblsmtpd.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/quail-mta/quail/pkg/pathexec"
	"github.com/quail-mta/quail/pkg/rblsmtpd"
	"github.com/quail-mta/quail/pkg/resolver"
	"github.com/quail-mta/quail/pkg/sgetopt"
)

const usage = "rblsmtpd: usage: rblsmtpd [ -b ] [ -R ] [ -t timeout ] [ -r base ] [ -a base ] smtpd [ arg ... ]"

func main() {
	remoteIP := os.Getenv("TCPREMOTEIP")
	value, set := os.LookupEnv("RBLSMTPD")
	checker := rblsmtpd.NewChecker(resolver.Default(), remoteIP, value, set)
	timeout, program := parseArgs(checker, os.Args[1:])
	if len(program) == 0 {
		die(100, usage)
	}
	if reply, refused := checker.Refusal(); refused {
		fmt.Fprintf(os.Stderr, "rblsmtpd: %s pid %d: %s\n", remoteIP, os.Getpid(), reply)
		rblsmtpd.Talk(os.Stdin, os.Stdout, reply, timeout)
		os.Exit(0)
	}
	die(111, "rblsmtpd: fatal: "+pathexec.Run(program, os.Environ()).Error())
}

// option is an option letter that acts when it is met, so that lists are
// consulted in the order given, with the settings given before them, as
// with getopt.
type option func(string)

func (o option) Set(s string) error { o(s); return nil }
func (o option) String() string     { return "" }
func (o option) Type() string       { return "string" }

// parseArgs reads the options, consulting the lists as it goes, and
// returns the -t time limit and the program.
func parseArgs(c *rblsmtpd.Checker, argv []string) (time.Duration, []string) {
	timeout := 60 * time.Second
	fs := pflag.NewFlagSet("rblsmtpd", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	sw := func(letter string, do func()) {
		fs.VarPF(option(func(string) { do() }), "opt-"+letter, letter, "").NoOptDefVal = "true"
	}
	sw("b", func() { c.Bounce = true })
	sw("B", func() { c.Bounce = false })
	sw("c", func() { c.FailClosed = true })
	sw("C", func() { c.FailClosed = false })
	fs.VarP(option(func(s string) { timeout = seconds(s) }), "opt-t", "t", "")
	fs.VarP(option(c.RBL), "opt-r", "r", "")
	fs.VarP(option(c.AntiRBL), "opt-a", "a", "")
	if err := fs.Parse(argv); err != nil {
		if msg := sgetopt.FromPflag("rblsmtpd", err); msg != "" {
			die(100, msg+"\n"+usage)
		}
		die(100, usage)
	}
	return timeout, fs.Args()
}

// seconds reads -t as djb's scan_ulong: leading digits, none meaning 0.
func seconds(s string) time.Duration {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseUint(s[:i], 10, 32)
	if err != nil && i > 0 {
		n = 1 << 32
	}
	return time.Duration(n) * time.Second
}

func die(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}
