package smtpaddr

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct{ arg, want string }{
		{"FROM:<a@example.net>", "a@example.net"},
		{"FROM:<>", ""},
		{"FROM:a@example.net", "a@example.net"},
		{"FROM: <a@example.net>", "a@example.net"},
		{"FROM:  a@example.net SIZE=10", "a@example.net"},
		{"FROM:<a@example.net> SIZE=1000", "a@example.net"},
		{"a@example.net", ""}, // neither "<" nor ":"
		{"FROM:<<a@example.net>>", "<a@example.net"},
		{"TO:junk<u2@example.com>", "u2@example.com"},
		{"TO:<u@example.com", "u@example.com"},
		{`FROM:<"quoted local"@example.net>`, "quoted local@example.net"},
		{`TO:<"u\"x"@example.com>`, `u"x@example.com`},
		{`TO:<u\@v@example.com>`, "u@v@example.com"},
		{`TO:<"a>b"@example.com>`, "a>b@example.com"},
		{`TO:"a b"@example.com`, "a b@example.com"},
		{"TO:<@a,@b:user@example.com>", "user@example.com"},
		{"TO:<@a.example:user@other.net>", "user@other.net"},
		{"TO:<@no-colon>", ""},
		{"TO:@route:u@x", "u@x"},
		{"TO:<user%other.net@example.com>", "user%other.net@example.com"},
		{"TO:<other.net!user@example.com>", "other.net!user@example.com"},
		{`TO:<trailing\`, "trailing"},
		{"TO:<a b>", "a b"},
	}
	for _, c := range cases {
		if got := Parse(c.arg); got != c.want {
			t.Errorf("Parse(%q) = %q, want %q", c.arg, got, c.want)
		}
	}
}

func TestTooLong(t *testing.T) {
	if TooLong(strings.Repeat("a", MaxLen-1)) {
		t.Error("899 bytes refused")
	}
	if !TooLong(strings.Repeat("a", MaxLen)) {
		t.Error("900 bytes accepted: qmail's limit counts the terminating NUL")
	}
}

func TestIPLiteral(t *testing.T) {
	cases := []struct {
		domain string
		ip     [4]byte
		ok     bool
	}{
		{"[127.0.0.1]", [4]byte{127, 0, 0, 1}, true},
		{"[192.0.2.55]", [4]byte{192, 0, 2, 55}, true},
		{"[127.0.0.257]", [4]byte{127, 0, 0, 1}, true}, // an unsigned char keeps 257 as 1
		{"[010.0.0.1]", [4]byte{10, 0, 0, 1}, true},
		{"[127.0.0]", [4]byte{}, false},
		{"[127.0.0.1", [4]byte{}, false},
		{"127.0.0.1]", [4]byte{}, false},
		{"[127.0.0.1]]", [4]byte{}, false},
		{"[127.0.0.1x]", [4]byte{}, false},
		{"[.0.0.1]", [4]byte{}, false},
		{"[IPv6:::1]", [4]byte{}, false},
		{"[]", [4]byte{}, false},
	}
	for _, c := range cases {
		ip, ok := IPLiteral(c.domain)
		if ok != c.ok || (ok && ip != c.ip) {
			t.Errorf("IPLiteral(%q) = %v, %v; want %v, %v", c.domain, ip, ok, c.ip, c.ok)
		}
	}
}

func TestLowerIsASCIIOnly(t *testing.T) {
	if got := Lower("MiXeD.ExAmPlE"); got != "mixed.example" {
		t.Errorf("Lower = %q", got)
	}
	if got := Lower("\u00c9X"); got != "\u00c9x" {
		t.Errorf("Lower folded a non-ASCII letter: %q", got)
	}
}

// FuzzParse compares Parse with a transliteration of qmail-smtpd's
// addrparse that walks a NUL-terminated buffer by index.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"FROM:<a@b>", "TO:u@x y", `<"a\"b>"@c>`, "<@r:u@v>", "x", "", "TO:<@"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		if strings.IndexByte(arg, 0) >= 0 {
			t.Skip("command lines are cut at NUL before parsing")
		}
		got := Parse(arg)
		if want := addrparseC(arg); got != want {
			t.Fatalf("Parse(%q) = %q, C-like parse %q", arg, got, want)
		}
		if len(got) > len(arg) {
			t.Fatalf("address longer than its argument")
		}
		if d, ok := Domain(got); ok {
			IPLiteral(d)
		}
	})
}

// addrparseC mirrors the C: a buffer ending in NUL, one index moving on.
func addrparseC(arg string) string {
	s := []byte(arg + "\x00")
	p := 0
	terminator := byte('>')
	i := 0
	for s[i] != 0 && s[i] != '<' {
		i++
	}
	if s[i] != 0 {
		p = i + 1
	} else {
		terminator = ' '
		for s[p] != 0 && s[p] != ':' {
			p++
		}
		if s[p] == ':' {
			p++
		}
		for s[p] == ' ' {
			p++
		}
	}
	if s[p] == '@' {
		for s[p] != 0 {
			p++
			if s[p-1] == ':' {
				break
			}
		}
	}
	var out []byte
	esc, quoted := false, false
	for ; s[p] != 0; p++ {
		ch := s[p]
		if esc {
			out = append(out, ch)
			esc = false
			continue
		}
		if !quoted && ch == terminator {
			break
		}
		switch ch {
		case '\\':
			esc = true
		case '"':
			quoted = !quoted
		default:
			out = append(out, ch)
		}
	}
	return string(out)
}
