package smtpd

import (
	"encoding/binary"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

var (
	ipmeOnce sync.Once
	ipmeList map[[4]byte]bool
	ipmeErr  error
)

// LocalIPs returns this host's IPv4 addresses as qmail's ipme does: every
// address of an interface that is up, and 0.0.0.0, which RFC 1122 makes
// mean "this host". Like ipme it asks the kernel with SIOCGIFCONF and
// SIOCGIFFLAGS: a few ioctls, where net.Interfaces makes three netlink
// dumps, which every qmail-smtpd session would pay for.
func LocalIPs() (map[[4]byte]bool, error) {
	ipmeOnce.Do(func() {
		ipmeList, ipmeErr = interfaceAddrs()
	})
	return ipmeList, ipmeErr
}

// IsMe says whether ip is one of LocalIPs; an error finding them counts as
// "no".
func IsMe(ip [4]byte) bool {
	list, _ := LocalIPs()
	return list[ip]
}

// ifreqSize is the size of the kernel's struct ifreq, a name and a union.
const ifreqSize = int(unsafe.Sizeof(unix.Ifreq{}))

// ifconf is the kernel's struct ifconf.
type ifconf struct {
	len int32
	buf *byte
}

func interfaceAddrs() (map[[4]byte]bool, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	records, err := ifreqs(fd)
	if err != nil {
		return nil, err
	}
	list := map[[4]byte]bool{{0, 0, 0, 0}: true}
	for len(records) >= ifreqSize {
		rec := records[:ifreqSize]
		records = records[ifreqSize:]
		name := unix.ByteSliceToString(rec[:unix.IFNAMSIZ])
		sockaddr := rec[unix.IFNAMSIZ:]
		if binary.NativeEndian.Uint16(sockaddr) != unix.AF_INET {
			continue
		}
		ip := [4]byte(sockaddr[4:8]) // after the family and the port
		if up, err := interfaceUp(fd, name); err == nil && up {
			list[ip] = true
		}
	}
	return list, nil
}

// ifreqs is SIOCGIFCONF's list of ifreq records, asked for with a buffer
// that grows until the answer leaves room to spare, as ipme does.
func ifreqs(fd int) ([]byte, error) {
	for size := 4096; ; size *= 2 {
		buf := make([]byte, size)
		ifc := ifconf{len: int32(size), buf: &buf[0]}
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCGIFCONF, uintptr(unsafe.Pointer(&ifc)))
		if errno != 0 {
			return nil, errno
		}
		if int(ifc.len)+ifreqSize+64 < size || size >= 1<<24 {
			return buf[:ifc.len], nil
		}
	}
}

func interfaceUp(fd int, name string) (bool, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return false, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return false, err
	}
	return ifr.Uint16()&unix.IFF_UP != 0, nil
}
