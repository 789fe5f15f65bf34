package smtpd

import (
	"bytes"
	"testing"
)

func TestDataDecoding(t *testing.T) {
	cases := []struct {
		in, out string
		res     Result
		rest    string // what is left for the command reader
	}{
		{".\r\n", "", End, ""},
		{"a\r\n.\r\nQUIT\r\n", "a\n", End, "QUIT\r\n"},
		{"..x\r\n.\r\n", ".x\n", End, ""},
		{".x\r\n. y\r\n.\r\n", "x\n y\n", End, ""},
		{"a\rb\r\r\n.\r\n", "a\rb\r\n", End, ""},
		{"a\r\n.\rx\r\n.\r\n", "a\n.\rx\n", End, ""}, // the dot stays before a lone CR
		{"a\r\n.\r\r\n.\r\n", "a\n.\r\n", End, ""},
		{"a\nb", "a", StrayLF, "b"},
		{"\n", "", StrayLF, ""},
		{".\n", "", StrayLF, ""},
		{"a\r\n.\n", "a\n", StrayLF, ""},
		{"no end", "no end", More, ""},
		{"a\r", "a", More, ""}, // the CR waits for what follows
	}
	for _, c := range cases {
		d := NewData()
		used, res, out := d.Feed([]byte(c.in), nil)
		if string(out) != c.out || res != c.res || c.in[used:] != c.rest {
			t.Errorf("Feed(%q) = %q, %v, rest %q; want %q, %v, rest %q",
				c.in, out, res, c.in[used:], c.out, c.res, c.rest)
		}
	}
}

func TestHopCount(t *testing.T) {
	cases := []struct {
		header string
		hops   int
	}{
		{"Received: x\r\nDelivered-To: y\r\n\r\n", 2},
		{"RECEIVED: x\r\nreCeIvEd: x\r\ndelivered\r\n\r\n", 3},
		{"Receive: x\r\nX-Received: x\r\n\r\n", 0},
		{"Received: x\r\n\r\nReceived: in the body\r\n", 1},
		{"Receivedxyz\r\nDeliveredxyz\r\n\r\n", 2}, // no colon needed
	}
	for _, c := range cases {
		d := NewData()
		d.Feed([]byte(c.header+".\r\n"), nil)
		if d.Hops != c.hops {
			t.Errorf("%q: %d hops, want %d", c.header, d.Hops, c.hops)
		}
	}
}

// FuzzData checks the chunked decoder against a plain transliteration of
// qmail-smtpd's blast, one byte at a time, with the input cut into chunks
// where the fuzzer says.
func FuzzData(f *testing.F) {
	f.Add([]byte("Received: x\r\n\r\nbody\r\n..\r\n.\r\n"), uint8(3))
	f.Add([]byte("a\rb\r\r\n.\rx\r\n.\r\n"), uint8(1))
	f.Add([]byte("x\n.\n"), uint8(7))
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		wantOut, wantRes, wantUsed, wantHops := blastReference(in)
		d := NewData()
		var out []byte
		used, res := 0, More
		step := int(cut)%17 + 1
		for used < len(in) && res == More {
			end := min(used+step, len(in))
			var n int
			n, res, out = d.Feed(in[used:end], out)
			used += n
		}
		if !bytes.Equal(out, wantOut) || res != wantRes || used != wantUsed || d.Hops != wantHops {
			t.Fatalf("chunks of %d: %q %v used %d hops %d; reference %q %v used %d hops %d",
				step, out, res, used, d.Hops, wantOut, wantRes, wantUsed, wantHops)
		}
		if len(out) > len(in)+1 {
			t.Fatalf("%d bytes out of %d in", len(out), len(in))
		}
	})
}

// blastReference is qmail-smtpd's blast written out as in C.
func blastReference(in []byte) (out []byte, res Result, used, hops int) {
	state, inHeader, pos := 1, true, 0
	mx, my, mz := true, true, true
	for i, ch := range in {
		if inHeader {
			if pos < 9 {
				if ch != "delivered"[pos] && ch != "DELIVERED"[pos] {
					mz = false
				}
				if mz && pos == 8 {
					hops++
				}
				if pos < 8 && ch != "received"[pos] && ch != "RECEIVED"[pos] {
					mx = false
				}
				if mx && pos == 7 {
					hops++
				}
				if pos < 2 && ch != "\r\n"[pos] {
					my = false
				}
				if my && pos == 1 {
					inHeader = false
				}
			}
			pos++
			if ch == '\n' {
				pos, mx, my, mz = 0, true, true, true
			}
		}
		switch state {
		case 0:
			if ch == '\n' {
				return out, StrayLF, i + 1, hops
			}
			if ch == '\r' {
				state = 4
				continue
			}
		case 1:
			if ch == '\n' {
				return out, StrayLF, i + 1, hops
			}
			if ch == '.' {
				state = 2
				continue
			}
			if ch == '\r' {
				state = 4
				continue
			}
			state = 0
		case 2:
			if ch == '\n' {
				return out, StrayLF, i + 1, hops
			}
			if ch == '\r' {
				state = 3
				continue
			}
			state = 0
		case 3:
			if ch == '\n' {
				return out, End, i + 1, hops
			}
			out = append(out, '.', '\r')
			if ch == '\r' {
				state = 4
				continue
			}
			state = 0
		case 4:
			if ch == '\n' {
				state = 1
				break
			}
			if ch != '\r' {
				out = append(out, '\r')
				state = 0
			}
		}
		out = append(out, ch)
	}
	return out, More, len(in), hops
}
