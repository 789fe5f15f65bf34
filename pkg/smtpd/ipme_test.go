package smtpd

import (
	"net"
	"testing"
)

// TestLocalIPsMatchInterfaces checks the ioctl list against what the
// standard library's netlink dumps say: the IPv4 addresses of interfaces
// that are up, plus 0.0.0.0.
func TestLocalIPsMatchInterfaces(t *testing.T) {
	got, err := LocalIPs()
	if err != nil {
		t.Fatal(err)
	}
	want := map[[4]byte]bool{{0, 0, 0, 0}: true}
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && len(n.Mask) == net.IPv4len && n.IP.To4() != nil {
				want[[4]byte(n.IP.To4())] = true
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("LocalIPs = %v, want %v", got, want)
	}
	for ip := range want {
		if !got[ip] {
			t.Errorf("LocalIPs lacks %v (has %v)", ip, got)
		}
	}
	if !IsMe([4]byte{127, 0, 0, 1}) {
		t.Error("127.0.0.1 is not me")
	}
	if IsMe([4]byte{192, 0, 2, 1}) {
		t.Error("192.0.2.1 (TEST-NET-1) is me")
	}
}
