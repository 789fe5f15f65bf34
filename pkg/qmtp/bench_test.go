package qmtp

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/pkg/qmqp"
)

type discardQueue struct{}

func (discardQueue) Write(p []byte) (int, error) { return len(p), nil }
func (discardQueue) From(string)                 {}
func (discardQueue) To(string)                   {}
func (discardQueue) Fail()                       {}
func (discardQueue) Close() error                { return nil }
func (discardQueue) Pid() int                    { return 1 }

func benchServe(b *testing.B, mode byte, line string) {
	text := strings.Repeat(line, 1<<14)
	req := []byte(msg(mode, text, "sender@example.com", "rcpt@example.com"))
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		s := &Server{In: bytes.NewReader(req), Out: io.Discard, Open: func() (qmqp.Queue, error) { return discardQueue{}, nil }, Now: time.Now}
		if err := s.Serve(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeLF measures a 1 MB message passed through unchanged.
func BenchmarkServeLF(b *testing.B) {
	benchServe(b, '\n', "a line of a message body, sixty-four bytes long, more or less.\n")
}

// BenchmarkServeCRLF measures a 1 MB message converted from CRLF.
func BenchmarkServeCRLF(b *testing.B) {
	benchServe(b, '\r', "a line of a message body, sixty-four bytes long, more or less\r\n")
}
