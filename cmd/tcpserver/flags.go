package main

import (
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/quail-mta/quail/pkg/sgetopt"
	"github.com/quail-mta/quail/pkg/tcpserver"
)

const usage = "tcpserver: usage: tcpserver [ -461UXpPhHrRoOdDqQv ] [ -c limit ] [ -x rules.cdb ] [ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ] [ -I interface ] host port program"

// setTo is an option letter that sets a shared setting to one value, so
// that of a pair like -h/-H the last one given wins, as with getopt.
type setTo[T any] struct {
	p *T
	v T
}

func (s setTo[T]) Set(string) error { *s.p = s.v; return nil }
func (s setTo[T]) String() string   { return "" }
func (s setTo[T]) Type() string     { return "bool" }

// ulong reads a number as djb's scan_ulong: leading digits, no digits
// meaning 0, and no complaint about what follows.
type ulong struct{ p *uint64 }

func (u ulong) Set(s string) error { *u.p = scanUlong(s); return nil }
func (u ulong) String() string     { return "" }
func (u ulong) Type() string       { return "ulong" }

func scanUlong(s string) uint64 {
	var n uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n
}

// parseArgs reads the options and returns the rest: host, port, program.
func parseArgs(argv []string) (tcpserver.Options, ids, []string) {
	o := tcpserver.DefaultOptions()
	var id ids
	var limit, backlog, timeout, uid, gid uint64 = 40, 20, 26, 0, 0
	fs := pflag.NewFlagSet("tcpserver", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	sw := func(letter string, value pflag.Value) {
		fs.VarPF(value, "opt-"+letter, letter, "").NoOptDefVal = "true"
	}
	num := func(letter string, p *uint64) { fs.VarP(ulong{p}, "opt-"+letter, letter, "") }
	sw("4", setTo[bool]{&o.IPv4Only, true})
	sw("6", setTo[bool]{&o.ForceIPv6, true})
	sw("d", setTo[bool]{&o.NoDelay, false})
	sw("D", setTo[bool]{&o.NoDelay, true})
	sw("v", setTo[tcpserver.Verbosity]{&o.Verbosity, tcpserver.Verbose})
	sw("q", setTo[tcpserver.Verbosity]{&o.Verbosity, tcpserver.Quiet})
	sw("Q", setTo[tcpserver.Verbosity]{&o.Verbosity, tcpserver.Errors})
	sw("h", setTo[bool]{&o.RemoteHost, true})
	sw("H", setTo[bool]{&o.RemoteHost, false})
	sw("r", setTo[bool]{&o.RemoteInfo, true})
	sw("R", setTo[bool]{&o.RemoteInfo, false})
	sw("p", setTo[bool]{&o.Paranoid, true})
	sw("P", setTo[bool]{&o.Paranoid, false})
	sw("o", setTo[bool]{&o.KillOptions, false})
	sw("O", setTo[bool]{&o.KillOptions, true})
	sw("1", setTo[bool]{&id.printPort, true})
	sw("X", setTo[bool]{&o.AllowNoRules, true})
	sw("U", envIDs{&uid, &gid})
	num("c", &limit)
	num("b", &backlog)
	num("t", &timeout)
	num("u", &uid)
	num("g", &gid)
	fs.StringVarP(&o.Rules, "opt-x", "x", "", "")
	fs.StringVarP(&o.Banner, "opt-B", "B", "", "")
	fs.VarP(localName{&o}, "opt-l", "l", "")
	fs.StringVarP(&o.Interface, "opt-I", "I", "", "")
	if err := fs.Parse(argv); err != nil {
		msg := sgetopt.FromPflag("tcpserver", err)
		if msg == "" {
			msg = "tcpserver: " + err.Error()
		}
		die(100, msg+"\n"+usage)
	}
	o.Limit, o.Backlog, o.Timeout = int(limit), int(backlog), time.Duration(timeout)*time.Second
	id.uid, id.gid = uid, gid
	args := fs.Args()
	if len(args) > 0 && args[0] == "" {
		args[0] = "0"
	}
	return o, id, args
}

// envIDs is -U: the uid and gid from $UID and $GID.
type envIDs struct{ uid, gid *uint64 }

func (e envIDs) Set(string) error {
	if v, ok := os.LookupEnv("UID"); ok {
		*e.uid = scanUlong(v)
	}
	if v, ok := os.LookupEnv("GID"); ok {
		*e.gid = scanUlong(v)
	}
	return nil
}
func (e envIDs) String() string { return "" }
func (e envIDs) Type() string   { return "bool" }

// localName is -l: TCPLOCALHOST without a lookup.
type localName struct{ o *tcpserver.Options }

func (l localName) Set(s string) error {
	l.o.LocalName, l.o.HasLocalName = s, true
	return nil
}
func (l localName) String() string { return "" }
func (l localName) Type() string   { return "string" }
