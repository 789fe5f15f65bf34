package crlf

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func apply(t Transform, in string) string {
	return string(t.End(t.Append(nil, []byte(in))))
}

// The expected outputs are those of the C programs (checked side by side
// in cmd/addcr, cmd/delcr and cmd/fixcrio).
func TestTransforms(t *testing.T) {
	for _, tc := range []struct {
		in, add, del, fix string
	}{
		{"", "", "", ""},
		{"a\nb", "a\r\nb", "a\nb", "a\r\nb"},
		{"a\r\nb\n", "a\r\r\nb\r\n", "a\nb\n", "a\r\nb\r\n"},
		{"b\rc\r\r\nd\r", "b\rc\r\r\r\nd\r", "b\rc\r\nd\r", "b\rc\r\r\nd\r"},
		{"\n\n", "\r\n\r\n", "\n\n", "\r\n\r\n"},
		{"\r", "\r", "\r", "\r"},
		{"\r\r", "\r\r", "\r\r", "\r\r"},
		{"x\x00\n", "x\x00\r\n", "x\x00\n", "x\x00\r\n"},
	} {
		if got := apply(AddCR{}, tc.in); got != tc.add {
			t.Errorf("addcr %q = %q, want %q", tc.in, got, tc.add)
		}
		if got := apply(&DelCR{}, tc.in); got != tc.del {
			t.Errorf("delcr %q = %q, want %q", tc.in, got, tc.del)
		}
		if got := apply(&FixCR{}, tc.in); got != tc.fix {
			t.Errorf("fixcr %q = %q, want %q", tc.in, got, tc.fix)
		}
	}
}

// TestCopyPieces: a CR at the end of one read still pairs with an LF at
// the start of the next.
func TestCopyPieces(t *testing.T) {
	var out bytes.Buffer
	r := iotest.OneByteReader(strings.NewReader("a\r\nb\r\r\nc\r"))
	if err := Copy(&out, r, &DelCR{}, 1); err != nil {
		t.Fatal(err)
	}
	if out.String() != "a\nb\r\nc\r" {
		t.Errorf("got %q", out.String())
	}
}

// FuzzTransforms checks properties every input must keep, and that cutting
// the stream anywhere changes nothing.
func FuzzTransforms(f *testing.F) {
	f.Add([]byte("a\r\nb\rc\r\r\nd\r"), 3)
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		if len(in) > 0 {
			cut = ((cut % len(in)) + len(in)) % len(in)
		} else {
			cut = 0
		}
		for name, mk := range map[string]func() Transform{
			"add": func() Transform { return AddCR{} },
			"del": func() Transform { return &DelCR{} },
			"fix": func() Transform { return &FixCR{} },
		} {
			whole := apply(mk(), string(in))
			tr := mk()
			split := string(tr.End(tr.Append(tr.Append(nil, in[:cut]), in[cut:])))
			if whole != split {
				t.Fatalf("%s: %q whole %q, split at %d %q", name, in, whole, cut, split)
			}
		}
		add, del, fix := apply(AddCR{}, string(in)), apply(&DelCR{}, string(in)), apply(&FixCR{}, string(in))
		lf := bytes.Count(in, []byte("\n"))
		if len(add) != len(in)+lf || strings.ReplaceAll(add, "\r\n", "\n") != string(in) {
			t.Fatalf("addcr %q = %q", in, add)
		}
		if len(del) != len(in)-bytes.Count(in, []byte("\r\n")) || strings.Count(del, "\n") != lf {
			t.Fatalf("delcr %q = %q", in, del)
		}
		if strings.Count(fix, "\n") != lf || strings.Count(fix, "\r\n") != lf || apply(&DelCR{}, fix) != apply(&DelCR{}, string(in)) {
			t.Fatalf("fixcr %q = %q", in, fix)
		}
	})
}

func TestReadLine(t *testing.T) {
	in := bufio.NewReaderSize(strings.NewReader("HELO a\r\nnoop\n\r\r\n"+strings.Repeat("x", 40)+"\r\nlast\r\nend"), 16)
	var buf []byte
	for _, want := range []string{"HELO a", "noop", "\r", strings.Repeat("x", 10), "last"} {
		var line []byte
		var err error
		line, buf, err = ReadLine(in, buf, 10)
		if err != nil || string(line) != want {
			t.Fatalf("ReadLine = %q, %v; want %q", line, err, want)
		}
	}
	if line, _, err := ReadLine(in, buf, 10); err != io.EOF {
		t.Errorf("a line without LF at the end: %q, %v; want io.EOF", line, err)
	}
}
