// Package rfc822 is qmail's reading and writing of RFC 822 header fields
// (token822, hfield and quote in the C sources): it splits a field into
// tokens, walks an address list from right to left handing each address to
// a rewriting function, writes tokens back folded at a line length, and
// knows the header field names qmail treats specially.
//
// The quirks are qmail's and kept on purpose, because qmail-inject's output
// depends on them: addresses of one list are visited last first, a word
// after a word starts a new address ("a b" is two addresses), comments are
// spaces, and unbalanced brackets make a field unparseable.
package rfc822

// Kind is the kind of a token.
type Kind uint8

// The token kinds of token822.
const (
	Atom    Kind = iota + 1 // a run of ordinary characters
	Quote                   // "quoted string", Text without the quotes
	Literal                 // [domain literal], Text without the brackets
	Comment                 // (comment), Text without the parentheses
	Comma                   // ,
	At                      // @
	Dot                     // .
	Left                    // <
	Right                   // >
	Semi                    // ;
	Colon                   // :
)

// Token is one lexical item. Text is set for Atom, Quote, Literal and
// Comment, with backslash escapes removed.
type Token struct {
	Kind Kind
	Text string
}

// special maps a one-character token to its kind.
func special(c byte) Kind {
	switch c {
	case '.':
		return Dot
	case ',':
		return Comma
	case '@':
		return At
	case '<':
		return Left
	case '>':
		return Right
	case ':':
		return Colon
	case ';':
		return Semi
	}
	return 0
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// inAtom reports whether c may continue an atom.
func inAtom(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '(', '[', '"', '<', '>', ';', ':', '@', ',', '.':
		return false
	}
	return true
}

// Parse splits s into tokens. ok is false when s has an unbalanced
// bracket, quote or parenthesis, a stray ')' or ']', or ends in a
// backslash inside one of them.
func Parse(s string) (tokens []Token, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if k := special(c); k != 0 {
			tokens = append(tokens, Token{Kind: k})
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
		case ')', ']':
			return nil, false
		case '(':
			text, end, ok := delimited(s, i, '(', ')')
			if !ok {
				return nil, false
			}
			tokens = append(tokens, Token{Comment, text})
			i = end
		case '"':
			text, end, ok := delimited(s, i, 0, '"')
			if !ok {
				return nil, false
			}
			tokens = append(tokens, Token{Quote, text})
			i = end
		case '[':
			text, end, ok := delimited(s, i, 0, ']')
			if !ok {
				return nil, false
			}
			tokens = append(tokens, Token{Literal, text})
			i = end
		default:
			text, end := atom(s, i)
			tokens = append(tokens, atomToken(text))
			i = end
		}
	}
	return tokens, true
}

// delimited reads a bracketed item starting at s[start]; open is the
// character that nests (only for comments), close the one that ends it.
// It returns the unescaped text and the index of the closing character.
func delimited(s string, start int, open, close byte) (string, int, bool) {
	var text []byte
	level := 1
	i := start
	for {
		i++
		if i >= len(s) {
			return "", 0, false
		}
		c := s[i]
		switch {
		case open != 0 && c == open:
			level++
		case c == close:
			level--
			if level == 0 {
				return string(text), i, true
			}
		case c == '\\':
			i++
			if i >= len(s) {
				return "", 0, false
			}
			text = append(text, s[i])
		default:
			text = append(text, c)
		}
	}
}

// atom reads an atom starting at s[start], where a backslash quotes the
// next character, and returns its text and the index of its last byte.
func atom(s string, start int) (string, int) {
	var text []byte
	i := start
	for {
		if s[i] == '\\' {
			i++
			if i >= len(s) {
				break
			}
		}
		text = append(text, s[i])
		i++
		if i >= len(s) || !inAtom(s[i]) {
			break
		}
	}
	return string(text), i - 1
}

// atomToken makes an atom, or a quoted string if the text holds a byte an
// atom cannot be written with.
func atomToken(text string) Token {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < 32 || c > 126 || c == ')' || c == ']' || c == '\\' {
			return Token{Quote, text}
		}
	}
	return Token{Atom, text}
}

// Unquote joins the tokens into an address as it goes into an envelope:
// quoted strings lose their quotes, literals keep their brackets, comments
// are dropped.
func Unquote(tokens []Token) string {
	var b []byte
	for _, t := range tokens {
		switch t.Kind {
		case Atom, Quote:
			b = append(b, t.Text...)
		case Literal:
			b = append(b, '[')
			b = append(b, t.Text...)
			b = append(b, ']')
		case Comment:
		default:
			b = append(b, punct(t.Kind))
		}
	}
	return string(b)
}

func punct(k Kind) byte {
	switch k {
	case Comma:
		return ','
	case At:
		return '@'
	case Dot:
		return '.'
	case Left:
		return '<'
	case Right:
		return '>'
	case Semi:
		return ';'
	case Colon:
		return ':'
	}
	return 0
}

// Reverse reverses tokens in place.
func Reverse(tokens []Token) {
	for i, j := 0, len(tokens)-1; i < j; i, j = i+1, j-1 {
		tokens[i], tokens[j] = tokens[j], tokens[i]
	}
}
