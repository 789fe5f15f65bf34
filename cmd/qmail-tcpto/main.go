// Command qmail-tcpto prints queue/lock/tcpto, the addresses qmail-remote
// saw time out recently (package tcpto), one line each:
// "<ip> timed out <n> seconds ago; # recent timeouts: <count>".
package main

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/tcpto"
)

func main() {
	out := bufio.NewWriter(os.Stdout)
	// qmail-tcpto writes its complaints to standard output, like its list.
	die := func(what string, err error) {
		out.WriteString("fatal: unable to " + what + ": " + djberr.Text(err) + "\n")
		out.Flush()
		os.Exit(111)
	}
	if err := os.Chdir(qhome.Dir()); err != nil {
		die("chdir", err)
	}
	if err := os.Chdir("queue/lock"); err != nil {
		die("chdir", err)
	}
	entries, err := tcpto.List("tcpto")
	if err != nil {
		var terr *tcpto.Error
		if errors.As(err, &terr) {
			die(terr.Op+" tcpto", terr.Err)
		}
		die("read tcpto", err)
	}
	start := time.Now().Unix()
	for _, e := range entries {
		ago := uint64(start - e.Last.Unix())
		out.WriteString(e.Addr.String() + " timed out " + strconv.FormatUint(ago, 10) +
			" seconds ago; # recent timeouts: " + strconv.Itoa(e.Count) + "\n")
	}
	out.Flush()
}
