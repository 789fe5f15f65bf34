package e2e

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
)

// sink is an SMTP server on loopback that answers RCPT as told and keeps
// what it accepted.
type sink struct {
	addr string
	mu   sync.Mutex
	rcpt []string // the RCPT replies to give, in turn; the last repeats
	got  []string // accepted messages' data
	from []string // and their envelope senders
	seen int      // RCPT commands seen
}

func startSink(t testing.TB, rcptReplies ...string) *sink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveSink(t, ln, rcptReplies)
}

// startSink starts a sink in the system's network namespace, if any.
func (s *system) startSink(rcptReplies ...string) *sink {
	var ln net.Listener
	var err error
	s.inNet(func() { ln, err = net.Listen("tcp", "127.0.0.1:0") })
	if err != nil {
		s.t.Fatal(err)
	}
	return serveSink(s.t, ln, rcptReplies)
}

func serveSink(t testing.TB, ln net.Listener, rcptReplies []string) *sink {
	t.Cleanup(func() { ln.Close() })
	s := &sink{addr: ln.Addr().String(), rcpt: rcptReplies}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *sink) port() string { _, p, _ := net.SplitHostPort(s.addr); return p }

func (s *sink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

func (s *sink) senders() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.from...)
}

func (s *sink) nextRcptReply() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := min(s.seen, len(s.rcpt)-1)
	s.seen++
	return s.rcpt[i]
}

func (s *sink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 sink.test ESMTP")
	accepted := 0
	sender := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "HELO", "EHLO":
			say("250 sink.test")
		case "MAIL", "RSET", "NOOP":
			accepted = 0
			if verb == "MAIL" {
				sender = strings.TrimSpace(line[strings.IndexByte(line, ':')+1:])
			}
			say("250 ok")
		case "RCPT":
			reply := s.nextRcptReply()
			if strings.HasPrefix(reply, "2") {
				accepted++
			}
			say(reply)
		case "DATA":
			if accepted == 0 {
				say("503 no valid recipients")
				continue
			}
			say("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			s.mu.Lock()
			s.got = append(s.got, data.String())
			s.from = append(s.from, sender)
			s.mu.Unlock()
			say("250 accepted")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 unimplemented")
		}
	}
}
