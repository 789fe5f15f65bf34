// Command qmail-send is qmail's scheduler. qmail-start runs it with the log
// on fd 0 and the pipes to qmail-lspawn (1, 2), qmail-rspawn (3, 4) and
// qmail-clean (5, 6).
package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/send"
)

func main() {
	logFile := os.NewFile(0, "log")
	alert := func(reason string) {
		logFile.WriteString("alert: cannot start: " + reason + "\n")
		os.Exit(111)
	}
	if err := os.Chdir(qhome.Dir()); err != nil {
		alert("unable to switch to home directory")
	}
	dir := control.Open(qhome.Path("control"))
	controls, err := send.ReadControls(dir)
	if err != nil || len(controls.Locals) == 0 && !hasMe(dir) {
		alert("unable to read controls")
	}
	queue := qhome.Path("queue")
	if err := os.Chdir(queue); err != nil {
		alert("unable to switch to queue directory")
	}
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	unix.Umask(0o077)
	mutex, err := os.OpenFile("lock/sendmutex", os.O_WRONLY, 0)
	if err != nil {
		alert("unable to open mutex")
	}
	if unix.Flock(int(mutex.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		alert("qmail-send is already running")
	}
	qmailQueue := os.Getenv("QMAILQUEUE")
	if qmailQueue == "" {
		qmailQueue = qhome.Path("bin", "qmail-queue")
	}
	s := send.New(send.Config{
		Queue:      send.Queue{Dir: queue},
		Controls:   controls,
		Log:        logFile,
		Local:      send.Spawner{Commands: os.NewFile(1, "lspawn"), Results: os.NewFile(2, "lspawn results")},
		Remote:     send.Spawner{Commands: os.NewFile(3, "rspawn"), Results: os.NewFile(4, "rspawn results")},
		Clean:      send.Spawner{Commands: os.NewFile(5, "clean"), Results: os.NewFile(6, "clean results")},
		QmailQueue: qmailQueue,
		Reread:     func() (*send.Controls, error) { return send.ReadControls(dir) },
	})
	go watchTrigger(s, "lock/trigger")
	go handleSignals(s)
	if err := s.Run(); err != nil {
		os.Exit(111)
	}
}

func hasMe(dir *control.Dir) bool {
	_, ok, _ := dir.Me()
	return ok
}

// watchTrigger wakes the todo scan whenever a byte arrives on the FIFO. It
// holds the FIFO open for writing too, so a reader never sees end of file.
func watchTrigger(s *send.Sender, path string) {
	fifo, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		return // no trigger: todo is still scanned every 25 minutes
	}
	buf := make([]byte, 64)
	for {
		if _, err := fifo.Read(buf); err != nil {
			return
		}
		s.Trigger()
	}
}

func handleSignals(s *send.Sender) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGALRM, syscall.SIGHUP)
	for sig := range sigs {
		switch sig {
		case syscall.SIGTERM:
			s.Terminate()
		case syscall.SIGALRM:
			s.Alarm()
		case syscall.SIGHUP:
			s.Reread()
		}
	}
}
