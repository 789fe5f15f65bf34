// Package dnstest runs a DNS server on loopback for tests, so that no test
// ever asks the machine's own resolver. Point a program at it with
// DNSCACHEIP=server.Addr (resolver accepts host:port there).
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server answers from a fixed set of records, over UDP and TCP on the same
// loopback port.
type Server struct {
	// Addr is "127.0.0.1:PORT", ready for DNSCACHEIP.
	Addr string

	mu      sync.Mutex
	records map[key][]dns.RR
	// Hang lists names (lower case, with trailing dot) whose queries are
	// never answered, to test time-outs.
	hang map[string]bool
	// ServFail lists names answered with SERVFAIL.
	servFail map[string]bool
	queries  []string
	closed   chan struct{} // closed when the test ends, to release hung queries
}

type key struct {
	name  string
	qtype uint16
}

// Start runs a server on 127.0.0.1 until the test ends. Zone lines are in
// master-file syntax, e.g. "example.test. MX 10 mx.example.test." or
// "1.0.0.127.in-addr.arpa. PTR localhost."; a TTL and class are optional.
func Start(t testing.TB, zone ...string) *Server {
	t.Helper()
	s := &Server{records: map[key][]dns.RR{}, hang: map[string]bool{}, servFail: map[string]bool{}, closed: make(chan struct{})}
	for _, line := range zone {
		s.Add(t, line)
	}
	udp, tcp, err := listenBoth()
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = udp.LocalAddr().String()
	handler := dns.HandlerFunc(s.serve)
	udpServer := &dns.Server{PacketConn: udp, Handler: handler}
	tcpServer := &dns.Server{Listener: tcp, Handler: handler}
	go udpServer.ActivateAndServe()
	go tcpServer.ActivateAndServe()
	t.Cleanup(func() {
		close(s.closed)
		udpServer.Shutdown()
		tcpServer.Shutdown()
	})
	return s
}

// Add adds one record in master-file syntax.
func (s *Server) Add(t testing.TB, line string) {
	t.Helper()
	rr, err := dns.NewRR(line)
	if err != nil {
		t.Fatalf("dnstest: bad record %q: %v", line, err)
	}
	k := key{strings.ToLower(rr.Header().Name), rr.Header().Rrtype}
	s.mu.Lock()
	s.records[k] = append(s.records[k], rr)
	s.mu.Unlock()
}

// Hang makes queries for name go unanswered.
func (s *Server) Hang(name string) {
	s.mu.Lock()
	s.hang[dns.Fqdn(strings.ToLower(name))] = true
	s.mu.Unlock()
}

// ServFail makes queries for name fail with SERVFAIL.
func (s *Server) ServFail(name string) {
	s.mu.Lock()
	s.servFail[dns.Fqdn(strings.ToLower(name))] = true
	s.mu.Unlock()
}

// Queries returns the questions asked so far, as "TYPE name".
func (s *Server) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	s.queries = append(s.queries, dns.TypeToString[q.Qtype]+" "+name)
	hang, fail := s.hang[name], s.servFail[name]
	answer := append([]dns.RR(nil), s.records[key{name, q.Qtype}]...)
	cname := s.records[key{name, dns.TypeCNAME}]
	exists := s.nameExists(name)
	s.mu.Unlock()
	if hang {
		select {
		case <-s.closed:
		case <-time.After(time.Minute):
		}
		return
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	switch {
	case fail:
		m.Rcode = dns.RcodeServerFailure
	case len(answer) > 0:
		m.Answer = answer
	case len(cname) > 0:
		m.Answer = cname
	case !exists:
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

// nameExists tells NXDOMAIN from "no records of this type".
func (s *Server) nameExists(name string) bool {
	for k := range s.records {
		if k.name == name {
			return true
		}
	}
	return false
}

// listenBoth finds a loopback port free for both UDP and TCP; the port the
// kernel picks for UDP may already be taken for TCP, so it tries again.
func listenBoth() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for try := 0; try < 20; try++ {
		udp, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		tcp, err := net.Listen("tcp", udp.LocalAddr().String())
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		lastErr = err
	}
	return nil, nil, lastErr
}
