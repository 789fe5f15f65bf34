package tcpserver

import (
	"bufio"
	"net"
	"net/netip"
	"time"
)

// maxInfo bounds the ident answer kept, as the original does.
const maxInfo = 256

// Ident asks the client's RFC 1413 server (port 113) who owns the
// connection, from the local address of the connection, within timeout in
// all. It returns the text after the third colon of the answer, or false
// if there was no usable answer in time.
func Ident(remote netip.Addr, remotePort string, local netip.Addr, localPort string, timeout time.Duration) (string, bool) {
	if timeout <= 0 {
		return "", false
	}
	deadline := time.Now().Add(timeout)
	d := net.Dialer{
		Deadline:  deadline,
		LocalAddr: &net.TCPAddr{IP: local.AsSlice(), Zone: local.Zone()},
	}
	conn, err := d.Dial("tcp", netip.AddrPortFrom(remote, 113).String())
	if err != nil {
		return "", false
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	if _, err := conn.Write([]byte(remotePort + " , " + localPort + "\r\n")); err != nil {
		return "", false
	}
	return parseIdent(bufio.NewReader(conn))
}

// parseIdent reads one answer line and keeps what follows its third colon
// (the user id), as the original does: spaces, tabs and carriage returns
// are dropped wherever they are, and at most maxInfo+1 bytes are kept. An
// answer without three colons gives an empty id.
func parseIdent(r *bufio.Reader) (string, bool) {
	var info []byte
	colons := 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			return "", false
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r':
		case c == '\n':
			return string(info), true
		case colons < 3:
			if c == ':' {
				colons++
			}
		default:
			info = append(info, c)
			if len(info) > maxInfo {
				return string(info), true
			}
		}
	}
}
