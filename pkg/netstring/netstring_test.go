package netstring

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
		err   error
	}{
		{"hello", "12:hello world!,", 100, "hello world!", nil},
		{"empty", "0:,", 100, "", nil},
		{"binary", "3:\x00:,,", 100, "\x00:,", nil},
		{"at limit", "5:abcde,", 5, "abcde", nil},
		{"over limit", "6:abcdef,", 5, "", ErrTooLong},
		{"over MaxLen", "200000001:", 1 << 40, "", ErrTooLong},
		{"too many digits", "00000000001:x,", 100, "", ErrFormat},
		{"leading zeros", "005:abcde,", 100, "abcde", nil},
		{"no digits", ":,", 100, "", ErrFormat},
		{"letter", "1a:x,", 100, "", ErrFormat},
		{"plus", "+1:x,", 100, "", ErrFormat},
		{"space", " 1:x,", 100, "", ErrFormat},
		{"no comma", "1:xy", 100, "", ErrFormat},
		{"short body", "5:abc", 100, "", io.ErrUnexpectedEOF},
		{"no colon", "12", 100, "", io.ErrUnexpectedEOF},
		{"missing comma at end", "1:x", 100, "", io.ErrUnexpectedEOF},
		{"nothing", "", 100, "", io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewReader(strings.NewReader(tc.in)).Read(tc.limit)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if err == nil && string(got) != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadLenUsed(t *testing.T) {
	r := NewReader(strings.NewReader("123:"))
	n, used, err := r.ReadLen()
	if n != 123 || used != 4 || err != nil {
		t.Fatalf("got %d %d %v", n, used, err)
	}
}

func TestSequence(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, s := range []string{"a", "", "bc", strings.Repeat("x", 1000)} {
		if err := w.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(buf.String(), "1:a,0:,2:bc,1000:x") {
		t.Fatalf("encoding %q", buf.String()[:20])
	}
	r := NewReader(&buf)
	for _, want := range []string{"a", "", "bc", strings.Repeat("x", 1000)} {
		got, err := r.Read(1000)
		if err != nil || string(got) != want {
			t.Fatalf("got %q %v, want %q", got, err, want)
		}
	}
	if _, err := r.Read(10); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

func TestEncode(t *testing.T) {
	tests := map[string]string{"": "0:,", "hello world!": "12:hello world!,", ",": "1:,,"}
	for in, want := range tests {
		if got := string(Encode([]byte(in))); got != want {
			t.Errorf("Encode(%q) = %q, want %q", in, got, want)
		}
		if got := string(AppendString([]byte("x"), in)); got != "x"+want {
			t.Errorf("AppendString(%q) = %q", in, got)
		}
	}
}

// FuzzRead checks that the reader never panics, never returns more than
// its limit, and that whatever it decodes encodes back to the bytes read.
func FuzzRead(f *testing.F) {
	for _, s := range []string{"12:hello world!,", "0:,", "3:abc", "99999999999:", "5:ab,", ":,"} {
		f.Add([]byte(s), 10)
	}
	f.Fuzz(func(t *testing.T, in []byte, limit int) {
		if limit < 0 || limit > 1<<16 {
			return
		}
		body, err := NewReader(bytes.NewReader(in)).Read(limit)
		if err != nil {
			return
		}
		if len(body) > limit {
			t.Fatalf("body of %d bytes over limit %d", len(body), limit)
		}
		enc := Encode(body)
		if !bytes.HasPrefix(in, enc) {
			// Leading zeros are the one legal difference.
			trimmed := bytes.TrimLeft(in, "0")
			if !bytes.HasPrefix(trimmed, enc) && !(len(body) == 0 && bytes.Contains(in, []byte(":,"))) {
				t.Fatalf("decoded %q from %q, re-encoded %q", body, in, enc)
			}
		}
	})
}
