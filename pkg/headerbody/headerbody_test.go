package headerbody

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func record(t *testing.T, msg string) []string {
	t.Helper()
	var got []string
	err := Parse(strings.NewReader(msg), Handler{
		Field:      func(f []byte) error { got = append(got, "F"+string(f)); return nil },
		HeaderDone: func() error { got = append(got, "done"); return nil },
		Body:       func(l []byte) error { got = append(got, "B"+string(l)); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want []string
	}{
		{"plain", "Subject: hi\nTo: a\n\nbody\n", []string{"FSubject: hi\n", "FTo: a\n", "done", "B\n", "Bbody\n"}},
		{"continuation", "Subject: a\n b\n\tc\nX: y\n\n", []string{"FSubject: a\n b\n\tc\n", "FX: y\n", "done", "B\n"}},
		{"mbox line", "From a@b Thu\nX: y\n\n", []string{"FMBOX-Line: From a@b Thu\n", "FX: y\n", "done", "B\n"}},
		{"no blank line", "X: y\nnot a field\nmore", []string{"FX: y\n", "done", "B\n", "Bnot a field\n", "Bmore\n"}},
		{"header only", "X: y", []string{"FX: y\n", "done"}},
		{"empty", "", []string{"done"}},
		{"crlf is not blank", "X: y\r\n\r\nbody\r\n", []string{"FX: y\r\n", "done", "B\n", "B\r\n", "Bbody\r\n"}},
		{"long line", "X: " + strings.Repeat("y", 10000) + "\n\n", []string{"FX: " + strings.Repeat("y", 10000) + "\n", "done", "B\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := record(t, tc.msg); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestStop(t *testing.T) {
	n := 0
	err := Parse(strings.NewReader("A: 1\nB: 2\n\n"), Handler{Field: func([]byte) error { n++; return ErrStop }})
	if err != nil || n != 1 {
		t.Fatalf("%v %d", err, n)
	}
	boom := errors.New("boom")
	if err := Parse(strings.NewReader("A: 1\n\n"), Handler{HeaderDone: func() error { return boom }}); err != boom {
		t.Fatalf("%v", err)
	}
}

func TestFieldHelpers(t *testing.T) {
	valid := map[string]bool{"Subject: x": true, "X-A :y": true, ": x": false, "a b: x": false, "no colon": false, "\xff: x": false, " x: y": false}
	for in, want := range valid {
		if Valid([]byte(in)) != want {
			t.Errorf("Valid(%q) != %v", in, want)
		}
	}
	is := []struct {
		field, name string
		want        bool
	}{
		{"Subject: x", "subject", true},
		{"SUBJECT \t: x", "subject", true},
		{"subject", "subject", false},
		{"Subjects: x", "subject", false},
		{"Message-ID: <x>", "message-id", true},
		{"Message_ID: <x>", "message-id", false},
		{"Notice-Requested-Upon-Delivery-To: a", "notice-requested-upon-delivery-to", true},
	}
	for _, tc := range is {
		if Is([]byte(tc.field), tc.name) != tc.want {
			t.Errorf("Is(%q, %q) != %v", tc.field, tc.name, tc.want)
		}
	}
	skip := map[string]string{"Subject: x\n": "x\n", "Subject:\n  x\n": "x\n", "Subject:": "", "X": ""}
	for in, want := range skip {
		if got := in[SkipName([]byte(in)):]; got != want {
			t.Errorf("SkipName(%q) leaves %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Subject: a\n b\nFrom x\n\nbody"))
	f.Add([]byte("From a\nnot a field\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		var out bytes.Buffer
		done := 0
		Parse(bytes.NewReader(msg), Handler{
			Field:      func(f []byte) error { out.Write(f); return nil },
			HeaderDone: func() error { done++; return nil },
			Body:       func(l []byte) error { out.Write(l); return nil },
		})
		if done != 1 {
			t.Fatalf("header done %d times", done)
		}
		if out.Len() < len(msg)-1 {
			t.Fatalf("lost bytes: %d of %d", out.Len(), len(msg))
		}
	})
}
