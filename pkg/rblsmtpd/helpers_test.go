package rblsmtpd

import "io"

// bufioPipe is a reader that never yields anything until the test ends.
func bufioPipe() (io.Reader, io.Writer) { return io.Pipe() }
