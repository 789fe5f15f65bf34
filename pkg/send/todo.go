package send

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// processTodo preprocesses todo/ at startup, whenever the trigger is
// pulled, and at least every 25 minutes, until TERM. It runs on its own, so
// deliveries go on however much mail arrives.
func (s *Sender) processTodo() {
	for {
		list, err := ids(filepath.Join(s.cfg.Queue.Dir, "todo"))
		if err != nil {
			s.log.alert("unable to opendir todo, sleeping...")
		}
		for _, id := range list {
			if s.exiting.Load() {
				return
			}
			s.preprocess(id)
		}
		select {
		case <-s.term:
			return
		case <-s.todoWake:
		case <-time.After(sleepTodo):
		}
	}
}

// preprocess turns todo/<id> into info, local and remote files, then has
// qmail-clean remove todo (the commit point) and schedules the message.
// Any failure before that leaves todo for the next scan, which starts over.
func (s *Sender) preprocess(id uint64) {
	q := s.cfg.Queue
	data, err := os.ReadFile(q.todo(id))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.warn("unable to open ", relQueue(q, q.todo(id)))
		}
		return
	}
	st, err := os.Stat(q.mess(id))
	if err != nil {
		s.log.warn("unable to stat ", relQueue(q, q.mess(id)))
		return
	}
	for _, path := range []string{q.channelFile(Local, id), q.channelFile(Remote, id), q.info(id)} {
		os.Remove(path)
	}
	files, ok := s.writeChannelFiles(id, data, st.Size())
	if !ok {
		return
	}
	if !s.cleanOrDie("todo/" + strconv.FormatUint(id, 10)) {
		return
	}
	now := time.Now()
	if !files[Local] && !files[Remote] {
		s.finished <- id
		return
	}
	for c, has := range files {
		if has {
			s.channels[c].schedule(id, now)
		}
	}
}

// writeChannelFiles writes info and the channel files for the records of a
// todo file, fsynced, and says which channel files exist.
func (s *Sender) writeChannelFiles(id uint64, todo []byte, size int64) ([2]bool, bool) {
	q := s.cfg.Queue
	var has [2]bool
	info, err := createExcl(q.info(id))
	if err != nil {
		s.log.warn("unable to create ", relQueue(q, q.info(id)))
		return has, false
	}
	defer info.Close()
	s.log.line("new msg ", strconv.FormatUint(id, 10))
	var out [2]*os.File
	var bufs [2]*bufio.Writer
	defer func() {
		for _, f := range out {
			if f != nil {
				f.Close()
			}
		}
	}()
	controls := s.controls.Load()
	var uid, pid string
	infoBuf := bufio.NewWriter(info)
	for _, rec := range records(todo) {
		if len(rec) == 0 {
			continue
		}
		body := string(rec[1:])
		switch rec[0] {
		case 'u':
			uid = body
		case 'p':
			pid = body
		case 'F':
			infoBuf.WriteString("F" + body + "\x00")
			s.log.line("info msg ", strconv.FormatUint(id, 10), ": bytes ", strconv.FormatInt(size, 10),
				" from <", logSafe(body), "> qp ", pid, " uid ", uid)
		case 'T':
			addr, c := controls.Rewrite(body)
			if out[c] == nil {
				if out[c], err = createExcl(q.channelFile(c, id)); err != nil {
					s.log.warn("unable to create ", relQueue(q, q.channelFile(c, id)))
					return has, false
				}
				bufs[c] = bufio.NewWriter(out[c])
				has[c] = true
			}
			bufs[c].WriteString("T" + addr + "\x00")
		default:
			s.log.warn("unknown record type in ", relQueue(q, q.todo(id)))
			return has, false
		}
	}
	if err := flushSync(infoBuf, info); err != nil {
		s.log.warn("trouble writing to ", relQueue(q, q.info(id)))
		return has, false
	}
	for c, f := range out {
		if f != nil {
			if err := flushSync(bufs[c], f); err != nil {
				s.log.warn("trouble writing to ", relQueue(q, f.Name()))
				return has, false
			}
		}
	}
	return has, true
}

func createExcl(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

func flushSync(b *bufio.Writer, f *os.File) error {
	if err := b.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// relQueue names a queue file as qmail-send's warnings do (todo/123).
func relQueue(q Queue, path string) string {
	if rel, err := filepath.Rel(q.Dir, path); err == nil {
		return rel
	}
	return path
}
