// Command qmail-tcpok clears queue/lock/tcpto, so that qmail-remote tries
// every address again at once (package tcpto).
package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/tcpto"
)

const fatal = "qmail-tcpok: fatal: "

func die(what string, err error) {
	os.Stderr.WriteString(fatal + what + ": " + djberr.Text(err) + "\n")
	os.Exit(111)
}

func main() {
	home := qhome.Dir()
	if err := os.Chdir(home); err != nil {
		die("unable to chdir to "+home, err)
	}
	if err := os.Chdir("queue/lock"); err != nil {
		die("unable to chdir to "+home+"/queue/lock", err)
	}
	file := filepath.Join(home, "queue/lock/tcpto")
	err := tcpto.Clear("tcpto")
	var terr *tcpto.Error
	if err == nil || !errors.As(err, &terr) {
		return
	}
	switch terr.Op {
	case "open":
		die("unable to write "+file, terr.Err)
	case "lock":
		die("unable to lock "+file, terr.Err)
	default:
		die("unable to clear "+file, terr.Err)
	}
}
