// Package sgetopt parses options as djb's sgetopt does, which qmail's
// small programs use: options end at the first argument not starting with
// '-', at "--" (consumed) or at "-" alone (kept); an option taking an
// argument takes the rest of its word or the next word; a bad option is
// reported as "prog: illegal option -- x" or "prog: option requires an
// argument -- x".
package sgetopt

import (
	"io"
	"path/filepath"
	"strings"
)

// Parser walks the options of one argument list.
type Parser struct {
	Args  []string // the arguments after the program name
	Opts  string   // option letters, each followed by ':' if it takes an argument
	Prog  string   // program name for messages
	Err   io.Writer
	Index int    // index in Args of the next argument to look at
	Pos   int    // position inside Args[Index] of the next option letter
	Arg   string // the argument of the option just returned
}

// New returns a parser for argv (argv[0] is the program; its base name is
// used in messages).
func New(argv []string, opts string, errw io.Writer) *Parser {
	p := &Parser{Opts: opts, Err: errw}
	if len(argv) > 0 {
		p.Prog = filepath.Base(argv[0])
		if argv[0] == "" {
			p.Prog = ""
		}
		p.Args = argv[1:]
	}
	return p
}

// Done is returned by Next when the options end.
const Done = -1

// Next returns the next option letter, '?' (after printing the message)
// for a bad one, or Done.
func (p *Parser) Next() int {
	p.Arg = ""
	if p.Index >= len(p.Args) {
		return Done
	}
	if p.Pos > 0 && p.Pos >= len(p.Args[p.Index]) {
		p.Index++
		p.Pos = 0
		if p.Index >= len(p.Args) {
			return Done
		}
	}
	word := p.Args[p.Index]
	if p.Pos == 0 {
		if len(word) < 1 || word[0] != '-' {
			return Done
		}
		if len(word) == 1 || word[1] == '-' {
			if len(word) > 1 {
				p.Index++
			}
			return Done
		}
		p.Pos = 1
	}
	c := word[p.Pos]
	p.Pos++
	for i := 0; i < len(p.Opts); i++ {
		if p.Opts[i] == ':' || p.Opts[i] != c {
			continue
		}
		if i+1 < len(p.Opts) && p.Opts[i+1] == ':' {
			p.Arg = word[p.Pos:]
			p.Index++
			p.Pos = 0
			if p.Arg == "" {
				if p.Index >= len(p.Args) {
					p.problem(needsArg, c)
					return '?'
				}
				p.Arg = p.Args[p.Index]
				p.Index++
			}
		}
		return int(c)
	}
	p.problem(illegal, c)
	return '?'
}

const (
	illegal  = "illegal option"
	needsArg = "option requires an argument"
)

func (p *Parser) problem(what string, c byte) {
	if p.Err != nil {
		io.WriteString(p.Err, message(p.Prog, what, c)+"\n")
	}
}

func message(prog, what string, c byte) string {
	return prog + ": " + what + " -- " + string(c)
}

// FromPflag words an error from github.com/spf13/pflag's parsing of
// single-letter options as sgetopt words it, for the programs that parse
// with pflag: "prog: illegal option -- x" or "prog: option requires an
// argument -- x" (no newline). Any other error gives "".
func FromPflag(prog string, err error) string {
	for _, m := range []struct{ pflag, what string }{
		{"unknown shorthand flag: '", illegal},
		{"needs an argument: '", needsArg},
	} {
		_, rest, found := strings.Cut(err.Error(), m.pflag)
		if found && len(rest) >= 2 && rest[1] == '\'' {
			return message(prog, m.what, rest[0])
		}
	}
	return ""
}

// Rest returns the arguments after the options.
func (p *Parser) Rest() []string {
	if p.Pos > 0 && p.Index < len(p.Args) {
		// stopped inside a word (only after '?'): skip it
		return p.Args[p.Index+1:]
	}
	return p.Args[p.Index:]
}
