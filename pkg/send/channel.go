package send

import (
	"bufio"
	"bytes"
	"container/heap"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/spawn"
)

// retryBase is the c of qmail's schedule, next = birth + (floor(sqrt(age)) + c)².
var retryBase = [2]float64{Local: 10, Remote: 20}

// channel schedules the deliveries of one spawner. One goroutine owns all
// of its state; others reach it through its Go channels.
type channel struct {
	s       *Sender
	kind    Channel
	spawner Spawner
	limit   int

	add     chan scheduled
	alarm   chan struct{}
	results chan result

	waiting  schedule
	current  *job         // the pass still starting deliveries
	slots    []*delivery  // in flight, by slot number
	inFlight int          // deliveries running
	jobs     map[*job]int // deliveries outstanding per job
}

type scheduled struct {
	id   uint64
	when time.Time
}

// job is one pass over a message's channel file.
type job struct {
	id      uint64
	sender  string
	recips  []record
	next    int       // the next record to consider
	retry   time.Time // computed when the pass started
	dying   bool
	failed  bool // a filesystem error: retry after sleepSysfail
	started bool
}

type record struct {
	offset int64
	addr   string
	done   bool
}

type delivery struct {
	num uint64
	job *job
	rec int
}

type result struct {
	slot   int
	letter byte
	text   string
}

func newChannel(s *Sender, kind Channel, sp Spawner, limit int) *channel {
	ch := &channel{
		s: s, kind: kind, spawner: sp, limit: limit,
		add:     make(chan scheduled, 4096),
		alarm:   make(chan struct{}, 1),
		results: make(chan result, 256),
		slots:   make([]*delivery, limit),
		jobs:    map[*job]int{},
	}
	go ch.readResults()
	return ch
}

// schedule asks for a pass over id's channel file at when.
func (ch *channel) schedule(id uint64, when time.Time) {
	ch.add <- scheduled{id, when}
}

func (ch *channel) run() {
	for {
		ch.startDeliveries()
		if ch.s.exiting.Load() && ch.inFlight == 0 {
			ch.drainAdds()
			return
		}
		var timer <-chan time.Time
		var t *time.Timer
		if ch.current == nil && ch.freeSlot() >= 0 && len(ch.waiting) > 0 && !ch.s.exiting.Load() {
			t = time.NewTimer(time.Until(ch.waiting[0].when) + 10*time.Millisecond)
			timer = t.C
		}
		select {
		case r := <-ch.results:
			ch.finish(r)
		case sc := <-ch.add:
			heap.Push(&ch.waiting, sc)
		case <-ch.alarm:
			now := time.Now()
			for i := range ch.waiting {
				ch.waiting[i].when = now
			}
		case <-ch.s.term:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// drainAdds keeps the schedule requests that arrived during shutdown.
func (ch *channel) drainAdds() {
	for {
		select {
		case sc := <-ch.add:
			heap.Push(&ch.waiting, sc)
		default:
			return
		}
	}
}

func (ch *channel) freeSlot() int {
	for i, d := range ch.slots {
		if d == nil {
			return i
		}
	}
	return -1
}

// startDeliveries fills free slots: from the current pass, else from the
// next message due.
func (ch *channel) startDeliveries() {
	for !ch.s.exiting.Load() {
		slot := ch.freeSlot()
		if slot < 0 {
			return
		}
		if ch.current == nil {
			if !ch.startPass() {
				return
			}
			if ch.current == nil { // that message could not be read; try the next
				continue
			}
		}
		j := ch.current
		for j.next < len(j.recips) && j.recips[j.next].done {
			j.next++
		}
		if j.next == len(j.recips) {
			ch.current = nil
			if ch.jobs[j] == 0 {
				ch.complete(j)
			}
			continue
		}
		ch.start(slot, j, j.next)
		j.next++
	}
}

// startPass takes the earliest due message and reads its files.
func (ch *channel) startPass() bool {
	if len(ch.waiting) == 0 || ch.waiting[0].when.After(time.Now()) {
		return false
	}
	sc := heap.Pop(&ch.waiting).(scheduled)
	j, err := ch.readJob(sc.id)
	if err != nil {
		ch.schedule2(sc.id, time.Now().Add(sleepSysfail))
		return true // try the next one
	}
	ch.current = j
	ch.jobs[j] = 0
	return true
}

// schedule2 requeues from inside the channel's own goroutine.
func (ch *channel) schedule2(id uint64, when time.Time) {
	heap.Push(&ch.waiting, scheduled{id, when})
}

// readJob reads info (sender, birth) and the channel file, and computes
// the next retry time now, as the original does at the start of a pass.
func (ch *channel) readJob(id uint64) (*job, error) {
	q := ch.s.cfg.Queue
	info, err := os.ReadFile(q.info(id))
	if err != nil {
		ch.s.log.warn("unable to open ", relQueue(q, q.info(id)), "; will try again later")
		return nil, err
	}
	st, err := os.Stat(q.info(id))
	if err != nil {
		ch.s.log.warn("unable to stat ", relQueue(q, q.info(id)), "; will try again later")
		return nil, err
	}
	data, err := os.ReadFile(q.channelFile(ch.kind, id))
	if err != nil {
		ch.s.log.warn("unable to open ", relQueue(q, q.channelFile(ch.kind, id)), "; will try again later")
		return nil, err
	}
	j := &job{id: id}
	if recs := records(info); len(recs) > 0 && len(recs[0]) > 0 && recs[0][0] == 'F' {
		j.sender = string(recs[0][1:])
	}
	var offset int64
	for _, rec := range records(data) {
		if len(rec) > 0 && (rec[0] == 'T' || rec[0] == 'D') {
			j.recips = append(j.recips, record{offset: offset, addr: string(rec[1:]), done: rec[0] == 'D'})
		} else if len(rec) > 0 {
			ch.s.log.warn("unknown record type in ", relQueue(q, q.channelFile(ch.kind, id)), "!")
		}
		offset += int64(len(rec)) + 1
	}
	now := time.Now()
	birth := st.ModTime()
	j.retry = nextRetry(birth, now, retryBase[ch.kind])
	j.dying = now.Unix() > birth.Unix()+ch.s.controls.Load().QueueLifetime
	return j, nil
}

// nextRetry is qmail's schedule: birth + (floor(sqrt(now-birth)) + c)².
func nextRetry(birth, now time.Time, c float64) time.Time {
	age := float64(now.Unix() - birth.Unix())
	if age < 0 {
		age = 0
	}
	n := math.Floor(math.Sqrt(age)) + c
	return time.Unix(birth.Unix()+int64(n*n), 0)
}

// start sends one delivery to the spawner.
func (ch *channel) start(slot int, j *job, rec int) {
	num := ch.s.nextNum.Add(1)
	d := &delivery{num: num, job: j, rec: rec}
	ch.slots[slot] = d
	ch.inFlight++
	ch.jobs[j]++
	ch.s.running[ch.kind].Add(1)
	addr := j.recips[rec].addr
	ch.s.log.line("starting delivery ", strconv.FormatUint(num, 10), ": msg ", strconv.FormatUint(j.id, 10),
		" to ", ch.kind.String(), " ", logSafe(addr))
	ch.s.status()
	var cmd bytes.Buffer
	cmd.WriteByte(byte(slot))
	cmd.WriteString(messID(j.id) + "\x00" + verp(j.sender, addr) + "\x00" + addr + "\x00")
	if _, err := ch.spawner.Commands.Write(cmd.Bytes()); err != nil {
		ch.s.log.alert("oh no! lost spawn connection! dying...")
		ch.s.die()
	}
}

// verp expands a VERP sender (ending in -@[]) for one recipient:
// owner-@host-@[] and box@dom give owner-box=dom@host.
func verp(sender, recip string) string {
	base, ok := strings.CutSuffix(sender, "-@[]")
	at := strings.LastIndexByte(recip, '@')
	if !ok || at < 0 {
		return sender
	}
	sat := strings.LastIndexByte(base, '@')
	if sat < 0 {
		return sender
	}
	return base[:sat] + recip[:at] + "=" + recip[at+1:] + base[sat:]
}

// readResults reads "slot letter text \0" results from the spawner.
func (ch *channel) readResults() {
	r := bufio.NewReader(ch.spawner.Results)
	for {
		slot, line, err := spawn.ReadReport(r)
		if err != nil {
			if ch.s.exiting.Load() {
				return
			}
			ch.s.log.alert("oh no! lost spawn connection! dying...")
			ch.s.die()
			return
		}
		if len(line) > 10000 {
			line = line[:10000]
		}
		res := result{slot: slot}
		if len(line) > 0 {
			res.letter, res.text = line[0], string(line[1:])
		}
		ch.results <- res
	}
}

// finish handles one delivery's result.
func (ch *channel) finish(r result) {
	if r.slot < 0 || r.slot >= len(ch.slots) || ch.slots[r.slot] == nil {
		ch.s.log.warn("internal error: delivery report out of range")
		return
	}
	d := ch.slots[r.slot]
	ch.slots[r.slot] = nil
	ch.inFlight--
	ch.s.running[ch.kind].Add(-1)
	j := d.job
	num := strconv.FormatUint(d.num, 10)
	letter, text := r.letter, r.text
	if letter == 'Z' && j.dying {
		letter = 'D'
		text = strings.TrimSuffix(text, "\x00") + "I'm not going to try again; this message has been in the queue too long.\n"
	}
	switch letter {
	case 'K':
		ch.s.log.line("delivery ", num, ": success: ", logSafe(text))
		ch.markDone(j, d.rec)
	case 'Z':
		ch.s.log.line("delivery ", num, ": deferral: ", logSafe(text))
	case 'D':
		ch.s.log.line("delivery ", num, ": failure: ", logSafe(text))
		if ch.s.addBounce(j.id, j.recips[d.rec].addr, text) {
			ch.markDone(j, d.rec)
		} else {
			j.failed = true
		}
	default:
		ch.s.log.line("delivery ", num, ": report mangled, will defer")
	}
	ch.s.status()
	ch.jobs[j]--
	if ch.jobs[j] == 0 && ch.current != j {
		ch.complete(j)
	}
}

// markDone overwrites the record's T with D in the channel file.
func (ch *channel) markDone(j *job, rec int) {
	j.recips[rec].done = true
	path := ch.s.cfg.Queue.channelFile(ch.kind, j.id)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteAt([]byte{'D'}, j.recips[rec].offset)
		f.Close()
	}
	if err != nil {
		ch.s.log.warn("trouble marking ", relQueue(ch.s.cfg.Queue, path), "; message will be delivered twice!")
	}
}

// complete ends a pass whose deliveries have all reported: a file with
// every recipient done goes, otherwise the message waits for its retry.
func (ch *channel) complete(j *job) {
	delete(ch.jobs, j)
	for _, r := range j.recips {
		if !r.done {
			when := j.retry
			if j.failed {
				when = time.Now().Add(sleepSysfail)
			}
			ch.schedule2(j.id, when)
			return
		}
	}
	ch.s.channelDone(j.id, ch.kind)
}

// saveSchedule records each waiting message's next attempt in its channel
// file's mtime, for the next qmail-send to start from.
func (ch *channel) saveSchedule() {
	ch.drainAdds()
	for _, sc := range ch.waiting {
		path := ch.s.cfg.Queue.channelFile(ch.kind, sc.id)
		if err := os.Chtimes(path, sc.when, sc.when); err != nil && exists(path) {
			ch.s.log.warn("unable to utime ", relQueue(ch.s.cfg.Queue, path), "; message will be retried too soon")
		}
	}
}

// schedule is a min-heap of messages by next attempt.
type schedule []scheduled

func (h schedule) Len() int           { return len(h) }
func (h schedule) Less(i, j int) bool { return h[i].when.Before(h[j].when) }
func (h schedule) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *schedule) Push(x any)        { *h = append(*h, x.(scheduled)) }
func (h *schedule) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
