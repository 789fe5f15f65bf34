package tcpto

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func newTable(t *testing.T, size int) (*Table, *time.Time) {
	path := filepath.Join(t.TempDir(), "tcpto")
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	return &Table{Path: path, Now: func() time.Time { return now }, PID: 0}, &now
}

func TestTimeoutsMarkDown(t *testing.T) {
	for _, addr := range []netip.Addr{netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("2001:db8::7")} {
		t.Run(addr.String(), func(t *testing.T) {
			tab, now := newTable(t, Size)
			if down, known := tab.Down(addr); down || known {
				t.Fatalf("fresh table: down=%v known=%v", down, known)
			}
			tab.Record(addr, true, false)
			if down, known := tab.Down(addr); down || !known {
				t.Fatalf("one timeout: down=%v known=%v, want up and known", down, known)
			}
			// A second timeout within 120 s is not counted.
			*now = now.Add(60 * time.Second)
			tab.Record(addr, true, true)
			if down, _ := tab.Down(addr); down {
				t.Fatal("second timeout within 120 s counted")
			}
			*now = now.Add(100 * time.Second)
			tab.Record(addr, true, true)
			if down, _ := tab.Down(addr); !down {
				t.Fatal("two timeouts should mark the address down")
			}
			// Down for (60 + pid%32) * 64 seconds = 3840 s with pid 0.
			*now = now.Add(3839 * time.Second)
			if down, _ := tab.Down(addr); !down {
				t.Fatal("should still be down after 3839 s")
			}
			*now = now.Add(time.Second)
			if down, _ := tab.Down(addr); down {
				t.Fatal("should be retried after 3840 s")
			}
			// A success resets the count.
			*now = now.Add(-time.Hour)
			tab.Record(addr, false, true)
			if down, known := tab.Down(addr); down || !known {
				t.Fatalf("after success: down=%v known=%v", down, known)
			}
			entries, err := List(tab.Path)
			if err != nil || len(entries) != 0 {
				t.Fatalf("List after reset = %v, %v", entries, err)
			}
		})
	}
}

// TestQmailFormat checks the IPv4 half byte by byte against qmail's layout.
func TestQmailFormat(t *testing.T) {
	tab, now := newTable(t, 1024)
	addr := netip.MustParseAddr("10.1.2.3")
	tab.Record(addr, true, false)
	data, _ := os.ReadFile(tab.Path)
	if len(data) != 1024 {
		t.Fatalf("file grew to %d bytes", len(data))
	}
	want := make([]byte, 16)
	copy(want, []byte{10, 1, 2, 3, 1})
	binary.LittleEndian.PutUint32(want[8:], uint32(now.Unix()))
	if !bytes.Equal(data[:16], want) {
		t.Errorf("record % x, want % x", data[:16], want)
	}
	// A 1024-byte file (qmail's) has no room for IPv6: nothing recorded.
	tab.Record(netip.MustParseAddr("2001:db8::1"), true, false)
	if data, _ := os.ReadFile(tab.Path); len(data) != 1024 {
		t.Errorf("IPv6 record written into a qmail-sized file")
	}
	// Clear makes room for both halves.
	if err := Clear(tab.Path); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(tab.Path); !bytes.Equal(data, make([]byte, Size)) {
		t.Errorf("Clear left %d bytes, not %d zeros", len(data), Size)
	}
}

// TestFullTable: with every record in use, a new address replaces the one
// with the smallest last + count*1024.
func TestFullTable(t *testing.T) {
	tab, now := newTable(t, Size)
	start := *now
	for i := 0; i < 64; i++ {
		*now = start.Add(time.Duration(i) * time.Second)
		tab.Record(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), true, false)
	}
	*now = start.Add(time.Hour)
	tab.Record(netip.MustParseAddr("10.0.1.0"), true, false)
	data, _ := os.ReadFile(tab.Path)
	if !bytes.Equal(data[:4], []byte{10, 0, 1, 0}) {
		t.Errorf("the oldest record (10.0.0.0) should be replaced, first record is % x", data[:4])
	}
	entries, _ := List(tab.Path)
	if len(entries) != 64 {
		t.Errorf("%d entries, want 64", len(entries))
	}
}

func TestMissingFile(t *testing.T) {
	tab := &Table{Path: filepath.Join(t.TempDir(), "none"), Now: time.Now}
	addr := netip.MustParseAddr("192.0.2.1")
	tab.Record(addr, true, false)
	if down, known := tab.Down(addr); down || known {
		t.Error("a missing table should mean every host is up")
	}
	if _, err := List(tab.Path); err == nil {
		t.Error("List of a missing file should fail")
	}
}
