// qmail-queue: queue a message (on descriptor 0) with its envelope (read
// from descriptor 1). It prints nothing; the exit code says what
// happened, as qmail-queue(8) lists.
package main

import (
	"os"
	"strconv"
	"strings"
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
		Who:      invokedBy(uid, readPasswd()),
		Now:      now,
	})
	if qerr, ok := err.(*queue.Error); ok {
		os.Exit(qerr.Code)
	}
	if err != nil {
		os.Exit(queue.ExitBug)
	}
}

// invokedBy names the caller for the Received line by its real uid: the
// alias, qmaild and qmails users have their own words, in that order of
// precedence. The C program has their uids compiled in; this one reads
// the password file (passwd) once.
func invokedBy(uid int, passwd []byte) string {
	users := []struct{ name, words string }{
		{"alias", "by alias"}, {"qmaild", "from network"}, {"qmails", "for bounce"},
	}
	ids := map[string]string{}
	for _, line := range strings.Split(string(passwd), "\n") {
		if f := strings.SplitN(line, ":", 4); len(f) == 4 {
			if _, seen := ids[f[0]]; !seen {
				ids[f[0]] = f[2]
			}
		}
	}
	for _, u := range users {
		if ids[u.name] == strconv.Itoa(uid) {
			return u.words
		}
	}
	return "by uid " + strconv.Itoa(uid)
}

// readPasswd is the password file, or nothing when it cannot be read.
func readPasswd() []byte {
	passwd, _ := os.ReadFile("/etc/passwd")
	return passwd
}
