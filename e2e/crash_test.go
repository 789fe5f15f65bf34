package e2e

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// queueMessage hands one message straight to qmail-queue.
func (s *system) queueMessage(t *testing.T, sender, recip, text string) {
	cmd := s.command("qmail-queue")
	envR, envW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = strings.NewReader(text)
	cmd.Stdout = envR
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	envR.Close()
	envW.WriteString("F" + sender + "\x00T" + recip + "\x00\x00")
	envW.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("qmail-queue: %v", err)
	}
}

// killSend kills qmail-send and the helpers it was started with.
func (s *system) killSend() {
	pid := s.send.Process.Pid
	children, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	syscall.Kill(pid, syscall.SIGKILL)
	for _, c := range strings.Fields(string(children)) {
		if n, err := strconv.Atoi(c); err == nil {
			syscall.Kill(n, syscall.SIGKILL)
		}
	}
	s.send.Wait()
}

// queueEmpty reports whether no message waits for delivery: nothing in
// todo/ or info/. A kill between removing info and qmail-clean removing
// mess leaves a stray mess file, which qmail-send's 36-hour sweep removes,
// so mess/ is not looked at.
func (s *system) queueEmpty() bool {
	todo, _ := filepath.Glob(filepath.Join(s.home, "queue", "todo", "*"))
	info, _ := filepath.Glob(filepath.Join(s.home, "queue", "info", "*", "*"))
	return len(todo) == 0 && len(info) == 0
}

var seqHeader = regexp.MustCompile(`(?m)^X-Seq: (\d+)$`)

// TestCrashSafety queues messages while qmail-send and its helpers are
// killed with SIGKILL at random moments and restarted: at the end every
// message has been delivered at least once. QUAIL_LONG=1 (CI) runs 2,000
// messages and 100 kills.
func TestCrashSafety(t *testing.T) {
	messages, kills := 300, 10
	if os.Getenv("QUAIL_LONG") != "" {
		messages, kills = 2000, 100
	}
	s := localSystem(t, nil)
	s.startSend()
	done := make(chan struct{})
	killed := make(chan int)
	go func() {
		n := 0
		defer func() { killed <- n }()
		for n < kills {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(20+rand.IntN(200)) * time.Millisecond):
			}
			s.killSend()
			n++
			s.startSend()
		}
	}()
	for i := 0; i < messages; i++ {
		s.queueMessage(t, "tester@e2e.test", "alice@e2e.test", "X-Seq: "+strconv.Itoa(i)+"\nSubject: crash\n\nbody\n")
	}
	// Let the killer finish its kills, then let delivery finish.
	deadline := time.After(10 * time.Minute)
	var n int
	select {
	case n = <-killed:
	case <-deadline:
		close(done)
		n = <-killed
	}
	s.send.Process.Signal(syscall.SIGALRM)
	s.waitFor("an empty queue", 10*time.Minute, s.queueEmpty)
	count := map[int]int{}
	for _, m := range maildir(s.homeFile("alice", "Maildir")) {
		if sub := seqHeader.FindStringSubmatch(m); sub != nil {
			seq, _ := strconv.Atoi(sub[1])
			count[seq]++
		}
	}
	duplicates := 0
	for i := 0; i < messages; i++ {
		switch c := count[i]; {
		case c == 0:
			t.Errorf("message %d was never delivered", i)
		case c > 1:
			duplicates += c - 1
		}
	}
	t.Logf("%d messages, %d kills of qmail-send and its helpers, %d duplicate deliveries", messages, n, duplicates)
}
