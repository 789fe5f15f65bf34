package interpose

import (
	"bytes"
	"io"
	"sync"

	"github.com/quail-mta/quail/pkg/crlf"
)

// Recorder is recordio's filter: it passes the traffic on unchanged and
// writes each piece to Log, one line per line of data: "PID < text" for
// input, "PID > text" for output, ending in a space when the data's line
// ended there and in "+" when it did not (the rest comes in a later
// piece), and "PID < [EOF]" / "PID > [EOF]" at the ends.
type Recorder struct {
	PID string
	Log io.Writer
	mu  sync.Mutex // the two directions share Log
}

func (r *Recorder) In(dst, p []byte) []byte  { r.record(p, " < "); return append(dst, p...) }
func (r *Recorder) Out(dst, p []byte) []byte { r.record(p, " > "); return append(dst, p...) }
func (r *Recorder) InEnd()                   { r.line(" < [EOF]\n") }
func (r *Recorder) OutEnd()                  { r.line(" > [EOF]\n") }

// record logs one piece, a write per line as the original flushes.
func (r *Recorder) record(p []byte, direction string) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			r.line(direction + string(p) + "+\n")
			return
		}
		r.line(direction + string(p[:i]) + " \n")
		p = p[i+1:]
	}
}

func (r *Recorder) line(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.Log, r.PID+text)
}

// FixCR is fixcrio's filter: a CR goes in before each LF that lacks one,
// in both directions.
type FixCR struct{ in, out crlf.FixCR }

func (f *FixCR) In(dst, p []byte) []byte  { return f.in.Append(dst, p) }
func (f *FixCR) Out(dst, p []byte) []byte { return f.out.Append(dst, p) }
func (f *FixCR) InEnd()                   {}
func (f *FixCR) OutEnd()                  {}
