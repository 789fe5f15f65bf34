package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
)

// startSMTPWith starts qmail-smtpd behind the given tcpserver binary
// (ours or the Debian one) on 127.0.0.1, with qmail-send not running.
func (s *system) startSMTPWith(tcpserver string) {
	rules := s.write("tcp.smtp", "127.:allow,RELAYCLIENT=\"\"\n:allow\n")
	s.compileRules(rules)
	link := filepath.Join(s.dir, "tcpserver-under-test")
	os.Symlink(tcpserver, link)
	cmd := s.command("qmail-smtpd")
	cmd.Path = link
	cmd.Args = []string{"tcpserver", "-1", "-H", "-R", "-l", "e2e.test", "-x", rules + ".cdb",
		"127.0.0.1", "0", filepath.Join(s.home, "bin", "qmail-smtpd")}
	s.startServer(cmd)
}

// queued returns the messages in the queue, without qmail-queue's and
// qmail-smtpd's Received lines.
func (s *system) queued() []string {
	files, _ := filepath.Glob(filepath.Join(s.home, "queue", "mess", "*", "*"))
	var out []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		text := string(b)
		for i := 0; i < 2; i++ { // qmail-queue's line, then qmail-smtpd's (may be folded)
			nl := strings.IndexByte(text, '\n')
			text = text[nl+1:]
			for strings.HasPrefix(text, " ") || strings.HasPrefix(text, "\t") {
				text = text[strings.IndexByte(text, '\n')+1:]
			}
		}
		out = append(out, text)
	}
	return out
}

// TestSMTPIntoQueue: 1,000 messages from Postfix's smtp-source and some
// from swaks go through tcpserver (ours and Debian's) and qmail-smtpd
// into a real queue; every one arrives, the swaks ones byte for byte.
func TestSMTPIntoQueue(t *testing.T) {
	source := testenv.Tool(t, "smtp-source")
	swaks := testenv.Tool(t, "swaks")
	servers := map[string]func(t *testing.T) string{
		"quail":  func(t *testing.T) string { return testenv.Bin(t, "tcpserver") },
		"debian": func(t *testing.T) string { return testenv.RefBin(t, "ucspi-tcp", "tcpserver") },
	}
	for name, tcpserver := range servers {
		t.Run(name, func(t *testing.T) {
			s := newSystem(t, nil)
			s.startSMTPWith(tcpserver(t))
			out, err := exec.Command(source, "-s", "10", "-m", "1000", "-l", "2000",
				"-f", "load@outside.test", "-t", "alice@e2e.test", s.smtp).CombinedOutput()
			if err != nil {
				t.Fatalf("smtp-source: %v\n%s", err, out)
			}
			var bodies []string
			for i := 0; i < 5; i++ {
				body := fmt.Sprintf("swaks message %d\n.leading dot\n\ttab and trailing space \nlast line", i)
				bodies = append(bodies, body)
				out, err := exec.Command(swaks, "--server", s.smtp, "--from", "swaks@outside.test",
					"--to", "alice@e2e.test", "--h-Subject", "swaks "+strconv.Itoa(i),
					"--body", body, "--suppress-data", "--silent", "2").CombinedOutput()
				if err != nil {
					t.Fatalf("swaks: %v\n%s", err, out)
				}
			}
			queued := s.queued()
			if len(queued) != 1005 {
				t.Fatalf("%d messages in the queue, want 1005", len(queued))
			}
			todo, _ := filepath.Glob(filepath.Join(s.home, "queue", "todo", "*"))
			if len(todo) != 1005 {
				t.Errorf("%d envelopes in todo, want 1005", len(todo))
			}
			for _, body := range bodies {
				found := 0
				for _, q := range queued {
					if strings.Contains(q, "\n\n"+body+"\n") { // swaks adds blank lines at the end
						found++
					}
				}
				if found != 1 {
					t.Errorf("swaks body %q found %d times in the queue", body[:16], found)
				}
			}
		})
	}
}

// BenchmarkSMTPAccept measures messages per second accepted by
// tcpserver + qmail-smtpd + qmail-queue from smtp-source with 20
// sessions, for 1 KB and 100 KB messages (qmail-send not running), and
// the machine's CPU time per message.
func BenchmarkSMTPAccept(b *testing.B) {
	source := testenv.Tool(b, "smtp-source")
	for _, size := range []int{1024, 100 * 1024} {
		messages := 2000
		if size > 1024 {
			messages = 300
		}
		b.Run(strconv.Itoa(size/1024)+"KB", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := newSystem(b, nil)
				s.startSMTP()
				b.StartTimer()
				start, cpu := time.Now(), testenv.MachineCPU(b)
				out, err := exec.Command(source, "-s", "20", "-m", strconv.Itoa(messages), "-l", strconv.Itoa(size),
					"-f", "bench@outside.test", "-t", "alice@e2e.test", s.smtp).CombinedOutput()
				if err != nil {
					b.Fatalf("smtp-source: %v\n%s", err, out)
				}
				b.ReportMetric(float64(messages)/time.Since(start).Seconds(), "msgs/s")
				b.ReportMetric(float64(testenv.MachineCPU(b)-cpu)/float64(time.Millisecond)/float64(messages), "cpu-ms/msg")
			}
		})
	}
}
