package control

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func dirWith(t *testing.T, files map[string]string) *Dir {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Open(dir)
}

func TestLine(t *testing.T) {
	d := dirWith(t, map[string]string{
		"me":        "mx.example.com \t\n",
		"empty":     "",
		"crlf":      "host\r\n",
		"multi":     "first\nsecond\n",
		"nonl":      "last",
		"leading":   "  spaced",
		"databytes": "1000 bytes\n",
		"bad":       "x12\n",
	})
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{"me", "mx.example.com", true},
		{"empty", "", true},
		{"crlf", "host\r", true},
		{"multi", "first", true},
		{"nonl", "last", true},
		{"leading", "  spaced", true},
		{"missing", "", false},
	} {
		got, ok, err := d.Line(tc.name)
		if err != nil || ok != tc.ok || got != tc.want {
			t.Errorf("Line(%s) = %q, %v, %v; want %q, %v", tc.name, got, ok, err, tc.want, tc.ok)
		}
	}
	if n, _ := d.Int("databytes", 0); n != 1000 {
		t.Errorf("Int(databytes) = %d, want 1000", n)
	}
	if n, _ := d.Int("bad", 7); n != 7 {
		t.Errorf("Int(bad) = %d, want the default 7", n)
	}
	if n, _ := d.Int("missing", 42); n != 42 {
		t.Errorf("Int(missing) = %d, want 42", n)
	}
}

func TestDefaultsFromMe(t *testing.T) {
	d := dirWith(t, map[string]string{"me": "mx.example.com\n", "rcpthosts": "# comment\n\nexample.com  \n.example.org\n"})
	if got, _ := d.LineDefault("defaultdomain", true, "x"); got != "mx.example.com" {
		t.Errorf("defaultdomain from me = %q", got)
	}
	if got, _ := d.LineDefault("plusdomain", false, "def"); got != "def" {
		t.Errorf("plusdomain default = %q", got)
	}
	if got, _ := d.LinesDefault("locals", true); !reflect.DeepEqual(got, []string{"mx.example.com"}) {
		t.Errorf("locals from me = %q", got)
	}
	if got, _ := d.LinesDefault("rcpthosts", true); !reflect.DeepEqual(got, []string{"example.com", ".example.org"}) {
		t.Errorf("rcpthosts = %q", got)
	}
	noMe := dirWith(t, nil)
	if got, _ := noMe.LineDefault("defaultdomain", true, "fallback"); got != "fallback" {
		t.Errorf("without me: %q", got)
	}
	if got, _ := noMe.LinesDefault("locals", true); got != nil {
		t.Errorf("locals without me: %q", got)
	}
}
