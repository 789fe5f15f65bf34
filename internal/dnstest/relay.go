package dnstest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

// OnPort53 makes the server reachable on port 53 of a random 127/8
// address as well, and returns that address: djbdns-era C programs take
// only addresses in DNSCACHEIP, never a port, so differential tests point
// them there. Binding port 53 needs root; without it the test is skipped.
// The relay passes each UDP query and TCP connection on to the server.
func (s *Server) OnPort53(t testing.TB) string {
	t.Helper()
	var udp *net.UDPConn
	var tcp net.Listener
	var ip string
	for try := 0; try < 20 && tcp == nil; try++ {
		ip = fmt.Sprintf("127.%d.%d.%d", rand.IntN(200)+20, rand.IntN(250)+1, rand.IntN(250)+1)
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip), Port: 53})
		if err != nil {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "53"))
		if err != nil {
			u.Close()
			continue
		}
		udp, tcp = u, l
	}
	if tcp == nil {
		t.Skip("cannot listen on port 53 of a loopback address (needs root)")
	}
	t.Cleanup(func() { udp.Close(); tcp.Close() })
	go s.relayUDP(udp)
	go s.relayTCP(tcp)
	return ip
}

func (s *Server) relayUDP(conn *net.UDPConn) {
	buf := make([]byte, 65536)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		query := append([]byte(nil), buf[:n]...)
		go func() {
			up, err := net.Dial("udp", s.Addr)
			if err != nil {
				return
			}
			defer up.Close()
			up.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := up.Write(query); err != nil {
				return
			}
			reply := make([]byte, 65536)
			m, err := up.Read(reply)
			if err != nil {
				return
			}
			conn.WriteToUDP(reply[:m], from)
		}()
	}
}

func (s *Server) relayTCP(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			up, err := net.Dial("tcp", s.Addr)
			if err != nil {
				return
			}
			defer up.Close()
			go io.Copy(up, conn)
			io.Copy(conn, up)
		}()
	}
}
