package rfc822

import (
	"strings"
	"testing"
)

// FuzzHeader feeds arbitrary header fields through parsing, address list
// rewriting and unparsing: nothing may panic, the output may only grow by
// what the rewriter adds and the folding, and what Unparse writes must
// parse again.
func FuzzHeader(f *testing.F) {
	for _, s := range []string{
		"To: a, b, c\n", "To: g: a, b;\n", "To: \"Doe, J\" <j@h>\n", "To: <@r:u@h>\n",
		"From: x (y (z)) <a@[1.2.3.4]>\n", "Cc: a b>\n", "To: \\", "To: ;:<>,.@\n",
		"To: \"\xe9\" <\xe9@h>\n",
	} {
		f.Add(s)
	}
	suffix := []Token{{Kind: At}, {Atom, "x"}, {Kind: Dot}, {Atom, "y"}}
	f.Fuzz(func(t *testing.T, s string) {
		toks, ok := Parse(s)
		if !ok {
			return
		}
		if len(toks) > len(s) {
			t.Fatalf("%d tokens from %d bytes", len(toks), len(s))
		}
		calls := 0
		out, ok := AddrList(toks, func(addr []Token) []Token {
			calls++
			return append(append([]Token(nil), addr...), suffix...)
		})
		if !ok {
			return
		}
		if len(out) > len(toks)+calls*(len(suffix)+1) {
			t.Fatalf("%d tokens out of %d in with %d addresses", len(out), len(toks), calls)
		}
		text := Unparse(out, 80)
		if !strings.HasSuffix(text, "\n") {
			t.Fatalf("Unparse without newline: %q", text)
		}
		if len(text) > 4*len(s)+12*calls*len(suffix)+64 {
			t.Fatalf("Unparse grew %d bytes to %d", len(s), len(text))
		}
		if _, ok := Parse(text); !ok {
			t.Fatalf("Unparse wrote unparseable %q from %q", text, s)
		}
		_ = Unquote(out)
		_ = QuoteAddress(s)
	})
}
