package local

import (
	"reflect"
	"strings"
	"testing"
)

func TestCandidates(t *testing.T) {
	tests := []struct {
		dash, ext string
		want      []string
		defaults  []int
	}{
		{"", "", []string{".qmail", ".qmaildefault"}, []int{-1, 0}},
		{"-", "", []string{".qmail-", ".qmail-default"}, []int{-1, 0}},
		{"-", "foo-bar", []string{".qmail-foo-bar", ".qmail-foo-default", ".qmail-default"}, []int{-1, 4, 0}},
		{"-", "a-b-", []string{".qmail-a-b-", ".qmail-a-b-default", ".qmail-a-default", ".qmail-default"}, []int{-1, 4, 2, 0}},
		{"-", "Joe.Smith", []string{".qmail-joe:smith", ".qmail-default"}, []int{-1, 0}},
		{"-/", "a-b-c", []string{".qmail-/a-b-c", ".qmail-/a-b-default", ".qmail-/a-default", ".qmail-/default"}, []int{-1, 4, 2, 0}},
		{"-", "list-default", []string{".qmail-list-default", ".qmail-list-default", ".qmail-default"}, []int{5, 5, 0}},
	}
	for _, tt := range tests {
		var names []string
		var defaults []int
		for _, c := range Candidates(tt.dash, tt.ext) {
			names = append(names, c.Name)
			defaults = append(defaults, c.Default)
		}
		if !reflect.DeepEqual(names, tt.want) || !reflect.DeepEqual(defaults, tt.defaults) {
			t.Errorf("%q %q: %q %v, want %q %v", tt.dash, tt.ext, names, defaults, tt.want, tt.defaults)
		}
	}
}

func TestParse(t *testing.T) {
	text := "# comment\n|preline procmail  \n./Mailbox\n/var/mail/joe\n./Maildir/\t\n" +
		"&joe@example.com\nbob@example.net\n+list\n+other\n\n  indented\n|\n&\nlast"
	want := []Line{
		{Comment, "# comment"},
		{Program, "preline procmail"},
		{Mbox, "./Mailbox"},
		{Mbox, "/var/mail/joe"},
		{Maildir, "./Maildir/"},
		{Forward, "joe@example.com"},
		{Forward, "bob@example.net"},
		{List, "+list"},
		{Plus, "+other"},
		{Blank, ""},
		{Forward, "  indented"},
		{Program, ""},
		{Forward, ""},
		{Forward, "last"},
	}
	if got := Parse(text); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := Parse(""); !reflect.DeepEqual(got, []Line{{Blank, ""}}) {
		t.Errorf("empty text: %+v", got)
	}
	if got := Parse("|a\x00b\n/x/\x00y/\n\x00z\n+list\x00q"); !reflect.DeepEqual(got, []Line{{Program, "a"}, {Maildir, "/x/"}, {Blank, ""}, {List, "+list"}}) {
		t.Errorf("NUL bytes: %+v", got)
	}
}

func TestQuoteAddress(t *testing.T) {
	tests := map[string]string{
		"":                  "",
		"alice@example.net": "alice@example.net",
		"#@[]":              "#@[]",
		"a b@x":             `"a b"@x`,
		`a"b\c@x`:           `"a\"b\\c"@x`,
		".a@x":              `".a"@x`,
		"a..b@x":            `"a..b"@x`,
		"@x":                `""@x`,
		"noat":              "noat",
		"x@y@z":             `"x@y"@z`,
	}
	for in, want := range tests {
		if got := quoteAddress(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("# c\n|prog\n./Maildir/\n./mbox\n&a@b\nc@d\n+list\n")
	f.Fuzz(func(t *testing.T, text string) {
		lines := Parse(text)
		if want := strings.Count(text, "\n") + 1; !strings.HasSuffix(text, "\n") && len(lines) != want ||
			strings.HasSuffix(text, "\n") && len(lines) != want-1 {
			t.Fatalf("%d lines from %q", len(lines), text)
		}
		for _, l := range lines {
			if strings.ContainsAny(l.Arg, "\n\x00") {
				t.Fatalf("argument %q holds a newline or NUL", l.Arg)
			}
			if l.Kind == Maildir && !strings.HasSuffix(l.Arg, "/") && !strings.Contains(text, "\x00") {
				t.Fatalf("maildir %q without a final slash", l.Arg)
			}
		}
	})
}
