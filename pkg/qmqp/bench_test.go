package qmqp

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// discardQueue is a qmail-queue that throws the message away.
type discardQueue struct{}

func (discardQueue) Write(p []byte) (int, error) { return len(p), nil }
func (discardQueue) From(string)                 {}
func (discardQueue) To(string)                   {}
func (discardQueue) Fail()                       {}
func (discardQueue) Close() error                { return nil }
func (discardQueue) Pid() int                    { return 1 }

// BenchmarkServe measures parsing a 1 MB request with 10 recipients.
func BenchmarkServe(b *testing.B) {
	msg := []byte(strings.Repeat("a line of a message body, sixty-four bytes long, more or less.\n", 1<<14))
	env := Envelope{Sender: "sender@example.com"}
	for i := range 10 {
		env.Recipients = append(env.Recipients, "rcpt"+string(rune('a'+i))+"@example.com")
	}
	req := Request(msg, env)
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		s := &Server{In: bytes.NewReader(req), Out: io.Discard, Open: func() (Queue, error) { return discardQueue{}, nil }, Now: time.Now}
		if err := s.Serve(); err != nil {
			b.Fatal(err)
		}
	}
}
