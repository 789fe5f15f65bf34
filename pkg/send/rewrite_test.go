package send

import (
	"testing"
	"time"
)

func TestRewrite(t *testing.T) {
	c := &Controls{
		Locals:         map[string]bool{"example.com": true, "localhost": true},
		PercentHack:    map[string]bool{"ph.example": true, "b": true},
		VirtualDomains: map[string]string{"nowhere.mil": "joeBREAK", ".virt.example": "virt", "special@other.example": "sp", "remote.example": ""},
		EnvNoAtHost:    "example.com",
	}
	for _, tc := range []struct {
		in, out string
		ch      Channel
	}{
		{"joe@example.com", "joe@example.com", Local},
		{"joe@EXAMPLE.com", "joe@EXAMPLE.com", Local},
		{"joe", "joe@example.com", Local},
		{"joe@far.example", "joe@far.example", Remote},
		{"info@nowhere.mil", "joeBREAK-info@nowhere.mil", Local},
		{"x@a.b.virt.example", "virt-x@a.b.virt.example", Local},
		{"special@other.example", "sp-special@other.example", Local},
		{"other@other.example", "other@other.example", Remote},
		{"u@remote.example", "u@remote.example", Remote},
		{"u%far.example@ph.example", "u@far.example", Remote},
		{"u%a%b@ph.example", "u@a", Remote}, // b is listed too
		{"u%localhost@ph.example", "u@localhost", Local},
		{"nopercent@ph.example", "nopercent@ph.example", Remote},
	} {
		out, ch := c.Rewrite(tc.in)
		if out != tc.out || ch != tc.ch {
			t.Errorf("Rewrite(%q) = %q, %v; want %q, %v", tc.in, out, ch, tc.out, tc.ch)
		}
	}
	if got := c.bounceRecipient("joeBREAK-info@nowhere.mil"); got != "info@nowhere.mil" {
		t.Errorf("bounceRecipient = %q", got)
	}
}

func TestVERP(t *testing.T) {
	for _, tc := range []struct{ sender, recip, want string }{
		{"owner-@host-@[]", "box@dom", "owner-box=dom@host"},
		{"plain@host", "box@dom", "plain@host"},
		{"owner-@host-@[]", "nodomain", "owner-@host-@[]"},
		{"", "box@dom", ""},
	} {
		if got := verp(tc.sender, tc.recip); got != tc.want {
			t.Errorf("verp(%q, %q) = %q, want %q", tc.sender, tc.recip, got, tc.want)
		}
	}
}

func TestNextRetry(t *testing.T) {
	birth := time.Unix(1000000, 0)
	for _, tc := range []struct {
		age  int64
		c    float64
		next int64
	}{
		{0, 10, 100}, {99, 10, 361}, {100, 10, 400}, {0, 20, 400}, {400, 20, 1600}, {-5, 10, 100},
	} {
		got := nextRetry(birth, birth.Add(time.Duration(tc.age)*time.Second), tc.c)
		if got.Unix()-birth.Unix() != tc.next {
			t.Errorf("age %d c %v: next at age %d, want %d", tc.age, tc.c, got.Unix()-birth.Unix(), tc.next)
		}
	}
}

func TestParagraph(t *testing.T) {
	for in, want := range map[string]string{
		"one line\n":            "one line\n",
		"no newline":            "no newline\n",
		"a\n\nb\n":              "a\n/b\n",
		"a\n\n\nb\n":            "a\n//b\n",
		"Remote host said:\n\n": "Remote host said:\n\n",
	} {
		if got := paragraph(in); got != want {
			t.Errorf("paragraph(%q) = %q, want %q", in, got, want)
		}
	}
}
