package resolver

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// Record types asked for.
const (
	TypeA    = 1
	TypePTR  = 12
	TypeMX   = 15
	TypeTXT  = 16
	TypeAAAA = 28
)

const classIN = 1

// Client asks DNS servers directly, as djbdns's client library does: it
// never reads /etc/hosts and never appends a search domain, so a name means
// the same thing to every quail program and in every test.
type Client struct {
	Servers  []string        // host:port
	Timeouts []time.Duration // one round over all servers per entry
}

// Error is a failed lookup. NotFound is a permanent answer (no such name,
// or no records of the type); anything else is temporary.
type Error struct {
	Name     string
	NotFound bool
	Err      error
}

func (e *Error) Error() string {
	if e.NotFound {
		return "no such DNS record: " + e.Name
	}
	return fmt.Sprintf("temporary DNS failure for %s: %v", e.Name, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Default is the client for this process: the servers in DNSCACHEIP, or the
// nameserver lines of /etc/resolv.conf, or 127.0.0.1 as djbdns assumes.
func Default() *Client {
	servers := parseServers(os.Getenv(EnvVar))
	if len(servers) == 0 {
		servers = resolvConfServers("/etc/resolv.conf")
	}
	if len(servers) == 0 {
		servers = []string{"127.0.0.1:53"}
	}
	return &Client{Servers: servers, Timeouts: []time.Duration{time.Second, 3 * time.Second, 11 * time.Second}}
}

func resolvConfServers(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var list []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			list = append(list, f[1])
		}
	}
	return parseServers(strings.Join(list, " "))
}

// Answer is one resource record of the answer section.
type Answer struct {
	Type uint16
	Data []byte // rdata, with names in it already decompressed for PTR and MX
	Pref uint16 // MX preference
}

// Query asks for records of qtype at name and returns the answers of that
// type (whatever their owner, so CNAME chains resolved by the server count).
// A name that does not exist gives an empty list, as one without records.
func (c *Client) Query(ctx context.Context, name string, qtype uint16) ([]Answer, error) {
	return c.query(ctx, name, qtype, false)
}

// query asks the servers in turn, with each timeout in turn, until one
// answers. noSuchName makes NXDOMAIN a NotFound error rather than an
// empty list.
func (c *Client) query(ctx context.Context, name string, qtype uint16, noSuchName bool) ([]Answer, error) {
	query, id, err := buildQuery(name, qtype)
	if err != nil {
		return nil, &Error{Name: name, NotFound: true, Err: err}
	}
	var last error = errors.New("no servers")
	for _, timeout := range c.Timeouts {
		for _, server := range c.Servers {
			if ctx.Err() != nil {
				return nil, &Error{Name: name, Err: ctx.Err()}
			}
			reply, err := exchange(ctx, server, query, id, timeout)
			if err != nil {
				last = err
				continue
			}
			if noSuchName && reply[3]&0x0f == 3 {
				return nil, &Error{Name: name, NotFound: true}
			}
			answers, err := parseReply(reply, qtype)
			if err != nil {
				var dnsErr *Error
				if errors.As(err, &dnsErr) {
					dnsErr.Name = name
					return nil, dnsErr
				}
				last = err
				continue
			}
			return answers, nil
		}
	}
	return nil, &Error{Name: name, Err: last}
}

// PTR returns the first name the reverse zone gives for addr, in djbdns's
// form: lower case, no final dot, unusual bytes as \ooo. An address without
// a name gives NotFound.
func (c *Client) PTR(ctx context.Context, addr netip.Addr) (string, error) {
	name := reverseName(addr)
	answers, err := c.Query(ctx, name, TypePTR)
	if err != nil {
		return "", err
	}
	if len(answers) == 0 {
		return "", &Error{Name: name, NotFound: true}
	}
	return string(answers[0].Data), nil
}

// PTRNames returns every name the reverse zone gives for addr, in the
// form PTR gives the first one; none is an empty list.
func (c *Client) PTRNames(ctx context.Context, addr netip.Addr) ([]string, error) {
	answers, err := c.Query(ctx, reverseName(addr), TypePTR)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(answers))
	for _, a := range answers {
		names = append(names, string(a.Data))
	}
	return names, nil
}

// IPs returns the addresses of name: its AAAA records, then its A records,
// as the IPv6 build of ucspi-tcp asks for them. An address literal is
// returned as it is.
func (c *Client) IPs(ctx context.Context, name string) ([]netip.Addr, error) {
	if addr, err := netip.ParseAddr(name); err == nil {
		return []netip.Addr{addr}, nil
	}
	var addrs []netip.Addr
	var firstErr error
	for _, qtype := range []uint16{TypeAAAA, TypeA} {
		answers, err := c.Query(ctx, name, qtype)
		if err != nil {
			if !IsNotFound(err) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, a := range answers {
			if addr, ok := netip.AddrFromSlice(a.Data); ok {
				addrs = append(addrs, addr)
			}
		}
	}
	if len(addrs) == 0 {
		if firstErr != nil {
			return nil, firstErr
		}
		return nil, &Error{Name: name, NotFound: true}
	}
	return addrs, nil
}

// TXT returns the TXT records of name, each one's strings joined.
func (c *Client) TXT(ctx context.Context, name string) ([]string, error) {
	answers, err := c.Query(ctx, name, TypeTXT)
	if err != nil {
		return nil, err
	}
	var texts []string
	for _, a := range answers {
		texts = append(texts, joinCharacterStrings(a.Data))
	}
	return texts, nil
}

func joinCharacterStrings(data []byte) string {
	var b strings.Builder
	for len(data) > 0 {
		n := int(data[0])
		data = data[1:]
		if n > len(data) {
			n = len(data)
		}
		b.Write(data[:n])
		data = data[n:]
	}
	return b.String()
}

// reverseName is addr's name under in-addr.arpa or ip6.arpa (nibbles).
func reverseName(addr netip.Addr) string {
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		b := addr.As4()
		return fmt.Sprintf("%d.%d.%d.%d.in-addr.arpa", b[3], b[2], b[1], b[0])
	}
	b := addr.As16()
	var s strings.Builder
	const hex = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		s.WriteByte(hex[b[i]&15])
		s.WriteByte('.')
		s.WriteByte(hex[b[i]>>4])
		s.WriteByte('.')
	}
	s.WriteString("ip6.arpa")
	return s.String()
}

// buildQuery encodes one question with recursion desired.
func buildQuery(name string, qtype uint16) ([]byte, uint16, error) {
	var idBytes [2]byte
	_, _ = rand.Read(idBytes[:])
	id := binary.BigEndian.Uint16(idBytes[:])
	msg := make([]byte, 12, 12+len(name)+6)
	binary.BigEndian.PutUint16(msg[0:], id)
	msg[2] = 0x01 // RD
	msg[5] = 1    // QDCOUNT
	name = strings.TrimSuffix(name, ".")
	if len(name) > 253 {
		return nil, 0, errors.New("name too long")
	}
	if name != "" {
		for _, label := range strings.Split(name, ".") {
			if label == "" || len(label) > 63 {
				return nil, 0, errors.New("bad label")
			}
			msg = append(msg, byte(len(label)))
			msg = append(msg, label...)
		}
	}
	msg = append(msg, 0, byte(qtype>>8), byte(qtype), 0, classIN)
	return msg, id, nil
}

// exchange sends query to server over UDP, and over TCP when the answer
// was truncated.
func exchange(ctx context.Context, server string, query []byte, id uint16, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	if _, err := conn.Write(query); err != nil {
		return nil, err
	}
	buf := make([]byte, 65536)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		reply := buf[:n]
		if !sameQuestion(reply, query, id) {
			continue // a stray or forged packet: keep waiting
		}
		if reply[2]&0x02 != 0 {
			return exchangeTCP(ctx, server, query, id)
		}
		return append([]byte(nil), reply...), nil
	}
}

func exchangeTCP(ctx context.Context, server string, query []byte, id uint16) ([]byte, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	framed := append([]byte{byte(len(query) >> 8), byte(len(query))}, query...)
	if _, err := conn.Write(framed); err != nil {
		return nil, err
	}
	var size [2]byte
	if _, err := readFull(conn, size[:]); err != nil {
		return nil, err
	}
	reply := make([]byte, binary.BigEndian.Uint16(size[:]))
	if _, err := readFull(conn, reply); err != nil {
		return nil, err
	}
	if !sameQuestion(reply, query, id) {
		return nil, errors.New("mismatched reply")
	}
	return reply, nil
}

func readFull(conn net.Conn, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := conn.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// sameQuestion checks the reply's id, QR bit and question section.
func sameQuestion(reply, query []byte, id uint16) bool {
	if len(reply) < len(query) || binary.BigEndian.Uint16(reply) != id || reply[2]&0x80 == 0 {
		return false
	}
	if binary.BigEndian.Uint16(reply[4:]) != 1 {
		return false
	}
	return strings.EqualFold(string(reply[12:len(query)]), string(query[12:]))
}
