package rfc822

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []Token
		ok   bool
	}{
		{"a@b.c", []Token{{Atom, "a"}, {At, ""}, {Atom, "b"}, {Dot, ""}, {Atom, "c"}}, true},
		{`"x y" <z>`, []Token{{Quote, "x y"}, {Left, ""}, {Atom, "z"}, {Right, ""}}, true},
		// nested parentheses count but are not kept, as in qmail
		{"a (c (nested) \\) ) b", []Token{{Atom, "a"}, {Comment, "c nested ) "}, {Atom, "b"}}, true},
		{"[1.2.3.4]", []Token{{Literal, "1.2.3.4"}}, true},
		{`a\"b`, []Token{{Atom, `a"b`}}, true},
		{`a\)b`, []Token{{Quote, `a)b`}}, true}, // an atom holding ')' is written quoted
		{"\xe9t\xe9", []Token{{Quote, "\xe9t\xe9"}}, true},
		{"a\\", []Token{{Atom, "a"}}, true},
		{"a ) b", nil, false},
		{"a)b", []Token{{Quote, "a)b"}}, true}, // only a leading ')' is an error
		{"(open", nil, false},
		{`"open`, nil, false},
		{"[open", nil, false},
		{`"x\`, nil, false},
		{"", nil, true},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// upper is a rewriter that marks each address so its place shows.
func upper(seen *[]string) Rewriter {
	return func(addr []Token) []Token {
		*seen = append(*seen, Unquote(addr))
		out := append([]Token(nil), addr...)
		for i := range out {
			out[i].Text = strings.ToUpper(out[i].Text)
		}
		return out
	}
}

func TestAddrList(t *testing.T) {
	tests := []struct {
		in, out string
		seen    []string
		ok      bool
	}{
		{"To: a, b, c\n", "To: A, B, C\n", []string{"c", "b", "a"}, true},
		{"To: a b\n", "To: A, B\n", []string{"b", "a"}, true},
		{"To: Bob (x) <bob@h>\n", "To: Bob (x) <BOB@H>\n", []string{"bob@h"}, true},
		{"To: bob@h (Bob)\n", "To: BOB@H (Bob)\n", []string{"bob@h"}, true},
		{"To: g: a, b;\n", "To: g: A, B;\n", []string{"b", "a"}, true},
		{"To: g: ;\n", "To: g: ;\n", nil, true},
		{"To: <>\n", "To: <>\n", []string{""}, true},
		{"To: \"Doe, J\" <j@h>\n", "To: \"Doe, J\" <J@H>\n", []string{"j@h"}, true},
		{"To: a, b>\n", "", []string{"a,b"}, false},   // seen before the failure
		{"To: a;\n", "To: A;\n", []string{"a"}, true}, // an unopened group is let pass
		{"To: a; b;\n", "", []string{"b"}, false},
		{"To: x: a\n", "", []string{"a"}, false},
	}
	for _, tt := range tests {
		toks, ok := Parse(tt.in)
		if !ok {
			t.Fatalf("Parse(%q) failed", tt.in)
		}
		var seen []string
		out, ok := AddrList(toks, upper(&seen))
		got := ""
		if ok {
			got = Unparse(out, 80)
		}
		if ok != tt.ok || got != tt.out || !reflect.DeepEqual(seen, tt.seen) {
			t.Errorf("AddrList(%q) = %q, %v, saw %q; want %q, %v, %q", tt.in, got, ok, seen, tt.out, tt.ok, tt.seen)
		}
	}
}

func TestUnparseFolds(t *testing.T) {
	var addrs []string
	for i := 0; i < 8; i++ {
		addrs = append(addrs, "user"+strings.Repeat("x", 10)+"@example.org")
	}
	toks, _ := Parse("To: " + strings.Join(addrs, ", "))
	got := Unparse(toks, 80)
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if len(line) > 80 {
			t.Errorf("line longer than 80: %q", line)
		}
	}
	if !strings.Contains(got, ",\n  user") {
		t.Errorf("no continuation line in %q", got)
	}
	if one := Unparse(toks, 0); strings.Count(one, "\n") != 1 {
		t.Errorf("lineLen 0 folded: %q", one)
	}
}

func TestUnparseEscapes(t *testing.T) {
	toks := []Token{{Atom, "From"}, {Colon, ""}, {Quote, `Doe, John (Jr.) "JJ"`}, {Left, ""},
		{Atom, "a"}, {At, ""}, {Atom, "h"}, {Right, ""}}
	want := "From: \"Doe, John \\(Jr.\\) \\\"JJ\\\"\" <a@h>\n"
	if got := Unparse(toks, 80); got != want {
		t.Errorf("Unparse = %q, want %q", got, want)
	}
}

func TestKnownValid(t *testing.T) {
	known := []struct {
		line string
		f    Field
	}{
		{"To: x", To}, {"TO: x", To}, {"to : x", To}, {"Resent-To: x", ResentTo},
		{"RESENT-CC:x", ResentCc}, {"Tox: y", Unknown}, {"To", Unknown}, {"Resent_To: x", Unknown},
		{"content-length: 3", ContentLength}, {"Mail-Followup-To: a", MailFollowupTo},
	}
	for _, k := range known {
		if got := Known([]byte(k.line)); got != k.f {
			t.Errorf("Known(%q) = %d, want %d", k.line, got, k.f)
		}
	}
	valid := map[string]bool{
		"To: x\n": true, "X-Y : z\n": true, ": x\n": false, " To: x\n": false, "no colon\n": false,
		"a b: c\n": false, "\xe9: x\n": false, "MBOX-Line: From x\n": true,
	}
	for line, want := range valid {
		if got := Valid([]byte(line)); got != want {
			t.Errorf("Valid(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestQuoteAddress(t *testing.T) {
	tests := map[string]string{
		"":                 "",
		"a@b":              "a@b",
		"john doe@h":       `"john doe"@h`,
		"a-1.2-@h-@[]":     `"a-1.2-@h-"@[]`,
		"<bob@example.net": `"<bob"@example.net`,
		"plain":            "plain",
		"x.":               `"x."`,
		`q"uote\d@h`:       `"q\"uote\\d"@h`,
		"@h":               `""@h`,
		"a..b@h":           `"a..b"@h`,
		"ok+tag@h":         "ok+tag@h",
		"\xe9@h":           "\"\xe9\"@h",
	}
	for in, want := range tests {
		if got := QuoteAddress(in); got != want {
			t.Errorf("QuoteAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
