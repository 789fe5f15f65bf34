package resolver

import (
	"reflect"
	"testing"
)

func TestParseServers(t *testing.T) {
	for in, want := range map[string][]string{
		"":                           nil,
		"127.0.0.1":                  {"127.0.0.1:53"},
		"127.0.0.1 10.0.0.1":         {"127.0.0.1:53", "10.0.0.1:53"},
		"::1,127.0.0.1:5353":         {"[::1]:53", "127.0.0.1:5353"},
		"[::1]:5353":                 {"[::1]:5353"},
		"not-an-ip 127.0.0.2\tjunk:": {"127.0.0.2:53"},
	} {
		if got := parseServers(in); !reflect.DeepEqual(got, want) {
			t.Errorf("parseServers(%q) = %q, want %q", in, got, want)
		}
	}
}
