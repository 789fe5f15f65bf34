// tcprules compiles rules for tcpserver:
//
//	tcprules rules.cdb rules.tmp < rules.txt
//
// It writes rules.tmp and renames it to rules.cdb only when the whole input
// compiled, so tcpserver sees the old rules or the new ones, never a mix.
// Exit 100 for bad usage or input, 111 for a system error; on any error the
// old rules.cdb is untouched and rules.tmp is removed.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/quail-mta/quail/pkg/cdb"
	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/rules"
)

const fatal = "tcprules: fatal: "

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "tcprules: usage: tcprules rules.cdb rules.tmp")
		os.Exit(100)
	}
	code, msg := run(os.Args[1], os.Args[2], os.Stdin)
	if code != 0 {
		fmt.Fprintln(os.Stderr, fatal+msg)
	}
	os.Exit(code)
}

// run compiles input into path through tmp and returns the exit code and
// the message for a failure.
func run(path, tmp string, input io.Reader) (int, string) {
	w, err := cdb.Create(tmp)
	if err != nil {
		return 111, "unable to create " + tmp + ": " + djberr.Text(err)
	}
	text, err := io.ReadAll(input)
	if err != nil {
		w.Abort()
		return 111, "unable to read input: " + djberr.Text(err)
	}
	err = rules.Compile(text, w.Reset, func(_ int, key, data []byte) error {
		return w.Add(key, data)
	})
	var parseErr *rules.ParseError
	switch {
	case errors.As(err, &parseErr):
		w.Abort()
		return 100, parseErr.Error()
	case err != nil:
		w.Abort()
		return 111, "unable to write to " + tmp + ": " + djberr.Text(err)
	}
	err = w.Commit(path)
	var moveErr *cdb.MoveError
	switch {
	case errors.As(err, &moveErr):
		return 111, "unable to move " + tmp + " to " + path + ": " + djberr.Text(moveErr.Err)
	case err != nil:
		return 111, "unable to write to " + tmp + ": " + djberr.Text(err)
	}
	return 0, ""
}
