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
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/quail-mta/quail/pkg/cdb"
	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/rules"
)

const fatal = "tcprules: fatal: "

func main() {
	// Nearly everything tcprules allocates lives until it exits, so
	// collecting would only cost time: collect only past 1 GiB.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(1 << 30)
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

// readAll reads the whole input, in one allocation when it is a file.
func readAll(input io.Reader) ([]byte, error) {
	if f, ok := input.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			buf := bytes.NewBuffer(make([]byte, 0, st.Size()+1))
			_, err := buf.ReadFrom(f)
			return buf.Bytes(), err
		}
	}
	return io.ReadAll(input)
}

// run compiles input into path through tmp and returns the exit code and
// the message for a failure.
func run(path, tmp string, input io.Reader) (int, string) {
	w, err := cdb.Create(tmp)
	if err != nil {
		return 111, "unable to create " + tmp + ": " + djberr.Text(err)
	}
	text, err := readAll(input)
	if err != nil {
		w.Abort()
		return 111, "unable to read input: " + djberr.Text(err)
	}
	w.Grow(bytes.Count(text, []byte("\n")) + 1) // one record a line, usually
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
