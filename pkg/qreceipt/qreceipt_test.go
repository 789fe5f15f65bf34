package qreceipt

import (
	"errors"
	"strings"
	"testing"
)

func TestAddresses(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"joe@example.com", "joe@example.com", nil},
		{"Joe Smith <joe@example.com>", "joe@example.com", nil},
		{`"Smith, Joe" <joe@example.com>, bill@x`, "joe@example.com|bill@x", nil},
		{`"j o"@x (a comment, with comma), (c(nested)) b @ y . z`, "j o@x|b@y.z", nil},
		{"friends: a@x, b@y;, c@z", "a@x|b@y|c@z", nil},
		{"<@relay.a,@relay.b:joe@x>", "joe@x", nil},
		{"joe@[10.0.0.1]", "joe@[10.0.0.1]", nil},
		{`"a\"b"@x`, `a"b@x`, nil},
		{"<>, ,", "", nil},
		{`"unterminated@x`, "", ErrSyntax},
		{"(open comment a@x", "", ErrSyntax},
		{"<a@x", "", ErrSyntax},
		{"a@x>", "", ErrSyntax},
		{"<<a@x>>", "", ErrSyntax},
	}
	for _, tc := range tests {
		got, err := Addresses(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("%q: error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

const noticeFor = "From: DELIVERY NOTICE SYSTEM <%s>\nTo: <%s>\nSubject: success notice\n\n" +
	"Hi! This is the qreceipt program. Your message was delivered to the\n" +
	"following address: me@here. Thanks for asking.\n"

func notice(rp string) string { return strings.ReplaceAll(noticeFor, "%s", rp) }

func TestNotice(t *testing.T) {
	tests := []struct {
		name, msg, returnPath, want string
		err                         bool
	}{
		{"asked", "Notice-Requested-Upon-Delivery-To: me@here\nMessage-ID: <1@x>\n\nbody\n", "you@there",
			notice("you@there") + "Your Message-ID: <1@x>\n", false},
		{"asked among others, no message-id", "notice-requested-upon-delivery-to: a@b,\n Me <me@here>\n\n", "you@there",
			notice("you@there"), false},
		{"sender quoted", "Notice-Requested-Upon-Delivery-To: me@here\n\n", "a b@there",
			notice(`"a b"@there`), false},
		{"not for this address", "Notice-Requested-Upon-Delivery-To: other@here\n\n", "you@there", "", false},
		{"case matters", "Notice-Requested-Upon-Delivery-To: ME@here\n\n", "you@there", "", false},
		{"not asked", "Subject: x\n\n", "you@there", "", false},
		{"bounce", "Notice-Requested-Upon-Delivery-To: me@here\n\n", "", "", false},
		{"double bounce", "Notice-Requested-Upon-Delivery-To: me@here\n\n", "#@[]", "", false},
		{"request in the body", "Subject: x\n\nNotice-Requested-Upon-Delivery-To: me@here\n", "you@there", "", false},
		{"unparsable", "Notice-Requested-Upon-Delivery-To: \"me@here\n\n", "you@there", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Notice(strings.NewReader(tc.msg), "me@here", tc.returnPath)
			var perr *ParseError
			if tc.err != errors.As(err, &perr) {
				t.Fatalf("error %v", err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// A stray ')' is a syntax error; it once made the tokenizer loop forever
// while its token list grew without bound.
func TestStrayParenthesis(t *testing.T) {
	for _, in := range []string{")", "]<\t)", "a@b)", "a (b)) c"} {
		if _, err := Addresses(in); err != ErrSyntax {
			t.Errorf("Addresses(%q): %v, want ErrSyntax", in, err)
		}
	}
}

func FuzzAddresses(f *testing.F) {
	f.Add(`"Smith, Joe" <joe@example.com>, g: a@x;`)
	f.Add("<@r:a@b>(c)")
	f.Add("]<\t)") // once an endless loop: a stray ')' made an empty atom forever
	f.Fuzz(func(t *testing.T, in string) {
		addrs, err := Addresses(in)
		if err != nil {
			return
		}
		for _, a := range addrs {
			if len(a) > len(in) {
				t.Fatalf("address %q longer than its field %q", a, in)
			}
		}
	})
}
