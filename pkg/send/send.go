package send

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Timing constants of qmail-send.
const (
	sleepTodo    = 1500 * time.Second  // todo/ is rescanned at least this often
	sleepSysfail = 123 * time.Second   // retry delay after a filesystem error
	sleepCleanup = 76431 * time.Second // between sweeps for ossified files
	ossified     = 129600              // seconds: stray mess/ files older than this go
)

// Spawner is the pair of pipes to qmail-lspawn or qmail-rspawn.
type Spawner struct {
	Commands io.Writer // qmail-send's fd 1 or 3
	Results  io.Reader // fd 2 or 4
}

// Config is what qmail-start hands qmail-send.
type Config struct {
	Queue      Queue
	Controls   *Controls
	Log        io.Writer // fd 0
	Local      Spawner
	Remote     Spawner
	Clean      Spawner // qmail-clean on fds 5 and 6
	QmailQueue string  // the program bounces are injected with
	Reread     func() (*Controls, error)
	Die        func() // after a lost pipe; default: exit 111
}

// Sender is a running qmail-send.
type Sender struct {
	cfg      Config
	controls atomic.Pointer[Controls]
	log      *logger
	clean    *cleaner
	channels [2]*channel
	todoWake chan struct{}
	finished chan uint64 // messages with no channel file left
	exiting  atomic.Bool
	term     chan struct{}
	nextNum  atomic.Uint64 // delivery numbers, from 1
	doneMu   sync.Mutex    // one channel at a time decides a message is done
	running  [2]atomic.Int64
}

// New prepares qmail-send; Run starts it.
func New(cfg Config) *Sender {
	s := &Sender{
		cfg:      cfg,
		log:      &logger{w: cfg.Log},
		todoWake: make(chan struct{}, 1),
		finished: make(chan uint64, 1024),
		term:     make(chan struct{}),
	}
	s.controls.Store(cfg.Controls)
	s.clean = &cleaner{cmd: cfg.Clean.Commands, res: bufio.NewReader(cfg.Clean.Results)}
	return s
}

// Run reads the spawners' slot counts, rebuilds the schedule from the
// queue, and works until Terminate; then it waits for the running
// deliveries, saves the schedule in the channel files' mtimes and returns.
func (s *Sender) Run() error {
	c := s.controls.Load()
	limits := [2]int{c.ConcurrencyLocal, c.ConcurrencyRemote}
	for i, sp := range []Spawner{s.cfg.Local, s.cfg.Remote} {
		var b [1]byte
		if _, err := io.ReadFull(sp.Results, b[:]); err != nil {
			s.log.alert("cannot start: hath the daemon spawn no fire?")
			return errors.New("no spawner")
		}
		limits[i] = min(limits[i], int(b[0]))
		s.channels[i] = newChannel(s, Channel(i), sp, limits[i])
	}
	s.scanInfo()
	s.status()
	var wg sync.WaitGroup
	for _, ch := range s.channels {
		wg.Add(1)
		go func() { defer wg.Done(); ch.run() }()
	}
	todoDone := make(chan struct{})
	go func() { s.processTodo(); close(todoDone) }()
	finishDone := make(chan struct{})
	go func() { s.finishMessages(); close(finishDone) }()
	go s.sweepOssified()
	wg.Wait()
	<-todoDone
	close(s.finished)
	<-finishDone
	for _, ch := range s.channels {
		ch.saveSchedule()
	}
	s.log.line("status: exiting")
	return nil
}

// Terminate is TERM: start nothing new, finish what runs, then Run returns.
func (s *Sender) Terminate() {
	if s.exiting.CompareAndSwap(false, true) {
		close(s.term)
		s.status()
	}
}

// Alarm is ALRM: every waiting message is due now.
func (s *Sender) Alarm() {
	for _, ch := range s.channels {
		select {
		case ch.alarm <- struct{}{}:
		default:
		}
	}
}

// Reread is HUP: reread locals and virtualdomains.
func (s *Sender) Reread() {
	if s.cfg.Reread == nil {
		return
	}
	fresh, err := s.cfg.Reread()
	if err != nil {
		s.log.alert("unable to reread control/locals")
		return
	}
	c := *s.controls.Load()
	c.Locals, c.VirtualDomains = fresh.Locals, fresh.VirtualDomains
	s.controls.Store(&c)
}

// Trigger wakes the todo scan (the lock/trigger FIFO was written).
func (s *Sender) Trigger() {
	select {
	case s.todoWake <- struct{}{}:
	default:
	}
}

func (s *Sender) status() {
	line := fmt.Sprintf("status: local %d/%d remote %d/%d", s.running[Local].Load(), s.channelLimit(Local),
		s.running[Remote].Load(), s.channelLimit(Remote))
	if s.exiting.Load() {
		line += " exitasap"
	}
	s.log.line(line)
}

func (s *Sender) channelLimit(c Channel) int {
	if ch := s.channels[c]; ch != nil {
		return ch.limit
	}
	return 0
}

// scanInfo rebuilds the schedule at startup from info/, as qmail-send does:
// a message still in todo/ will be preprocessed again; otherwise each
// channel file's mtime is its next attempt, and without any the message
// is done.
func (s *Sender) scanInfo() {
	list, err := s.cfg.Queue.splitIDs("info")
	if err != nil {
		s.log.alert("unable to opendir info, sleeping...")
		return
	}
	for _, id := range list {
		if exists(s.cfg.Queue.todo(id)) {
			continue
		}
		scheduled := false
		for _, ch := range s.channels {
			if st, err := os.Stat(s.cfg.Queue.channelFile(ch.kind, id)); err == nil {
				ch.schedule(id, st.ModTime())
				scheduled = true
			}
		}
		if !scheduled {
			s.finished <- id
		}
	}
}

// channelDone is called when a channel file has been removed: if the other
// channel has none either, the message is finished.
func (s *Sender) channelDone(id uint64, c Channel) {
	s.doneMu.Lock()
	defer s.doneMu.Unlock()
	if err := os.Remove(s.cfg.Queue.channelFile(c, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.warn("unable to unlink ", s.cfg.Queue.channelFile(c, id), "; will try again later")
		s.channels[c].schedule(id, time.Now().Add(sleepSysfail))
		return
	}
	if !exists(s.cfg.Queue.channelFile(1-c, id)) {
		s.finished <- id
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// sweepOssified removes, at startup and every sleepCleanup, message files
// qmail-queue left behind when it failed: no info, no todo, untouched for
// 36 hours.
func (s *Sender) sweepOssified() {
	for {
		list, _ := s.cfg.Queue.splitIDs("mess")
		for _, id := range list {
			if s.exiting.Load() {
				return
			}
			var st unix.Stat_t
			if unix.Stat(s.cfg.Queue.mess(id), &st) != nil || st.Atim.Sec+ossified >= time.Now().Unix() {
				continue
			}
			if !exists(s.cfg.Queue.info(id)) && !exists(s.cfg.Queue.todo(id)) {
				s.clean.do("foop/" + strconv.FormatUint(id, 10))
			}
		}
		select {
		case <-s.term:
			return
		case <-time.After(sleepCleanup):
		}
	}
}

// die ends qmail-send after an alert, as the original's exit-asap does
// when a pipe to a helper is lost.
func (s *Sender) die() {
	if s.cfg.Die != nil {
		s.cfg.Die()
		return
	}
	os.Exit(111)
}

// cleaner talks to qmail-clean: one command, one reply byte, one at a time.
type cleaner struct {
	mu  sync.Mutex
	cmd io.Writer
	res *bufio.Reader
}

func (c *cleaner) do(command string) (byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.cmd, command+"\x00"); err != nil {
		return 0, err
	}
	return c.res.ReadByte()
}

// cleanOrDie runs a qmail-clean command; a lost connection ends qmail-send
// as the original's does.
func (s *Sender) cleanOrDie(command string) bool {
	reply, err := s.clean.do(command)
	if err != nil {
		s.log.alert("oh no! lost qmail-clean connection! dying...")
		s.die()
	}
	if reply != '+' {
		s.log.warn("qmail-clean unable to clean up ", command)
		return false
	}
	return true
}
