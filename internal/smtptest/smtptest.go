// Package smtptest runs a scriptable SMTP server on loopback for tests of
// the SMTP clients (qmail-remote): per-command replies, dropped
// connections, a slow greeting, and STARTTLS.
package smtptest

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a scriptable SMTP server on loopback. Each command's reply
// comes from Reply (keyed by verb, or by "RCPT <addr>" for one recipient),
// for RCPT from RcptReplies, or a sensible default; "DROP" as a reply
// closes the connection instead.
type Server struct {
	Addr        string
	Port        int
	Greet       string
	Reply       map[string]string
	RcptReplies []string      // RCPT's replies in turn, the last repeating
	Delay       time.Duration // before the greeting
	TLS         *tls.Config   // offer STARTTLS when set
	Implicit    bool          // with TLS: TLS from the first byte (SMTPS) instead
	// Auth lists the AUTH mechanisms EHLO offers (once encrypted, when TLS
	// is set), of PLAIN and LOGIN; Users are the passwords they accept.
	Auth    string
	Users   map[string]string
	mu      sync.Mutex
	log     []string // commands received
	bodies  []string // message bodies received, raw
	senders []string // and their MAIL FROM arguments
	usedTLS []bool   // per message: whether it came over TLS
	rcpts   int      // RCPT commands answered from RcptReplies
	ended   chan struct{}
	conns   int
}

// Conns returns how many connections were accepted.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// WaitEnd waits until a connection has been closed, so that the log holds
// everything the client sent (qmail-remote does not wait for QUIT's reply).
func (s *Server) WaitEnd(t testing.TB) {
	t.Helper()
	select {
	case <-s.ended:
	case <-time.After(30 * time.Second):
		t.Fatal("the connection never ended")
	}
}

// Start listens on network/addr (e.g. "tcp", "127.0.0.1:0") and serves
// until the test ends; a network that is unavailable skips the test.
func Start(t testing.TB, network, addr string, s *Server) *Server {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s %s: %v", network, addr, err)
	}
	return Serve(t, ln, s)
}

// Serve serves on ln, a listener made elsewhere (in a network namespace,
// say), until the test ends.
func Serve(t testing.TB, ln net.Listener, s *Server) *Server {
	s.Addr = ln.Addr().String()
	s.ended = make(chan struct{}, 1000)
	s.Port = ln.Addr().(*net.TCPAddr).Port
	if s.Greet == "" {
		s.Greet = "220 test ESMTP"
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			go s.serve(conn, done)
		}
	}()
	return s
}

func (s *Server) reply(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.Reply[key]
	return r, ok
}

// rcptReply is the next of RcptReplies.
func (s *Server) rcptReply() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply := s.RcptReplies[min(s.rcpts, len(s.RcptReplies)-1)]
	s.rcpts++
	return reply
}

func (s *Server) note(line string) {
	s.mu.Lock()
	s.log = append(s.log, line)
	s.mu.Unlock()
}

// Commands returns the command lines received so far.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// Messages returns the message bodies received, as sent (CR LF, dots).
func (s *Server) Messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// Senders returns the MAIL FROM argument of each message received.
func (s *Server) Senders() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.senders...)
}

func (s *Server) serve(conn net.Conn, done chan struct{}) {
	defer func() {
		conn.Close()
		select {
		case s.ended <- struct{}{}:
		default:
		}
	}()
	if s.Delay > 0 {
		select {
		case <-time.After(s.Delay):
		case <-done:
			return
		}
	}
	secure := false
	if s.Implicit && s.TLS != nil {
		tc := tls.Server(conn, s.TLS)
		if tc.Handshake() != nil {
			return
		}
		conn, secure = tc, true
	}
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	send := func(text string) bool {
		if text == "DROP" {
			return false
		}
		w.WriteString(strings.ReplaceAll(text, "\n", "\r\n") + "\r\n")
		return w.Flush() == nil
	}
	if !send(s.Greet) {
		return
	}
	sender := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		s.note(line)
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if custom, ok := s.reply(verb + " " + arg); ok {
			if !send(custom) {
				return
			}
			continue
		}
		if custom, ok := s.reply(verb); ok && verb != "DATA" {
			if !send(custom) {
				return
			}
			continue
		}
		switch verb {
		case "AUTH":
			if !s.auth(arg, r, send) {
				return
			}
		case "MAIL":
			_, sender, _ = strings.Cut(arg, ":")
			send("250 ok")
		case "RCPT":
			if s.RcptReplies == nil {
				send("250 ok")
			} else if !send(s.rcptReply()) {
				return
			}
		case "EHLO":
			text := "250-test\n250-PIPELINING\n250 8BITMIME"
			if s.TLS != nil && !secure {
				text = "250-test\n250-STARTTLS\n250 8BITMIME"
			} else if s.Auth != "" {
				text = "250-test\n250-AUTH " + s.Auth + "\n250 8BITMIME"
			}
			send(text)
		case "STARTTLS":
			send("220 go ahead")
			tc := tls.Server(conn, s.TLS)
			if tc.Handshake() != nil {
				return
			}
			conn, secure = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case "DATA":
			if custom, ok := s.reply("DATA"); ok {
				if !send(custom) {
					return
				}
				if custom[0] != '3' {
					continue
				}
			} else {
				send("354 go")
			}
			var body strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(l)
			}
			s.mu.Lock()
			s.bodies = append(s.bodies, body.String())
			s.senders = append(s.senders, sender)
			s.usedTLS = append(s.usedTLS, secure)
			s.mu.Unlock()
			final, ok := s.reply("END")
			if !ok {
				final = "250 ok 1234 qp 99"
			}
			if !send(final) {
				return
			}
		case "QUIT":
			send("221 bye")
			return
		default:
			send("250 ok")
		}
	}
}

// auth answers AUTH PLAIN and AUTH LOGIN from Users: 235 or 535. It
// returns false when the connection is gone.
func (s *Server) auth(arg string, r *bufio.Reader, send func(string) bool) bool {
	mechanism, initial, _ := strings.Cut(arg, " ")
	read := func(prompt string) (string, bool) {
		if !send("334 " + base64.StdEncoding.EncodeToString([]byte(prompt))) {
			return "", false
		}
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		s.note(line)
		text, _ := base64.StdEncoding.DecodeString(line)
		return string(text), err == nil
	}
	var user, password string
	switch strings.ToUpper(mechanism) {
	case "PLAIN":
		text, _ := base64.StdEncoding.DecodeString(initial)
		parts := strings.Split(string(text), "\x00")
		if len(parts) == 3 {
			user, password = parts[1], parts[2]
		}
	case "LOGIN":
		var ok bool
		if user, ok = read("Username:"); !ok {
			return false
		}
		if password, ok = read("Password:"); !ok {
			return false
		}
	default:
		return send("504 unrecognized authentication type")
	}
	if want, ok := s.Users[user]; ok && want == password {
		return send("235 welcome")
	}
	return send("535 authentication failed")
}

// UsedTLS reports, per message received, whether it came over TLS.
func (s *Server) UsedTLS() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.usedTLS...)
}
