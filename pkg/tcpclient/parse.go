package tcpclient

import (
	"net"
	"time"
)

// ScanUlong reads a number as djb's scan_ulong: the leading digits, none
// meaning 0, and it says how many bytes it used.
func ScanUlong(s string) (uint64, int) {
	var n uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n, i
}

// ParseConnTimeout reads -T: "first+second" seconds, the second part
// optional (then 0), as the original scans it.
func ParseConnTimeout(s string) [2]time.Duration {
	first, n := ScanUlong(s)
	if n < len(s) && s[n] == '+' {
		n++
	}
	second, _ := ScanUlong(s[n:])
	return [2]time.Duration{seconds(first), seconds(second)}
}

// seconds converts a count of seconds, saturating instead of overflowing.
func seconds(n uint64) time.Duration {
	const most = uint64(1<<63-1) / uint64(time.Second)
	if n > most {
		n = most
	}
	return time.Duration(n) * time.Second
}

// ParsePort reads the port argument as the original does: all digits
// (none meaning 0, taken modulo 65536 as its 16-bit store does), or a
// service name from /etc/services.
func ParsePort(s string) (int, error) {
	if n, used := ScanUlong(s); used == len(s) {
		return int(n & 0xffff), nil
	}
	if port, err := net.LookupPort("tcp", s); err == nil {
		return port, nil
	}
	return 0, fatalf("unable to figure out port number for %s", s)
}
