// Command qmail-rspawn runs qmail-remote for qmail-send: it reads
// delivery commands on its standard input, starts "qmail-remote host
// sender recip" for each (host is the part of the recipient after its
// last @, the program $QMAILREMOTE or qmail-remote on PATH) and writes
// the folded reports to its standard output (packages spawn and remote).
// At start it clears queue/lock/tcpto.
package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/remote"
	"github.com/quail-mta/quail/pkg/spawn"
	"github.com/quail-mta/quail/pkg/tcpto"
)

func main() {
	signal.Ignore(syscall.SIGPIPE)
	if err := os.Chdir(qhome.Path("queue", "mess")); err != nil {
		os.Exit(111)
	}
	tcpto.Clear("../lock/tcpto") // as qmail's tcpto_clean: failure is harmless
	cfg := spawn.Config{
		MessDir:  ".",
		QueueUID: queueUID(),
		Start:    start,
		Report:   remote.Fold,
	}
	if err := spawn.Run(cfg, os.Stdin, os.Stdout); err != nil {
		os.Exit(111)
	}
}

// queueUID is the owner every message file must have: the owner of
// queue/mess, which is qmailq in an installed queue (queue.md), and the
// test user in a test queue.
func queueUID() int {
	fi, err := os.Stat(".")
	if err != nil {
		os.Exit(111)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}

func program() string {
	if p, ok := os.LookupEnv("QMAILREMOTE"); ok {
		return p
	}
	return "qmail-remote"
}

func start(d spawn.Delivery, out *os.File) (*exec.Cmd, error) {
	cmd := exec.Command(program(), d.Recipient[d.At+1:], d.Sender, d.Recipient)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = d.Message, out, out
	err := cmd.Start()
	if err == nil {
		return cmd, nil
	}
	// qmail's child exits 111 when exec fails temporarily, else 100.
	if temporary(err) {
		return nil, spawn.Outcome("ZUnable to run qmail-remote.\n")
	}
	return nil, spawn.Outcome("DUnable to run qmail-remote.\n")
}

// temporary is qmail's error_temp: failures that may pass by themselves.
func temporary(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case syscall.EINTR, syscall.ENOMEM, syscall.ETXTBSY, syscall.EIO, syscall.ETIMEDOUT,
		syscall.EAGAIN, syscall.EBUSY, syscall.ENFILE, syscall.EMFILE, syscall.ENOSPC,
		syscall.EDQUOT, syscall.ESTALE, syscall.ENOBUFS, syscall.EDEADLK:
		return true
	}
	return false
}
