package rblsmtpd

import (
	"bytes"
	"io"
	"sync"
)

// bufioPipe is a reader that never yields anything until the test ends.
func bufioPipe() (io.Reader, io.Writer) { return io.Pipe() }

// syncBuffer is a bytes.Buffer safe for the dialogue's goroutine and the
// test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
