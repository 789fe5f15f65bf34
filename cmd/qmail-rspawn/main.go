// Command qmail-rspawn runs remote deliveries for qmail-send: it reads
// delivery commands on its standard input and writes one folded report
// per delivery to its standard output (packages spawn and remote). At
// start it clears queue/lock/tcpto.
//
// By default it works as qmail's does, starting "qmail-remote host sender
// recip" ($QMAILREMOTE, else qmail-remote on PATH; host is the part of
// the recipient after its last @) for each delivery. When
// control/remotereuse holds a number of seconds above 0 and QMAILREMOTE
// is not set, it runs qmail-remote's code itself instead, one goroutine
// per delivery, and keeps SMTP connections open between messages for
// that long. The reports are the same either way.
package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/remote"
	"github.com/quail-mta/quail/pkg/resolver"
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
	var pool *remote.Pool
	_, external := os.LookupEnv("QMAILREMOTE")
	if idle := reuseTime(); idle > 0 && !external {
		pool = remote.NewPool(idle)
		cfg.InProcess = inProcess(pool)
	}
	err := spawn.Run(cfg, os.Stdin, os.Stdout)
	pool.Close()
	if err != nil {
		os.Exit(111)
	}
}

// reuseTime reads control/remotereuse, how long idle connections stay;
// 0, the default, means qmail's one qmail-remote process per delivery.
func reuseTime() time.Duration {
	seconds, err := control.Open(qhome.Path("control")).Int("remotereuse", 0)
	if err != nil {
		seconds = 0
	}
	return time.Duration(seconds) * time.Second
}

// inProcess delivers as qmail-remote would, reading the controls afresh
// for every delivery as a new qmail-remote process does, and folds the
// output the same way.
func inProcess(pool *remote.Pool) func(d spawn.Delivery) string {
	dns := resolver.Default()
	table := tcpto.Open(qhome.Path("queue", "lock", "tcpto"))
	return func(d spawn.Delivery) (report string) {
		defer func() {
			if recover() != nil {
				report = "Zqmail-remote crashed.\n"
			}
		}()
		cfg := remote.Config{
			Control: control.Open(qhome.Path("control")),
			DNS:     dns,
			TCPTO:   table,
			Pool:    pool,
		}
		var out bytes.Buffer
		remote.Deliver(cfg, d.Recipient[d.At+1:], d.Sender, []string{d.Recipient}, d.Message, &out)
		return remote.FoldOutput(out.Bytes())
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
