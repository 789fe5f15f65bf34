package smtpd

import (
	"net"
	"sync"
)

var (
	ipmeOnce sync.Once
	ipmeList map[[4]byte]bool
	ipmeErr  error
)

// LocalIPs returns this host's IPv4 addresses as qmail's ipme does: every
// address of an interface that is up, and 0.0.0.0, which RFC 1122 makes
// mean "this host".
func LocalIPs() (map[[4]byte]bool, error) {
	ipmeOnce.Do(func() {
		ipmeList = map[[4]byte]bool{{0, 0, 0, 0}: true}
		ifaces, err := net.Interfaces()
		if err != nil {
			ipmeErr = err
			return
		}
		for _, iface := range ifaces {
			if iface.Flags&net.FlagUp == 0 {
				continue
			}
			addrs, err := iface.Addrs()
			if err != nil {
				ipmeErr = err
				return
			}
			for _, a := range addrs {
				// An IPv4 address carries a 4-byte mask; an IPv6 one
				// such as ::ffff:a.b.c.d is not an IPv4 address of ours.
				n, ok := a.(*net.IPNet)
				if ok && len(n.Mask) == net.IPv4len && n.IP.To4() != nil {
					ipmeList[[4]byte(n.IP.To4())] = true
				}
			}
		}
	})
	return ipmeList, ipmeErr
}

// IsMe says whether ip is one of LocalIPs; an error finding them counts as
// "no".
func IsMe(ip [4]byte) bool {
	list, _ := LocalIPs()
	return list[ip]
}
