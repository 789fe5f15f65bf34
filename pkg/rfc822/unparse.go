package rfc822

// needSpace says whether a space goes between two adjacent tokens.
func needSpace(prev, next Kind) bool {
	if prev == 0 {
		return false
	}
	if prev == Colon || prev == Comma || next == Left {
		return true
	}
	return isWord(prev) && isWord(next)
}

func isWord(k Kind) bool { return k == Atom || k == Literal || k == Quote || k == Comment }

// Unparse writes tokens back as header text ending in a newline. After
// each comma a line break is possible; a break is kept only where the line
// would otherwise grow past lineLen bytes (0: never break), and a
// continuation line starts with two spaces.
func Unparse(tokens []Token, lineLen int) string {
	var b []byte
	lineStart := 0 // where the current output line starts
	brk := -1      // the last tentative break "\n " not yet committed
	// breakHere adds a tentative break at the end of b. The previous
	// tentative break is dropped if the line up to here still fits,
	// otherwise it is committed and a new line starts after it.
	breakHere := func() {
		if brk >= 0 && (lineLen == 0 || len(b)-lineStart <= lineLen) {
			b = append(b[:brk], b[brk+2:]...)
		} else if brk >= 0 {
			lineStart = brk + 1
		}
		brk = len(b)
		b = append(b, '\n', ' ')
	}
	var last Kind
	for _, t := range tokens {
		if needSpace(last, t.Kind) {
			b = append(b, ' ')
		}
		last = t.Kind
		switch t.Kind {
		case Comma:
			b = append(b, ',')
			breakHere()
		case Atom, Quote, Literal, Comment:
			b = appendWord(b, t)
		default:
			b = append(b, punct(t.Kind))
		}
	}
	breakHere()
	return string(b[:len(b)-1])
}

// appendWord writes a word token with its delimiters, escaping the bytes
// that would end or confuse it.
func appendWord(b []byte, t Token) []byte {
	var open, close byte
	switch t.Kind {
	case Quote:
		open, close = '"', '"'
	case Literal:
		open, close = '[', ']'
	case Comment:
		open, close = '(', ')'
	}
	if open != 0 {
		b = append(b, open)
	}
	for i := 0; i < len(t.Text); i++ {
		switch c := t.Text[i]; c {
		case '"', '[', ']', '(', ')', '\\', '\r', '\n':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	if close != 0 {
		b = append(b, close)
	}
	return b
}
