package resolver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

var errMalformed = errors.New("malformed DNS packet")

// parseReply returns the answers of type qtype in a reply whose question
// was already checked. No such name and no records both give an empty list;
// any other failure code is a temporary error.
func parseReply(msg []byte, qtype uint16) ([]Answer, error) {
	switch rcode := msg[3] & 0x0f; rcode {
	case 0, 3:
	default:
		return nil, &Error{Err: fmt.Errorf("server failure (rcode %d)", rcode)}
	}
	ancount := int(binary.BigEndian.Uint16(msg[6:]))
	pos, err := skipName(msg, 12)
	if err != nil {
		return nil, err
	}
	pos += 4
	var answers []Answer
	for i := 0; i < ancount; i++ {
		var a Answer
		var ok bool
		a, pos, ok, err = parseRecord(msg, pos, qtype)
		if err != nil {
			return nil, err
		}
		if ok {
			answers = append(answers, a)
		}
	}
	return answers, nil
}

// parseRecord reads the record at pos and reports whether it is an answer
// of the asked type in class IN.
func parseRecord(msg []byte, pos int, qtype uint16) (Answer, int, bool, error) {
	pos, err := skipName(msg, pos)
	if err != nil {
		return Answer{}, 0, false, err
	}
	if pos+10 > len(msg) {
		return Answer{}, 0, false, errMalformed
	}
	rtype := binary.BigEndian.Uint16(msg[pos:])
	class := binary.BigEndian.Uint16(msg[pos+2:])
	size := int(binary.BigEndian.Uint16(msg[pos+8:]))
	start := pos + 10
	end := start + size
	if end > len(msg) {
		return Answer{}, 0, false, errMalformed
	}
	if rtype != qtype || class != classIN {
		return Answer{}, end, false, nil
	}
	a := Answer{Type: rtype, Data: msg[start:end]}
	switch rtype {
	case TypeA:
		if size != 4 {
			return Answer{}, end, false, nil
		}
	case TypeAAAA:
		if size != 16 {
			return Answer{}, end, false, nil
		}
	case TypePTR:
		name, err := readName(msg, start)
		if err != nil {
			return Answer{}, 0, false, err
		}
		a.Data = []byte(name)
	case TypeMX:
		if size < 3 {
			return Answer{}, 0, false, errMalformed
		}
		a.Pref = binary.BigEndian.Uint16(msg[start:])
		name, err := readName(msg, start+2)
		if err != nil {
			return Answer{}, 0, false, err
		}
		a.Data = []byte(name)
	}
	return a, end, true, nil
}

// skipName returns the position after the (possibly compressed) name at pos.
func skipName(msg []byte, pos int) (int, error) {
	for {
		if pos >= len(msg) {
			return 0, errMalformed
		}
		n := int(msg[pos])
		switch {
		case n == 0:
			return pos + 1, nil
		case n >= 0xc0:
			if pos+2 > len(msg) {
				return 0, errMalformed
			}
			return pos + 2, nil
		case n > 63:
			return 0, errMalformed
		}
		pos += 1 + n
	}
}

// readName decodes the name at pos into djbdns's dotted form: lower case,
// no final dot, bytes other than letters, digits, '-' and '_' as \ooo.
func readName(msg []byte, pos int) (string, error) {
	var b strings.Builder
	jumps := 0
	for {
		if pos >= len(msg) {
			return "", errMalformed
		}
		n := int(msg[pos])
		switch {
		case n == 0:
			return b.String(), nil
		case n >= 0xc0:
			if pos+2 > len(msg) || jumps > 100 {
				return "", errMalformed
			}
			jumps++
			pos = int(binary.BigEndian.Uint16(msg[pos:]) & 0x3fff)
			continue
		case n > 63 || pos+1+n > len(msg):
			return "", errMalformed
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if b.Len() > 1024 {
			return "", errMalformed
		}
		for _, ch := range msg[pos+1 : pos+1+n] {
			writeNameByte(&b, ch)
		}
		pos += 1 + n
	}
}

func writeNameByte(b *strings.Builder, ch byte) {
	if ch >= 'A' && ch <= 'Z' {
		ch += 'a' - 'A'
	}
	if ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' {
		b.WriteByte(ch)
		return
	}
	fmt.Fprintf(b, "\\%03o", ch)
}
