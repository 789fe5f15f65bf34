// Command qmail-qstat counts the messages in the queue and those not yet
// preprocessed, as qmail's qmail-qstat script does.
package main

import (
	"fmt"
	"os"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/qinfo"
)

func main() {
	queued, todo, err := qinfo.Stat(qhome.Path("queue"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "qmail-qstat: fatal: %s\n", djberr.Text(err))
		os.Exit(111)
	}
	fmt.Printf("messages in queue: %d\nmessages in queue but not yet preprocessed: %d\n", queued, todo)
}
