// Package tcpto owns queue/lock/tcpto, qmail-remote's memory of hosts
// whose SMTP port recently timed out (qmail's tcpto.c, tcpto_clean.c,
// qmail-tcpto and qmail-tcpok), extended to IPv6.
//
// File format. The first 1024 bytes are qmail's table, byte for byte: 64
// records of 16 bytes, each an IPv4 address (bytes 0-3), the number of
// consecutive timeouts (byte 4, 0..10; 0 means a free record) and the
// time of the last one (bytes 8-11, seconds since 1970, little-endian).
// The next 1024 bytes hold 32 IPv6 records of 32 bytes each: the address
// (bytes 0-15), the count (byte 16) and the time (bytes 24-31, 64-bit
// little-endian). A file of only 1024 bytes, as qmail's installer makes
// it, simply has no IPv6 records until Clear (run by qmail-rspawn at start
// and by qmail-tcpok) writes the full 2048 bytes; a C qmail-tcpto reading
// the file still sees the IPv4 half correctly.
package tcpto

import (
	"encoding/binary"
	"io"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// Size is the full file: the IPv4 table, then the IPv6 table.
const Size = v4Size + v6Size

const (
	v4Size   = 1024
	v4Record = 16
	v6Size   = 1024
	v6Record = 32
	maxCount = 10
)

// Table is the timeout table at Path.
type Table struct {
	Path string
	// Now and PID are the clock and the process id that spread the
	// back-off time; tests set them.
	Now func() time.Time
	PID int
}

// Open returns the table at path for this process.
func Open(path string) *Table {
	return &Table{Path: path, Now: time.Now, PID: os.Getpid()}
}

// Entry is one record in use.
type Entry struct {
	Addr  netip.Addr
	Count int
	Last  time.Time
}

// record is where an address's record lives in the file.
type record struct {
	offset int
	size   int
}

func (r record) family6() bool { return r.size == v6Record }

func (r record) addr(buf []byte) netip.Addr {
	if r.family6() {
		return netip.AddrFrom16([16]byte(buf[r.offset : r.offset+16]))
	}
	return netip.AddrFrom4([4]byte(buf[r.offset : r.offset+4]))
}

func (r record) count(buf []byte) int {
	if r.family6() {
		return int(buf[r.offset+16])
	}
	return int(buf[r.offset+4])
}

func (r record) last(buf []byte) int64 {
	if r.family6() {
		return int64(binary.LittleEndian.Uint64(buf[r.offset+24:]))
	}
	return int64(binary.LittleEndian.Uint32(buf[r.offset+8:]))
}

func (r record) set(buf []byte, addr netip.Addr, count int, when int64) {
	b := buf[r.offset : r.offset+r.size]
	if r.family6() {
		a := addr.As16()
		copy(b, a[:])
		b[16] = byte(count)
		binary.LittleEndian.PutUint64(b[24:], uint64(when))
		return
	}
	a := addr.As4()
	copy(b, a[:])
	b[4] = byte(count)
	binary.LittleEndian.PutUint32(b[8:], uint32(when))
}

// records lists the records of addr's family that the data holds.
func records(buf []byte, six bool) []record {
	var list []record
	if !six {
		for off := 0; off+v4Record <= len(buf) && off < v4Size; off += v4Record {
			list = append(list, record{off, v4Record})
		}
		return list
	}
	for off := v4Size; off+v6Record <= len(buf); off += v6Record {
		list = append(list, record{off, v6Record})
	}
	return list
}

func is6(addr netip.Addr) bool { return !addr.Unmap().Is4() }

// locked opens the file for writing, takes the exclusive lock and reads
// the table, as tcpto.c's getbuf does. The caller closes the file.
func (t *Table) locked() (*os.File, []byte, error) {
	f, err := os.OpenFile(t.Path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, &Error{"open", err}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, nil, &Error{"lock", err}
	}
	buf := make([]byte, Size)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		f.Close()
		return nil, nil, &Error{"read", err}
	}
	return f, buf[:n], nil
}

// Down reports whether addr timed out at least twice, the last time
// recently enough that it should be skipped: less than (60 + pid%32)*64
// seconds ago, so that different qmail-remotes retry it at different
// times. known says whether the table has a record for addr, which
// Record needs. Any trouble with the file means "not down".
func (t *Table) Down(addr netip.Addr) (down, known bool) {
	addr = addr.Unmap()
	f, buf, err := t.locked()
	if err != nil {
		return false, false
	}
	f.Close()
	for _, r := range records(buf, is6(addr)) {
		if r.addr(buf) != addr {
			continue
		}
		if r.count(buf) >= 2 {
			backoff := int64((60 + (t.PID & 31)) << 6)
			return t.Now().Unix()-r.last(buf) < backoff, true
		}
		return false, true
	}
	return false, false
}

// Record notes the outcome of a connection attempt to addr: a time-out
// counts one more failure (at most one per 120 seconds); any other
// outcome resets the count, but only for an address that had a record
// (known, from Down), to spare the lock in the common case.
func (t *Table) Record(addr netip.Addr, timedOut, known bool) {
	if !timedOut && !known {
		return
	}
	addr = addr.Unmap()
	f, buf, err := t.locked()
	if err != nil {
		return
	}
	defer f.Close()
	list := records(buf, is6(addr))
	if len(list) == 0 {
		return
	}
	now := t.Now().Unix()
	for _, r := range list {
		if r.addr(buf) != addr {
			continue
		}
		count := 0
		when := r.last(buf)
		if timedOut {
			if r.count(buf) > 0 && now < 120+when {
				return
			}
			count, when = min(r.count(buf)+1, maxCount), now
		}
		r.set(buf, addr, count, when)
		f.WriteAt(buf[r.offset:r.offset+r.size], int64(r.offset))
		return
	}
	if !timedOut {
		return
	}
	r := slotFor(buf, list)
	r.set(buf, addr, 1, now)
	f.WriteAt(buf[r.offset:r.offset+r.size], int64(r.offset))
}

// slotFor picks the record a new address takes: the first free one, or
// else the one with the smallest last + count*1024, the least worth
// remembering.
func slotFor(buf []byte, list []record) record {
	for _, r := range list {
		if r.count(buf) == 0 {
			return r
		}
	}
	best, bestWhen := list[0], int64(0)
	for i, r := range list {
		when := r.last(buf) + int64(r.count(buf))<<10
		if i == 0 || when < bestWhen {
			best, bestWhen = r, when
		}
	}
	return best
}

// Clear zeroes the whole table (qmail-tcpok, and qmail-rspawn at start),
// writing both halves so IPv6 records have room. The file must exist.
func Clear(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return &Error{"open", err}
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return &Error{"lock", err}
	}
	if _, err := f.WriteAt(make([]byte, Size), 0); err != nil {
		return &Error{"write", err}
	}
	if err := f.Close(); err != nil {
		return &Error{"write", err}
	}
	return nil
}

// List returns the records in use (count at least 1), IPv4 first, in
// file order, as qmail-tcpto prints them.
func List(path string) ([]Entry, error) {
	t := &Table{Path: path}
	f, buf, err := t.locked()
	if err != nil {
		return nil, err
	}
	f.Close()
	var entries []Entry
	for _, six := range []bool{false, true} {
		for _, r := range records(buf, six) {
			if r.count(buf) >= 1 {
				entries = append(entries, Entry{Addr: r.addr(buf), Count: r.count(buf), Last: time.Unix(r.last(buf), 0)})
			}
		}
	}
	return entries, nil
}

// Error says which step on the file failed: "open", "lock", "read" or
// "write", the steps qmail-tcpto and qmail-tcpok name in their messages.
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return "unable to " + e.Op + " tcpto: " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }
