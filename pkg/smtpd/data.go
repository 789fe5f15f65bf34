package smtpd

import "bytes"

// MaxHops is the number of Received and Delivered-To header lines at which
// a message is taken to be looping.
const MaxHops = 100

// Data decodes the DATA phase exactly as qmail-smtpd's blast does: CRLF
// becomes LF, a leading dot is removed from every line, "." alone on a
// line ends the message, a CR not followed by LF is kept, and an LF
// without a CR before it is refused (the caller answers 451 and hangs up,
// so a client cannot end the message in a way other servers read
// differently). It also counts the header lines that start with
// "Received" or "Delivered" in any case.
//
// Feed it the client's bytes in chunks of any size; it keeps nothing but a
// few flags between them.
type Data struct {
	state int

	inHeader   bool
	pos        int  // bytes since the last LF, while in the header
	maybeRecv  bool // this header line may start with "received"
	maybeEOH   bool // this header line may be the empty line
	maybeDeliv bool // this header line may start with "delivered"
	Hops       int
}

// The states of the end-of-data machine, named by what was just seen.
const (
	midLine   = iota // inside a line
	lineStart        // after CRLF (or at the start)
	lineDot          // after CRLF "."
	lineDotCR        // after CRLF "." CR
	pendingCR        // after a CR that is not yet known to end a line
)

// NewData starts the decoding of one message.
func NewData() *Data {
	return &Data{state: lineStart, inHeader: true, maybeRecv: true, maybeEOH: true, maybeDeliv: true}
}

// Result says how a chunk ended.
type Result int

const (
	More    Result = iota // the chunk was all message data
	End                   // the message ended: used counts the final LF
	StrayLF               // a bare LF: the session must end
)

// headerLookahead is how far into a header line trackHeader looks; past it
// only CR and LF matter.
const headerLookahead = len("delivered")

// Feed decodes in, appending the message bytes to out. used is how much
// of in was consumed: all of it unless the message ended or a stray LF
// was found (then used includes that LF).
func (d *Data) Feed(in, out []byte) (used int, res Result, msg []byte) {
	i := 0
	for i < len(in) {
		if d.state == midLine && (!d.inHeader || d.pos >= headerLookahead) {
			i, out = copyPlain(in, i, out)
			if i == len(in) {
				break
			}
		}
		ch := in[i]
		i++
		if d.inHeader {
			d.trackHeader(ch)
		}
		switch r := d.step(ch, &out); r {
		case End, StrayLF:
			return i, r, out
		}
	}
	return i, More, out
}

// copyPlain copies the bytes from in[i] up to the next CR or LF.
func copyPlain(in []byte, i int, out []byte) (int, []byte) {
	rest := in[i:]
	j := bytes.IndexByte(rest, '\r')
	if j < 0 {
		j = len(rest)
	}
	if k := bytes.IndexByte(rest[:j], '\n'); k >= 0 {
		j = k
	}
	return i + j, append(out, rest[:j]...)
}

// step runs one byte through the end-of-data machine.
func (d *Data) step(ch byte, out *[]byte) Result {
	switch d.state {
	case midLine:
		if ch == '\n' {
			return StrayLF
		}
		if ch == '\r' {
			d.state = pendingCR
			return More
		}
	case lineStart:
		switch ch {
		case '\n':
			return StrayLF
		case '.':
			d.state = lineDot
			return More
		case '\r':
			d.state = pendingCR
			return More
		}
		d.state = midLine
	case lineDot:
		if ch == '\n' {
			return StrayLF
		}
		if ch == '\r' {
			d.state = lineDotCR
			return More
		}
		d.state = midLine
	case lineDotCR:
		if ch == '\n' {
			return End
		}
		// Not the end after all: qmail keeps the dot here.
		*out = append(*out, '.', '\r')
		if ch == '\r' {
			d.state = pendingCR
			return More
		}
		d.state = midLine
	case pendingCR:
		switch ch {
		case '\n':
			d.state = lineStart
		case '\r':
			// The earlier CR is kept; this one is pending now.
		default:
			*out = append(*out, '\r')
			d.state = midLine
		}
	}
	*out = append(*out, ch)
	return More
}

// trackHeader follows the header: it counts lines beginning "received"
// or "delivered" (either case per letter) and ends at the first empty
// line, all on the bytes as the client sent them.
func (d *Data) trackHeader(ch byte) {
	const recv, deliv = "received", "delivered"
	const recvU, delivU = "RECEIVED", "DELIVERED"
	if d.pos < headerLookahead {
		if ch != deliv[d.pos] && ch != delivU[d.pos] {
			d.maybeDeliv = false
		}
		if d.maybeDeliv && d.pos == len(deliv)-1 {
			d.Hops++
		}
		if d.pos < len(recv) && ch != recv[d.pos] && ch != recvU[d.pos] {
			d.maybeRecv = false
		}
		if d.maybeRecv && d.pos == len(recv)-1 {
			d.Hops++
		}
		if d.pos < 2 && ch != "\r\n"[d.pos] {
			d.maybeEOH = false
		}
		if d.maybeEOH && d.pos == 1 {
			d.inHeader = false
		}
		d.pos++
	}
	if ch == '\n' {
		d.pos = 0
		d.maybeRecv, d.maybeEOH, d.maybeDeliv = true, true, true
	}
}
