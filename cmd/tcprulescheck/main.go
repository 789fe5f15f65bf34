// tcprulescheck shows what tcpserver would do with a connection:
//
//	TCPREMOTEIP=1.2.3.4 TCPREMOTEHOST=h TCPREMOTEINFO=u tcprulescheck rules.cdb
//
// Beyond the original, which takes no options:
//
//	tcprulescheck -v rules.cdb    also lists every key tried, in order
//	tcprulescheck -l rules.txt    lints a rules file: shadowed and dead rules
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/rules"
)

const usage = "tcprulescheck: usage: tcprulescheck [ -v | -l rules.txt ] rules.cdb"

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 0:
		die(100, "tcprulescheck: usage: tcprulescheck rules.cdb")
	case args[0] == "-l" && len(args) == 2:
		os.Exit(lint(args[1]))
	case args[0] == "-v" && len(args) == 2:
		os.Exit(check(args[1], true))
	case args[0] == "-v" || args[0] == "-l":
		die(100, usage)
	}
	os.Exit(check(args[0], false))
}

func die(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}

// clientFromEnv reads the connection as tcpserver describes it; an unset
// TCPREMOTEIP is 0.0.0.0, as in the original.
func clientFromEnv() rules.Client {
	c := rules.Client{IP: "0.0.0.0"}
	if ip, ok := os.LookupEnv("TCPREMOTEIP"); ok {
		c.IP = ip
	}
	c.Host, c.HasHost = os.LookupEnv("TCPREMOTEHOST")
	c.Info, c.HasInfo = os.LookupEnv("TCPREMOTEINFO")
	return c
}

func check(path string, explain bool) int {
	lookup := rules.Lookup
	if explain {
		lookup = rules.Explain
	}
	d, err := lookup(path, clientFromEnv())
	if err != nil {
		die(111, "tcprulescheck: fatal: unable to read "+path+": "+djberr.Text(err))
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, key := range d.Tried {
		verdict := "no rule"
		if d.Matched && key == d.Key {
			verdict = "matched"
		}
		fmt.Fprintf(out, "tried %s: %s\n", strconv.Quote(key), verdict)
	}
	if !d.Matched {
		out.WriteString("default:\nallow connection\n")
		return 0
	}
	printRule(out, d)
	return 0
}

// printRule writes the rule as the original does: every NUL-terminated
// entry of the data in turn, stopping at a deny.
func printRule(out *bufio.Writer, d rules.Decision) {
	fmt.Fprintf(out, "rule %s:\n", d.Key)
	data := d.Data
	for {
		end := bytes.IndexByte(data, 0)
		if end < 0 {
			break
		}
		entry := data[:end]
		data = data[end+1:]
		if len(entry) == 0 {
			continue
		}
		switch entry[0] {
		case 'D':
			out.WriteString("deny connection\n")
			return
		case '+':
			fmt.Fprintf(out, "set environment variable %s\n", entry[1:])
		}
	}
	out.WriteString("allow connection\n")
}

func lint(path string) int {
	text, err := os.ReadFile(path)
	if err != nil {
		die(111, "tcprulescheck: fatal: unable to read "+path+": "+djberr.Text(err))
	}
	findings, err := rules.Lint(text)
	for _, f := range findings {
		fmt.Printf("%s:%d: %s\n", path, f.Line, f.Text)
	}
	var parseErr *rules.ParseError
	if errors.As(err, &parseErr) {
		die(100, fmt.Sprintf("tcprulescheck: fatal: %s: line %d: %s", path, parseErr.Num, parseErr))
	}
	if len(findings) > 0 {
		return 1
	}
	return 0
}
