// Command qmail-lspawn runs local deliveries for qmail-send: it reads
// delivery commands on its input, runs bin/qmail-local for each as the
// recipient's owner, and writes reports on its output.
//
//	qmail-lspawn defaultdelivery
package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"

	"github.com/quail-mta/quail/pkg/lspawn"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/spawn"
)

func main() {
	if len(os.Args) < 2 {
		os.Exit(100)
	}
	if err := os.Chdir(qhome.Dir()); err != nil {
		os.Exit(111)
	}
	cfg := &lspawn.Config{AliasEmpty: os.Args[1], Root: os.Getuid() == 0}
	queueUID := os.Getuid()
	if cfg.Root {
		// Running as root: messages must belong to qmailq, and
		// qmail-getpw runs as qmailp:nofiles.
		queueUID = int(userID("qmailq"))
		cfg.GetpwUID = userID("qmailp")
		cfg.GetpwGID = groupID("nofiles")
	}
	err := spawn.Run(spawn.Config{
		TruncReport: 3000,
		MessDir:     "queue/mess",
		QueueUID:    queueUID,
		Start:       cfg.Start,
		Report:      lspawn.Report,
	}, os.Stdin, os.Stdout)
	if err != nil {
		os.Exit(111)
	}
}

func userID(name string) uint32 {
	u, err := user.Lookup(name)
	if err != nil {
		fatal("unable to find user " + name)
	}
	return parseID(u.Uid, name)
}

func groupID(name string) uint32 {
	g, err := user.LookupGroup(name)
	if err != nil {
		fatal("unable to find group " + name)
	}
	return parseID(g.Gid, name)
}

func parseID(id, name string) uint32 {
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		fatal("bad id for " + name)
	}
	return uint32(n)
}

func fatal(text string) {
	fmt.Fprintf(os.Stderr, "qmail-lspawn: fatal: %s\n", text)
	os.Exit(111)
}
