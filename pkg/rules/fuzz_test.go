package rules

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/quail-mta/quail/pkg/cdb"
)

func FuzzRulesCompile(f *testing.F) {
	for _, seed := range []string{
		"127.:allow,RELAYCLIENT=\"\"\n:deny\n",
		"10.2-3.:allow\n1.2.3.112-127:deny,A='x'\n",
		"2001:db8::1:allow\n::ffff:10.0.0.1-3:allow\n",
		"joe@=host:allow,A,B=xyzx\n=.example.com:deny\n=:allow\n",
		"no colon\n  # x:deny\n1.2.3.4:Allow\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		var records int
		add := func(_ int, key, data []byte) error {
			records++
			if records > 1<<20 {
				t.Fatalf("more than a million records from %d bytes", len(input))
			}
			return nil
		}
		err := Compile(input, func() error { records = 0; return nil }, add)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("Compile returned %T %v, want a ParseError or nil", err, err)
			}
		}
	})
}

// FuzzRulesLookup looks clients up in arbitrary database bytes: errors are
// fine, panics and reads out of bounds are not.
func FuzzRulesLookup(f *testing.F) {
	f.Add(make([]byte, 2048), "1.2.3.4", "host.example.com", "joe")
	f.Add([]byte("short"), "::ffff:127.0.0.1", "", "")
	f.Fuzz(func(t *testing.T, db []byte, ip, host, info string) {
		r, err := cdb.NewReader(bytes.NewReader(db), int64(len(db)))
		if err != nil {
			return
		}
		c := Client{IP: ip, Host: host, HasHost: host != "", Info: info, HasInfo: info != ""}
		for _, key := range Keys(c) {
			data, found, err := r.Get([]byte(key))
			if err != nil {
				return
			}
			if found {
				decode(data)
				return
			}
		}
	})
}

// TestLookupFile exercises Lookup and Explain on a real file.
func TestLookupFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.cdb")
	w, err := cdb.Create(path + ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	input := "127.:allow,RELAYCLIENT=\"\"\n10.0.0.0/8:allow,NET=\"ten\"\n10.1.0.0/16:allow,NET=\"ten-one\"\n:deny\n"
	if err := Compile([]byte(input), w.Reset, func(_ int, k, d []byte) error { return w.Add(k, d) }); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(path); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ip, key string
		deny    bool
		vars    string
	}{
		{"127.0.0.1", "127.", false, "[{RELAYCLIENT }]"},
		{"::ffff:127.0.0.1", "127.", false, "[{RELAYCLIENT }]"},
		{"10.1.2.3", "10.1.0.0/16", false, "[{NET ten-one}]"},
		{"10.2.2.3", "10.0.0.0/8", false, "[{NET ten}]"},
		{"192.0.2.1", "", true, "[]"},
		{"::1", "", true, "[]"},
	} {
		d, err := Explain(path, Client{IP: tc.ip})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Matched || d.Key != tc.key || d.Deny != tc.deny || fmtVars(d.Vars) != tc.vars {
			t.Errorf("%s: got key %q deny %v vars %v; want %q %v %s", tc.ip, d.Key, d.Deny, d.Vars, tc.key, tc.deny, tc.vars)
		}
		if d.Tried[len(d.Tried)-1] != tc.key {
			t.Errorf("%s: trace ends with %q, want the matching key", tc.ip, d.Tried[len(d.Tried)-1])
		}
	}
}

func fmtVars(vars []Var) string {
	var b bytes.Buffer
	b.WriteString("[")
	for i, v := range vars {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("{" + v.Name + " " + v.Value + "}")
	}
	b.WriteString("]")
	return b.String()
}

// TestStaleBuffer: on an unterminated last line the IPv6 build reads
// "allow" left in its line buffer by an earlier line, and so fails on that
// line instead of looping.
func TestStaleBuffer(t *testing.T) {
	nop := func(int, []byte, []byte) error { return nil }
	for _, tc := range []struct {
		input, errLine string
	}{
		{"a:b:allow\nx:allow\nc:", "c:"},
		{"a:b:allow\nx:allow\nc:\n", "a:b:allow"}, // the IPv6 build loops: 0.88 fails on line 1
		{"1.2.3.4:allow\n5:", "5:"},
	} {
		err := Compile([]byte(tc.input), func() error { return nil }, nop)
		pe, ok := err.(*ParseError)
		if !ok || string(pe.Line) != tc.errLine {
			t.Errorf("%q: error %v, want a parse error on %q", tc.input, err, tc.errLine)
		}
	}
}
