// qmail-queue: queue a message (on descriptor 0) with its envelope (read
// from descriptor 1). It prints nothing; the exit code says what
// happened, as qmail-queue(8) lists.
package main

import (
	"os"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/queue"
)

// deathAfter is qmail-queue's suicide alarm, below qmail-send's 36-hour
// cleanup of stray files, so the cleanup never races a live qmail-queue.
const deathAfter = 24 * time.Hour

func main() {
	now := time.Now()
	syscall.Umask(0o033)
	time.AfterFunc(deathAfter, func() { os.Exit(queue.ExitTimeout) })
	if err := os.Chdir(qhome.Dir()); err != nil {
		os.Exit(queue.ExitHome)
	}
	if err := os.Chdir("queue"); err != nil {
		os.Exit(queue.ExitQueueDir)
	}
	uid := os.Getuid()
	err := queue.Enqueue(queue.Job{
		Message:  os.Stdin,
		Envelope: os.NewFile(1, "envelope"),
		UID:      uid,
		PID:      os.Getpid(),
		Who:      invokedBy(uid),
		Now:      now,
	})
	if qerr, ok := err.(*queue.Error); ok {
		os.Exit(qerr.Code)
	}
	if err != nil {
		os.Exit(queue.ExitBug)
	}
}

// invokedBy names the caller for the Received line by its real uid.
func invokedBy(uid int) string {
	for _, u := range []struct{ name, who string }{
		{"alias", "by alias"}, {"qmaild", "from network"}, {"qmails", "for bounce"},
	} {
		if usr, err := user.Lookup(u.name); err == nil && usr.Uid == strconv.Itoa(uid) {
			return u.who
		}
	}
	return "by uid " + strconv.Itoa(uid)
}
