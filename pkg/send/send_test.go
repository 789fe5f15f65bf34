package send

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/clean"
)

// makeQueue creates an empty queue as qmail-install would.
func makeQueue(t *testing.T) Queue {
	dir := filepath.Join(t.TempDir(), "queue")
	for _, d := range []string{"pid", "intd", "todo", "bounce", "lock"} {
		os.MkdirAll(filepath.Join(dir, d), 0o700)
	}
	for _, d := range []string{"mess", "info", "local", "remote"} {
		for s := 0; s < Split; s++ {
			os.MkdirAll(filepath.Join(dir, d, strconv.Itoa(s)), 0o700)
		}
	}
	os.WriteFile(filepath.Join(dir, "lock", "sendmutex"), nil, 0o600)
	return Queue{Dir: dir}
}

// enqueue writes a message as qmail-queue does: mess named by its inode,
// then the envelope linked into todo.
func enqueue(t *testing.T, q Queue, sender string, recips ...string) uint64 {
	tmp := filepath.Join(q.Dir, "pid", fmt.Sprintf("tmp.%d", time.Now().UnixNano()))
	if err := os.WriteFile(tmp, []byte("Subject: test\n\nbody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	syscall.Stat(tmp, &st)
	id := st.Ino
	if err := os.Link(tmp, q.mess(id)); err != nil {
		t.Fatal(err)
	}
	os.Remove(tmp)
	env := "u0\x00p4242\x00F" + sender + "\x00"
	for _, r := range recips {
		env += "T" + r + "\x00"
	}
	intd := q.flat("intd", id)
	os.WriteFile(intd, []byte(env), 0o644)
	if err := os.Link(intd, q.todo(id)); err != nil {
		t.Fatal(err)
	}
	return id
}

// fakeSpawner answers deliveries as qmail-lspawn or qmail-rspawn would,
// with the report decide gives for each recipient.
type fakeSpawner struct {
	decide func(sender, recip string) string
	mu     sync.Mutex
	seen   []string
}

func (f *fakeSpawner) start(t *testing.T) Spawner {
	cmdR, cmdW, _ := os.Pipe()
	resR, resW, _ := os.Pipe()
	t.Cleanup(func() { cmdW.Close(); resR.Close() })
	go func() {
		defer resW.Close()
		resW.Write([]byte{120})
		r := bufio.NewReader(cmdR)
		for {
			slot, err := r.ReadByte()
			if err != nil {
				return
			}
			var fields [3]string
			for i := range fields {
				s, err := r.ReadString(0)
				if err != nil {
					return
				}
				fields[i] = strings.TrimSuffix(s, "\x00")
			}
			f.mu.Lock()
			f.seen = append(f.seen, fields[1]+" -> "+fields[2])
			f.mu.Unlock()
			go func() { resW.Write(append([]byte{slot}, f.decide(fields[1], fields[2])+"\x00"...)) }()
		}
	}()
	return Spawner{Commands: cmdW, Results: resR}
}

// startCleaner runs qmail-clean's logic on a pipe pair, each todo/ command
// delayed by slow (a slow disk).
func startCleaner(t *testing.T, q Queue, slow time.Duration) Spawner {
	cmdR, cmdW, _ := os.Pipe()
	resR, resW, _ := os.Pipe()
	t.Cleanup(func() { cmdW.Close(); resR.Close() })
	var in io.Reader = cmdR
	if slow > 0 {
		in = &slowTodo{r: bufio.NewReader(cmdR), delay: slow}
	}
	go func() { clean.Serve(q.Dir, in, resW); resW.Close() }()
	return Spawner{Commands: cmdW, Results: resR}
}

type slowTodo struct {
	r       *bufio.Reader
	delay   time.Duration
	pending []byte
}

func (s *slowTodo) Read(p []byte) (int, error) {
	if len(s.pending) == 0 {
		cmd, err := s.r.ReadBytes(0)
		if err != nil {
			return 0, err
		}
		if bytes.HasPrefix(cmd, []byte("todo/")) {
			time.Sleep(s.delay)
		}
		s.pending = cmd
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

func testControls() *Controls {
	return &Controls{
		Locals:            map[string]bool{"example.com": true},
		PercentHack:       map[string]bool{},
		VirtualDomains:    map[string]string{},
		EnvNoAtHost:       "example.com",
		BounceFrom:        "MAILER-DAEMON",
		BounceHost:        "example.com",
		DoubleBounceTo:    "postmaster",
		DoubleBounceHost:  "example.com",
		ConcurrencyLocal:  10,
		ConcurrencyRemote: 20,
		QueueLifetime:     604800,
	}
}

// captureQueue writes a qmail-queue stand-in that saves each injected
// message and envelope in dir.
func captureQueue(t *testing.T, dir string) string {
	script := filepath.Join(dir, "capture")
	os.WriteFile(script, []byte("#!/bin/sh\ncat > "+dir+"/msg.$$\ncat <&1 > "+dir+"/env.$$\n"), 0o755)
	return script
}

func waitLog(t *testing.T, log *testenv.SyncBuffer, text string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(log.String(), text) < n {
		if time.Now().After(deadline) {
			t.Fatalf("log has %d of %d %q:\n%s", strings.Count(log.String(), text), n, text, log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func decideByName(_, recip string) string {
	switch {
	case strings.HasPrefix(recip, "ok"):
		return "Kdid 1+0+0\n"
	case strings.HasPrefix(recip, "later"):
		return "ZTemporary failure.\n"
	case strings.HasPrefix(recip, "fail"):
		return "DSorry, no mailbox here by that name. (#5.1.1)\n"
	}
	return "?mangled"
}

func TestDeliveryCycle(t *testing.T) {
	q := makeQueue(t)
	capture := t.TempDir()
	log := &testenv.SyncBuffer{}
	local, remote := &fakeSpawner{decide: decideByName}, &fakeSpawner{decide: decideByName}
	delivered := enqueue(t, q, "a@x.example", "ok1@example.com", "ok2@far.example")
	bounced := enqueue(t, q, "b@x.example", "fail@example.com", "ok3@example.com")
	double := enqueue(t, q, "", "fail2@example.com")
	triple := enqueue(t, q, "#@[]", "fail3@example.com")
	deferred := enqueue(t, q, "c@x.example", "later@example.com")
	s := New(Config{
		Queue: q, Controls: testControls(), Log: log,
		Local: local.start(t), Remote: remote.start(t), Clean: startCleaner(t, q, 0),
		QmailQueue: captureQueue(t, capture),
		Die:        func() { panic("qmail-send died:\n" + log.String()) },
	})
	done := make(chan error)
	go func() { done <- s.Run() }()
	waitLog(t, log, "end msg ", 4)
	waitLog(t, log, "deferral: Temporary_failure./", 1)
	s.Terminate()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	text := log.String()
	for _, want := range []string{
		"status: local 0/10 remote 0/20\n",
		fmt.Sprintf("new msg %d\n", delivered),
		fmt.Sprintf("info msg %d: bytes 20 from <a@x.example> qp 4242 uid 0\n", delivered),
		fmt.Sprintf("msg %d to local ok1@example.com\n", delivered),
		fmt.Sprintf("msg %d to remote ok2@far.example\n", delivered),
		": success: did_1+0+0/\n",
		": failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/\n",
		fmt.Sprintf("bounce msg %d qp ", bounced),
		fmt.Sprintf("bounce msg %d qp ", double),
		fmt.Sprintf("triple bounce: discarding bounce/%d\n", triple),
		fmt.Sprintf("end msg %d\n", delivered),
		"status: exiting\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, id := range []uint64{delivered, bounced, double, triple} {
		for _, path := range []string{q.mess(id), q.info(id), q.todo(id), q.bounce(id), q.channelFile(Local, id)} {
			if exists(path) {
				t.Errorf("%s left behind", path)
			}
		}
	}
	// The deferred message waits, its retry time saved in the file's mtime.
	st, err := os.Stat(q.channelFile(Local, deferred))
	if err != nil {
		t.Fatalf("deferred message: %v", err)
	}
	info, _ := os.Stat(q.info(deferred))
	if age := st.ModTime().Sub(info.ModTime()).Seconds(); age < 99 || age > 101 {
		t.Errorf("next attempt %v s after birth, want 100", age)
	}
	checkBounces(t, capture, testControls())
}

// checkBounces looks at the two injected bounces: the single bounce to
// b@x.example and the double bounce to postmaster.
func checkBounces(t *testing.T, dir string, c *Controls) {
	envs, _ := filepath.Glob(filepath.Join(dir, "env.*"))
	got := map[string]string{}
	for _, env := range envs {
		e, _ := os.ReadFile(env)
		m, _ := os.ReadFile(strings.Replace(env, "env.", "msg.", 1))
		got[string(e)] = string(m)
	}
	single, ok := got["F\x00Tb@x.example\x00\x00"]
	if !ok {
		t.Fatalf("no single bounce among %q", envs)
	}
	for _, want := range []string{
		"From: MAILER-DAEMON@example.com\nTo: b@x.example\nSubject: failure notice\n\nHi. This is the qmail-send program at example.com.\n" +
			"I'm afraid I wasn't able to deliver your message to the following addresses.\n" +
			"This is a permanent error; I've given up. Sorry it didn't work out.\n\n" +
			"<fail@example.com>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n" +
			"--- Below this line is a copy of the message.\n\nReturn-Path: <b@x.example>\nSubject: test\n\nbody\n",
	} {
		if !strings.HasSuffix(single, want) || !strings.HasPrefix(single, "Date: ") {
			t.Errorf("single bounce:\n%s\nwant it to end with:\n%s", single, want)
		}
	}
	doubleMsg, ok := got["F#@[]\x00Tpostmaster@example.com\x00\x00"]
	if !ok || !strings.Contains(doubleMsg, "I tried to deliver a bounce message to this address, but the bounce bounced!\n\n<fail2@example.com>:\n") ||
		!strings.Contains(doubleMsg, "--- Below this line is the original bounce.\n\nReturn-Path: <>\n") {
		t.Errorf("double bounce: %q", doubleMsg)
	}
}

// TestFloodDoesNotStarveDelivery: while preprocessing crawls through a
// flood of new mail (each todo removal slowed down), messages already
// preprocessed are delivered at once. In the original's single loop they
// would wait their turn behind the flood.
func TestFloodDoesNotStarveDelivery(t *testing.T) {
	q := makeQueue(t)
	log := &testenv.SyncBuffer{}
	s := New(Config{
		Queue: q, Controls: testControls(), Log: log,
		Local: (&fakeSpawner{decide: decideByName}).start(t), Remote: (&fakeSpawner{decide: decideByName}).start(t),
		Clean: startCleaner(t, q, 20*time.Millisecond),
	})
	// 50 messages already preprocessed (info and local written), then a
	// flood of 200 in todo.
	const ready, flood = 50, 200
	for i := 0; i < ready; i++ {
		id := enqueue(t, q, "a@x.example", fmt.Sprintf("ok%d@example.com", i))
		os.Remove(q.todo(id))
		os.WriteFile(q.info(id), []byte("Fa@x.example\x00"), 0o600)
		os.WriteFile(q.channelFile(Local, id), []byte(fmt.Sprintf("Tok%d@example.com\x00", i)), 0o600)
	}
	for i := 0; i < flood; i++ {
		enqueue(t, q, "b@x.example", "ok-flood@example.com")
	}
	done := make(chan error)
	go func() { done <- s.Run() }()
	waitLog(t, log, "success:", ready)
	if n := strings.Count(log.String(), "new msg "); n >= flood {
		t.Errorf("the ready messages waited for the whole flood (%d preprocessed first)", n)
	}
	s.Terminate()
	<-done
}

// TestGoldenPreprocessing replays the recorded queue: the real todo and
// mess files of message 9977941, preprocessed with both concurrencies 0,
// give the recorded info, local and remote files and log lines.
func TestGoldenPreprocessing(t *testing.T) {
	golden := testenv.Golden(t, "qmail", "queue", "files")
	q := makeQueue(t)
	const id = 9977941
	for from, to := range map[string]string{"todo": q.todo(id), "mess": q.mess(id)} {
		data, err := os.ReadFile(filepath.Join(golden, from))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(to, data, 0o644)
	}
	c := testControls()
	c.Locals = map[string]bool{"bench.local": true}
	c.ConcurrencyLocal, c.ConcurrencyRemote = 0, 0
	log := &testenv.SyncBuffer{}
	s := New(Config{
		Queue: q, Controls: c, Log: log,
		Local: (&fakeSpawner{decide: decideByName}).start(t), Remote: (&fakeSpawner{decide: decideByName}).start(t),
		Clean: startCleaner(t, q, 0),
	})
	done := make(chan error)
	go func() { done <- s.Run() }()
	waitLog(t, log, "info msg", 1)
	deadline := time.Now().Add(5 * time.Second)
	for exists(q.todo(id)) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	s.Terminate()
	<-done
	want := "status: local 0/0 remote 0/0\nnew msg 9977941\ninfo msg 9977941: bytes 252 from <alice@example.net> qp 10197 uid 0\n"
	if got := log.String(); !strings.HasPrefix(got, want) {
		t.Errorf("log:\n%s\nwant it to start with:\n%s", got, want)
	}
	for name, path := range map[string]string{"info": q.info(id), "local": q.channelFile(Local, id), "remote": q.channelFile(Remote, id)} {
		got, err := os.ReadFile(path)
		wantBytes, _ := os.ReadFile(filepath.Join(golden, name))
		if err != nil || !bytes.Equal(got, wantBytes) {
			t.Errorf("%s = %q, %v; want %q", name, got, err, wantBytes)
		}
	}
	if exists(q.todo(id)) {
		t.Error("todo not removed")
	}
}
