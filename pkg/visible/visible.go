// Package visible keeps text that came from outside (a client, a file, a
// DNS answer) to visible ASCII before it goes into a log line, a reply, a
// header or a terminal, as qmail's programs each do with a loop of their
// own: bytes below first or above '~' are replaced.
package visible

// Bytes replaces, in place, every byte of b below first or above '~' with
// with. first is ' ' where spaces may stay, '!' where they may not.
func Bytes(b []byte, first, with byte) {
	for i, c := range b {
		if c < first || c > '~' {
			b[i] = with
		}
	}
}

// String is Bytes for a string.
func String(s string, first, with byte) string {
	b := []byte(s)
	Bytes(b, first, with)
	return string(b)
}
