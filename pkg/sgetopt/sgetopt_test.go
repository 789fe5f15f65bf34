package sgetopt

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/spf13/pflag"
)

func TestParser(t *testing.T) {
	tests := []struct {
		argv   []string
		opts   string
		want   []string // option letters, with "=arg" for arguments
		rest   []string
		stderr string
	}{
		{[]string{"p", "-ab", "x"}, "ab", []string{"a", "b"}, []string{"x"}, ""},
		{[]string{"p", "-fsender", "x"}, "f:", []string{"f=sender"}, []string{"x"}, ""},
		{[]string{"p", "-f", "", "x"}, "f:", []string{"f="}, []string{"x"}, ""},
		{[]string{"p", "-af", "s", "--", "-b"}, "abf:", []string{"a", "f=s"}, []string{"-b"}, ""},
		{[]string{"p", "-", "-a"}, "a", nil, []string{"-", "-a"}, ""},
		{[]string{"p", "x", "-a"}, "a", nil, []string{"x", "-a"}, ""},
		{[]string{"/bin/p", "-z"}, "a", []string{"?"}, nil, "p: illegal option -- z\n"},
		{[]string{"p", "-f"}, "f:", []string{"?"}, nil, "p: option requires an argument -- f\n"},
		{[]string{"p", "-:"}, "a:", []string{"?"}, nil, "p: illegal option -- :\n"},
	}
	for _, tt := range tests {
		var errs bytes.Buffer
		p := New(tt.argv, tt.opts, &errs)
		var got []string
		for c := p.Next(); c != Done; c = p.Next() {
			s := string(rune(c))
			if p.Arg != "" || (c == 'f' && c != '?') {
				s += "=" + p.Arg
			}
			got = append(got, s)
			if c == '?' {
				break
			}
		}
		if !reflect.DeepEqual(got, tt.want) || errs.String() != tt.stderr {
			t.Errorf("%q: got %q stderr %q, want %q %q", tt.argv, got, errs.String(), tt.want, tt.stderr)
		}
		if tt.stderr == "" && !reflect.DeepEqual(p.Rest(), tt.rest) && !(len(p.Rest()) == 0 && len(tt.rest) == 0) {
			t.Errorf("%q: rest %q, want %q", tt.argv, p.Rest(), tt.rest)
		}
	}
}

// TestFromPflag words pflag's own errors, so a change in pflag's wording
// fails here rather than in a usage message.
func TestFromPflag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-z"}, "prog: illegal option -- z"},
		{[]string{"-az"}, "prog: illegal option -- z"},
		{[]string{"-c"}, "prog: option requires an argument -- c"},
		{[]string{"-a", "-c"}, "prog: option requires an argument -- c"},
		{[]string{"--long"}, ""},
	} {
		fs := pflag.NewFlagSet("prog", pflag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.BoolP("opt-a", "a", false, "")
		fs.StringP("opt-c", "c", "", "")
		err := fs.Parse(tc.args)
		if err == nil {
			t.Fatalf("%q: no error", tc.args)
		}
		if got := FromPflag("prog", err); got != tc.want {
			t.Errorf("%q: %q gives %q, want %q", tc.args, err, got, tc.want)
		}
	}
}
