// Package rules owns ucspi-tcp's access rules: the text syntax tcprules
// compiles, the cdb records it writes, and the lookup tcpserver and
// tcprulescheck share.
//
// The syntax is that of ucspi-tcp 0.88 and of Debian's IPv6 build of it.
// The two builds split a line differently: 0.88 at the first colon, the
// IPv6 build at the first colon followed by "allow" or "deny" (so that
// "2001:db8::1:allow" has the key "2001:db8::1"). Compile follows the IPv6
// build, and where that build would loop forever on a line with no such
// colon, it compiles the whole file as 0.88 does instead.
package rules

import (
	"bytes"
	"errors"
	"strconv"
)

// ParseError is a line tcprules cannot parse. Its text is the C program's.
type ParseError struct {
	Num  int    // 1-based line number
	Line []byte // the line with trailing white space removed
}

func (e *ParseError) Error() string {
	line := e.Line
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i] // the C program prints the line as a C string
	}
	return "unable to parse this line: " + string(line)
}

// Mode says how a line is split into address and instruction.
type Mode int

const (
	// ModeIPv6 splits at the first colon followed by "allow" or "deny".
	ModeIPv6 Mode = iota
	// ModeIPv4 splits at the first colon, as ucspi-tcp 0.88 does.
	ModeIPv4
)

// ErrNoSplit marks a line on which the IPv6 build would loop forever.
var ErrNoSplit = errors.New("rules: no colon before allow or deny")

// AddFunc receives each record in file order with the number of the line
// it came from; Compile reuses the slices.
type AddFunc func(line int, key, data []byte) error

// Compile turns a rules file into cdb records, in order, as tcprules does.
// If the IPv6 build would hang on some line, reset is called and the whole
// input is compiled again in 0.88's mode.
func Compile(input []byte, reset func() error, add AddFunc) error {
	err := CompileMode(input, ModeIPv6, add)
	if !errors.Is(err, ErrNoSplit) {
		return err
	}
	if err := reset(); err != nil {
		return err
	}
	return CompileMode(input, ModeIPv4, add)
}

// CompileMode compiles input with one build's line splitting. In ModeIPv6
// a line the IPv6 build would hang on gives an error wrapping ErrNoSplit.
func CompileMode(input []byte, mode Mode, add AddFunc) error {
	var c compiler
	c.mode, c.add = mode, add
	rest := input
	for num := 1; len(rest) > 0; num++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
			c.stale = staleBytes(input[:len(input)-len(line)], len(line))
		}
		if err := c.line(num, line); err != nil {
			return err
		}
	}
	return nil
}

// staleBytes returns what the C program's line buffer holds just past a
// final line of length n that has no newline: the IPv6 build compares
// "allow" against those bytes, left there by the most recent earlier line
// long enough to reach them.
func staleBytes(before []byte, n int) []byte {
	stale := make([]byte, len("allow"))
	found := make([]bool, len(stale))
	lines := bytes.SplitAfter(before, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		for k := range stale {
			if !found[k] && n+k < len(lines[i]) {
				stale[k], found[k] = lines[i][n+k], true
			}
		}
	}
	return stale
}

// compiler holds the buffers reused from line to line.
type compiler struct {
	mode Mode
	add  AddFunc
	num  int
	data []byte
	key  []byte
	err  error // the first error from add
	// stale is the C line buffer's content just past an unterminated last
	// line, which the IPv6 build's split reads.
	stale []byte
}

// line compiles one line, which still ends in its newline if it had one.
func (c *compiler) line(num int, line []byte) error {
	if line[0] == '#' || line[0] == '\n' {
		return nil
	}
	raw := line
	line = trimTrailing(line)
	colon := c.split(line, raw)
	if colon < 0 {
		if c.mode == ModeIPv6 {
			return ErrNoSplit
		}
		return nil // 0.88 skips a line without a colon
	}
	c.num = num
	data, ok := encode(c.data[:0], line[colon+1:])
	c.data = data
	if !ok || !c.address(line[:colon]) {
		return &ParseError{Num: num, Line: line}
	}
	return c.err
}

// split finds the colon between address and instruction, or -1. The IPv6
// build looks for "allow" or "deny" in the raw line as read (its stripped
// white space included) and, after an unterminated last line, in the
// buffer's stale bytes.
func (c *compiler) split(line, raw []byte) int {
	if c.mode == ModeIPv4 {
		return bytes.IndexByte(line, ':')
	}
	if raw[len(raw)-1] != '\n' {
		raw = append(append([]byte(nil), raw...), c.stale...)
	}
	for i := 0; ; i++ {
		colon := bytes.IndexByte(line[i:], ':')
		if colon < 0 {
			return -1
		}
		i += colon
		if rest := raw[i+1:]; bytes.HasPrefix(rest, []byte("deny")) || bytes.HasPrefix(rest, []byte("allow")) {
			return i
		}
	}
}

// trimTrailing strips the newline, spaces and tabs tcprules ignores at the
// end of a line (and nothing else: a carriage return stays).
func trimTrailing(line []byte) []byte {
	n := len(line)
	for n > 0 && (line[n-1] == '\n' || line[n-1] == ' ' || line[n-1] == '\t') {
		n--
	}
	return line[:n]
}

// encode appends the cdb data for an instruction ("allow", "deny", then
// ",NAME=<c>VALUE<c>" settings) to data: "D\0" for deny, "+NAME=VALUE\0"
// for each setting.
func encode(data, rest []byte) ([]byte, bool) {
	switch {
	case bytes.HasPrefix(rest, []byte("deny")):
		data = append(data, 'D', 0)
		rest = rest[4:]
	case bytes.HasPrefix(rest, []byte("allow")):
		rest = rest[5:]
	default:
		return data, false
	}
	for len(rest) > 0 {
		if rest[0] != ',' {
			return data, false
		}
		eq := bytes.IndexByte(rest, '=')
		if eq < 0 || eq+1 == len(rest) {
			return data, false
		}
		delim := rest[eq+1]
		value := rest[eq+2:]
		end := bytes.IndexByte(value, delim)
		if end < 0 {
			return data, false
		}
		data = append(data, '+')
		data = append(data, rest[1:eq+1]...)
		data = append(data, value[:end]...)
		data = append(data, 0)
		rest = value[end+1:]
	}
	return data, true
}

// address adds the records for one address: one record, or one per value
// of a range such as 10.2-3. or 1.2.3.112-127. Ranges apply only to
// addresses without '=' or '@'; the first '-' is the range. It returns
// false for a malformed range; an error from add is left in c.err.
func (c *compiler) address(addr []byte) bool {
	dash := bytes.IndexByte(addr, '-')
	if dash < 0 || bytes.IndexByte(addr, '=') >= 0 || bytes.IndexByte(addr, '@') >= 0 {
		c.err = c.add(c.num, addr, c.data)
		return true
	}
	left := bytes.LastIndexByte(addr[:dash], '.') + 1
	right := len(addr)
	if i := bytes.IndexByte(addr[dash+1:], '.'); i >= 0 {
		right = dash + 1 + i
	}
	bottom, ok1 := rangeBound(addr[left:dash])
	top, ok2 := rangeBound(addr[dash+1 : right])
	if !ok1 || !ok2 {
		return false
	}
	top = min(top, 255)
	for n := bottom; n <= top; n++ {
		c.key = append(c.key[:0], addr[:left]...)
		c.key = strconv.AppendUint(c.key, n, 10)
		c.key = append(c.key, addr[right:]...)
		if c.err = c.add(c.num, c.key, c.data); c.err != nil {
			return true
		}
	}
	return true
}

// rangeBound reads a range bound as scan_ulong does: decimal digits (none
// counts as 0, overflow wraps) that must reach the end or a NUL byte.
func rangeBound(s []byte) (uint64, bool) {
	var n uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n, i == len(s) || s[i] == 0
}
