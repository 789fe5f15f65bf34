package rfc822

// Rewriter rewrites one address, given and returned in reading order. It
// may keep the address for itself (as a recipient, say).
type Rewriter func(addr []Token) []Token

// AddrList rewrites every address of a header field's tokens, which start
// with the field name and its colon, and returns the field with the
// rewritten addresses. The list is read from right to left, as qmail does,
// so rewrite sees the last address first. A word following a word starts a
// new address and gets a comma put before it. ok is false for a list qmail
// cannot parse (a ';' inside a group, a ':' outside one, a '>' without
// '<'); rewrite may already have been called for some addresses then.
func AddrList(tokens []Token, rewrite Rewriter) (out []Token, ok bool) {
	if len(tokens) < 2 {
		return append([]Token(nil), tokens...), true
	}
	l := &lister{rewrite: rewrite}
	const begin = 2 // after the field name and colon
	inGroup := false
	wordOK := true
	i := len(tokens) - 1
	for i >= begin {
		t := tokens[i]
		switch t.Kind {
		case Semi:
			l.flushComma()
			if inGroup {
				return nil, false
			}
			inGroup, wordOK = true, true
		case Colon:
			l.flush()
			if !inGroup {
				return nil, false
			}
			inGroup = false
			// the group's name goes out unchanged, up to a comma
			for i >= begin && tokens[i].Kind != Comma {
				l.out = append(l.out, tokens[i])
				i--
			}
			if i >= begin {
				l.out = append(l.out, tokens[i])
				i--
			}
			wordOK = true
			continue
		case Right:
			l.flushComma()
			l.out = append(l.out, t)
			i--
			for i >= begin && tokens[i].Kind != Left {
				l.addr = append(l.addr, tokens[i])
				i--
			}
			l.got() // even when empty: <> is an address
			if i < begin {
				return nil, false
			}
			l.out = append(l.out, tokens[i])
			i--
			for i >= begin && isPhrase(tokens[i].Kind) {
				l.out = append(l.out, tokens[i])
				i--
			}
			wordOK = false
			continue
		case Atom, Quote, Literal:
			if !wordOK {
				l.flushComma()
			}
			wordOK = false
			l.addr = append(l.addr, t)
			i--
			continue
		case Comment:
			// a comment is a space: it leaves wordOK alone
		case Comma:
			l.flush()
			wordOK = true
		default:
			wordOK = true
			l.addr = append(l.addr, t)
			i--
			continue
		}
		l.out = append(l.out, t)
		i--
	}
	l.flush()
	l.out = append(l.out, tokens[1], tokens[0])
	Reverse(l.out)
	return l.out, true
}

func isPhrase(k Kind) bool {
	return k == Comment || k == Atom || k == Quote || k == At || k == Dot
}

// lister collects output and the current address, both in reverse order.
type lister struct {
	rewrite Rewriter
	out     []Token
	addr    []Token
}

// got hands the current address to the rewriter and puts the result out.
func (l *lister) got() {
	addr := l.addr
	Reverse(addr)
	addr = l.rewrite(addr)
	for j := len(addr) - 1; j >= 0; j-- {
		l.out = append(l.out, addr[j])
	}
	l.addr = nil
}

func (l *lister) flush() {
	if len(l.addr) > 0 {
		l.got()
	}
}

func (l *lister) flushComma() {
	if len(l.addr) > 0 {
		l.got()
		l.out = append(l.out, Token{Kind: Comma})
	}
}
