package tcpserver

import (
	"bufio"
	"strings"
	"testing"
)

func TestParseIdent(t *testing.T) {
	for _, tc := range []struct {
		answer string
		info   string
		ok     bool
	}{
		{"6193, 23 : USERID : UNIX : joe\r\n", "joe", true},
		{"6193,23:USERID:UNIX:joe smith\r\n", "joesmith", true},
		{"6193, 23 : USERID : UNIX,US-ASCII : a:b\n", "a:b", true},
		{"6193, 23 : ERROR : NO-USER\r\n", "", true},
		{"6193, 23 : USERID : UNIX : joe", "", false}, // no end of line
		{"", "", false},
		{"1,2:USERID:UNIX:" + strings.Repeat("x", 300) + "\n", strings.Repeat("x", maxInfo+1), true},
	} {
		info, ok := parseIdent(bufio.NewReader(strings.NewReader(tc.answer)))
		if info != tc.info || ok != tc.ok {
			t.Errorf("parseIdent(%q) = %q, %v; want %q, %v", tc.answer, info, ok, tc.info, tc.ok)
		}
	}
}

// FuzzParseIdent: an ident answer comes from the client's machine.
func FuzzParseIdent(f *testing.F) {
	f.Add([]byte("6193, 23 : USERID : UNIX : joe\r\n"))
	f.Fuzz(func(t *testing.T, answer []byte) {
		info, _ := parseIdent(bufio.NewReader(strings.NewReader(string(answer))))
		if len(info) > maxInfo+1 || strings.ContainsAny(info, " \t\r\n") {
			t.Fatalf("info %q", info)
		}
	})
}

func TestParsePort(t *testing.T) {
	for in, want := range map[string]int{"25": 25, "70000": 4464, "0": 0, "smtp": 25, "65536": 0} {
		if got, err := ParsePort(in); err != nil || got != want {
			t.Errorf("ParsePort(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParsePort("notaport"); err == nil {
		t.Error("ParsePort(notaport) succeeded")
	}
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"host.example":           "host.example",
		"bad host%\x01\xff":      "bad?host???",
		strings.Repeat("a", 101): strings.Repeat("a", 100) + "...",
	} {
		if got := safe(in); got != want {
			t.Errorf("safe(%q) = %q, want %q", in, got, want)
		}
	}
}
