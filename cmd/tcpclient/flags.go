package main

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/spf13/pflag"

	"github.com/quail-mta/quail/pkg/sgetopt"
	"github.com/quail-mta/quail/pkg/tcpclient"
)

const usage = "tcpclient: usage: tcpclient [ -46hHrRdDqQv ] [ -i localip ] [ -p localport ] [ -T timeoutconn ] [ -l localname ] [ -t timeoutinfo ] [ -I interface ] host port program"

// option is an option letter that runs a function with its argument, so
// that options take effect in the order given, as with getopt.
type option func(string) error

func (o option) Set(s string) error { return o(s) }
func (o option) String() string     { return "" }
func (o option) Type() string       { return "string" }

// parseArgs reads the options and returns the rest: host, port, program.
// A bad option prints the original's usage and exits 100.
func parseArgs(argv []string) (tcpclient.Options, []string) {
	o := tcpclient.DefaultOptions()
	fs := pflag.NewFlagSet("tcpclient", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	sw := func(letter string, do func()) {
		fs.VarPF(option(func(string) error { do(); return nil }), "opt-"+letter, letter, "").NoOptDefVal = "true"
	}
	arg := func(letter string, do func(string) error) {
		fs.VarP(option(do), "opt-"+letter, letter, "")
	}
	sw("4", func() { o.IPv4Only = true })
	sw("6", func() { o.ForceIPv6 = true })
	sw("d", func() { o.NoDelay = false })
	sw("D", func() { o.NoDelay = true })
	sw("v", func() { o.Verbosity = tcpclient.Verbose })
	sw("q", func() { o.Verbosity = tcpclient.Quiet })
	sw("Q", func() { o.Verbosity = tcpclient.Errors })
	sw("h", func() { o.RemoteHost = true })
	sw("H", func() { o.RemoteHost = false })
	sw("r", func() { o.RemoteInfo = true })
	sw("R", func() { o.RemoteInfo = false })
	arg("l", func(s string) error { o.LocalName, o.HasLocalName = s, true; return nil })
	arg("t", func(s string) error {
		n, _ := tcpclient.ScanUlong(s)
		o.InfoTimeout = time.Duration(min(n, 1<<32)) * time.Second
		return nil
	})
	arg("T", func(s string) error { o.ConnTimeout = tcpclient.ParseConnTimeout(s); return nil })
	arg("i", func(s string) error {
		addr, err := netip.ParseAddr(s)
		if err != nil {
			return errBadAddress
		}
		o.LocalIP = addr
		return nil
	})
	arg("I", func(s string) error { o.Interface = s; return nil })
	arg("p", func(s string) error {
		n, _ := tcpclient.ScanUlong(s)
		o.LocalPort = int(n & 0xffff)
		return nil
	})
	if err := fs.Parse(argv); err != nil {
		if msg := sgetopt.FromPflag("tcpclient", err); msg != "" {
			die(tcpclient.Errors, 100, msg+"\n"+usage)
		}
		die(tcpclient.Errors, 100, usage)
	}
	return o, fs.Args()
}

var errBadAddress = fmt.Errorf("bad address")
