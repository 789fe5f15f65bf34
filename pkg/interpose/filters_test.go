package interpose

import (
	"bytes"
	"strings"
	"testing"
)

func TestRecorder(t *testing.T) {
	var log bytes.Buffer
	r := &Recorder{PID: "42", Log: &log}
	out := r.In(nil, []byte("one\ntwo\n\nthree"))
	r.Out(nil, []byte("x"))
	r.InEnd()
	r.OutEnd()
	want := "42 < one \n42 < two \n42 <  \n42 < three+\n42 > x+\n42 < [EOF]\n42 > [EOF]\n"
	if log.String() != want || string(out) != "one\ntwo\n\nthree" {
		t.Errorf("log %q, passed on %q", log.String(), out)
	}
}

// FuzzRecorder: whatever the traffic, every record line carries the pid
// and direction, and the record gives the data back.
func FuzzRecorder(f *testing.F) {
	f.Add([]byte("HELO x\r\nMAIL FROM:<a>\r\npartial"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var log bytes.Buffer
		r := &Recorder{PID: "7", Log: &log}
		if out := r.In(nil, data); !bytes.Equal(out, data) {
			t.Fatalf("data changed: %q", out)
		}
		var back strings.Builder
		for _, line := range strings.SplitAfter(log.String(), "\n") {
			if line == "" {
				continue
			}
			text, ok := strings.CutPrefix(line, "7 < ")
			switch {
			case !ok:
				t.Fatalf("line %q", line)
			case strings.HasSuffix(text, " \n"):
				back.WriteString(strings.TrimSuffix(text, " \n") + "\n")
			case strings.HasSuffix(text, "+\n"):
				back.WriteString(strings.TrimSuffix(text, "+\n"))
			default:
				t.Fatalf("line %q", line)
			}
		}
		if back.String() != string(data) {
			t.Fatalf("record of %q gives back %q", data, back.String())
		}
	})
}
