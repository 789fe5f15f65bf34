package users

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/cdb"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line      string
		key, data string
		wild      byte
		err       bool
	}{
		{line: "=joe.Shmoe:joe:503:78:/home/joe:::\n", key: "!joe.shmoe\x00", data: "joe\x00503\x0078\x00/home/joe\x00\x00"},
		{line: "+Joe-:joe:507:100:/home/joe:-::\n", key: "!joe-", data: "joe\x00507\x00100\x00/home/joe\x00-\x00", wild: '-'},
		{line: "+:alias:7790:2108:/var/qmail/alias:-::\n", key: "!", data: "alias\x007790\x002108\x00/var/qmail/alias\x00-\x00"},
		// Anything not "+" is an exact line; the "=" is not checked.
		{line: "xjoe:joe:1:2:/h:-:ext:trailing:junk\n", key: "!joe\x00", data: "joe\x001\x002\x00/h\x00-\x00ext"},
		{line: "=a:u:1:2:/h:-:e\n", err: true},    // five colons after the key
		{line: ":u:1:2:/h:-:e:\n", err: true},     // colon at position 0
		{line: "=nocolon\n", err: true},           // no colon
		{line: "=a:u\x00:1:2:/h:::\n", err: true}, // NUL
	}
	for _, tt := range tests {
		rec, wild, err := ParseLine([]byte(tt.line))
		if tt.err {
			if !errors.Is(err, ErrFormat) {
				t.Errorf("%q: err %v, want ErrFormat", tt.line, err)
			}
			continue
		}
		if err != nil || string(rec.Key) != tt.key || string(rec.Data) != tt.data || wild != tt.wild {
			t.Errorf("%q: got %q %q %q %v, want %q %q %q", tt.line, rec.Key, rec.Data, wild, err, tt.key, tt.data, tt.wild)
		}
	}
}

const exampleAssign = "+:alias:7790:2108:/var/qmail/alias:-::\n" +
	"+joe-:joe:507:100:/home/joe:-::\n" +
	"=joe:joe:507:100:/home/joe:::\n" +
	"+list.:lists:600:100:/home/lists:-:l-:\n" +
	".\n" +
	"this is ignored\n"

func TestCompile(t *testing.T) {
	var keys []string
	err := Compile(strings.NewReader(exampleAssign), func(r Record) error {
		keys = append(keys, string(r.Key)+"="+string(r.Data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	last := keys[len(keys)-1]
	if len(keys) != 5 || last != "=-." {
		t.Errorf("records %q; want 4 lines and the wildchars record \"-.\" last", keys)
	}
	for _, bad := range []string{"", "=joe:joe:1:2:/h:::\n", "=joe:joe:1:2:/h:::"} {
		if err := Compile(strings.NewReader(bad), func(Record) error { return nil }); !errors.Is(err, ErrFormat) {
			t.Errorf("%q without the dot line: %v, want ErrFormat", bad, err)
		}
	}
}

// writeCDB runs qmail-newu on assign in a fresh home and returns the home.
func writeCDB(t *testing.T, assign string) string {
	t.Helper()
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, "users"), 0o755)
	if err := os.WriteFile(filepath.Join(home, "users", "assign"), []byte(assign), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := NewU(home); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestLookup(t *testing.T) {
	home := writeCDB(t, exampleAssign)
	db, err := cdb.Open(filepath.Join(home, "users", "cdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct{ local, user, dash, ext string }{
		{"joe", "joe", "", ""},
		{"JOE", "joe", "", ""},
		{"joe-direct", "joe", "-", "direct"},
		{"Joe-Direct-X", "joe", "-", "Direct-X"},
		{"joe-", "joe", "-", ""},
		{"bill", "alias", "-", "bill"},
		{"joey", "alias", "-", "joey"}, // "joe" is an exact line, not a prefix
		{"list.x-y", "lists", "-", "l-x-y"},
		{"list", "alias", "-", "list"},
		{"", "alias", "-", ""},
	}
	for _, tt := range tests {
		raw, found, err := Lookup(db, tt.local)
		if err != nil || !found {
			t.Errorf("%q: found %v err %v", tt.local, found, err)
			continue
		}
		e, err := ParseEntry(raw)
		if err != nil || e.User != tt.user || e.Dash != tt.dash || e.Ext != tt.ext {
			t.Errorf("%q: got %+v %v, want user %q dash %q ext %q", tt.local, e, err, tt.user, tt.dash, tt.ext)
		}
	}
}

func TestLookupFile(t *testing.T) {
	home := writeCDB(t, "=joe:joe:507:100:/home/joe:::\n.\n")
	raw, found, err := LookupFile(filepath.Join(home, "users", "cdb"), "JOE")
	if e, perr := ParseEntry(raw); err != nil || !found || perr != nil || e.User != "joe" {
		t.Errorf("joe: %q, %v, %v", raw, found, err)
	}
	if _, found, err := LookupFile(filepath.Join(home, "users", "cdb"), "bill"); err != nil || found {
		t.Errorf("bill: found %v, %v", found, err)
	}
	if _, found, err := LookupFile(filepath.Join(home, "users", "none"), "joe"); err != nil || found {
		t.Errorf("no users/cdb: found %v, %v; want nothing found and no error", found, err)
	}
	if _, _, err := LookupFile(home, "joe"); err == nil { // a directory is no cdb
		t.Error("a directory as users/cdb: no error")
	}
}

func TestLookupWithoutCatchAll(t *testing.T) {
	home := writeCDB(t, "=joe:joe:507:100:/home/joe:::\n.\n")
	db, err := cdb.Open(filepath.Join(home, "users", "cdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, found, err := Lookup(db, "bill"); found || err != nil {
		t.Errorf("bill: found %v err %v; want not found", found, err)
	}
}

func TestParseEntry(t *testing.T) {
	e, err := ParseEntry([]byte("joe\x00507x\x00\x00/home/joe\x00-\x00ext\x00"))
	if err != nil || e.UID != 507 || e.GID != 0 || e.Home != "/home/joe" || e.Ext != "ext" {
		t.Errorf("got %+v %v", e, err)
	}
	if _, err := ParseEntry([]byte("joe\x00507\x00100\x00/home/joe\x00-\x00ext")); err == nil {
		t.Error("entry without the final NUL accepted")
	}
	if got := string(e.Format()); got != "joe\x00507\x000\x00/home/joe\x00-\x00ext\x00" {
		t.Errorf("Format: %q", got)
	}
}

// TestNewUMatchesCTools feeds the records qmail-newu writes (as
// qmail-newu.c builds them) to the C cdbmake (freecdb) and tinycdb's
// cdb -c and compares their files byte for byte with users/cdb.
func TestNewUMatchesCTools(t *testing.T) {
	home := writeCDB(t, exampleAssign)
	got, err := os.ReadFile(filepath.Join(home, "users", "cdb"))
	if err != nil {
		t.Fatal(err)
	}
	// The records qmail-newu writes for exampleAssign, in its order.
	records := [][2]string{
		{"!", "alias\x007790\x002108\x00/var/qmail/alias\x00-\x00"},
		{"!joe-", "joe\x00507\x00100\x00/home/joe\x00-\x00"},
		{"!joe\x00", "joe\x00507\x00100\x00/home/joe\x00\x00"},
		{"!list.", "lists\x00600\x00100\x00/home/lists\x00-\x00l-"},
		{"", "-."},
	}
	var input bytes.Buffer
	for _, r := range records {
		input.WriteString("+" + itoa(len(r[0])) + "," + itoa(len(r[1])) + ":" + r[0] + "->" + r[1] + "\n")
	}
	input.WriteString("\n")
	tools := map[string]func(dst string) []string{
		"cdbmake": func(dst string) []string { return []string{dst, dst + ".tmp"} },
		"cdb":     func(dst string) []string { return []string{"-c", dst} },
	}
	for name, args := range tools {
		t.Run(name, func(t *testing.T) {
			tool := testenv.Tool(t, name)
			dst := filepath.Join(t.TempDir(), "c.cdb")
			cmd := exec.Command(tool, args(dst)...)
			cmd.Stdin = bytes.NewReader(input.Bytes())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, out)
			}
			if want, _ := os.ReadFile(dst); !bytes.Equal(got, want) {
				t.Errorf("users/cdb differs from %s's file", name)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestNewUErrors(t *testing.T) {
	home := t.TempDir()
	var nerr *NewuError
	if err := NewU(home); !errors.As(err, &nerr) || nerr.Text != "unable to open users/assign" {
		t.Errorf("no users/: %v", err)
	}
	os.Mkdir(filepath.Join(home, "users"), 0o755)
	os.WriteFile(filepath.Join(home, "users", "assign"), []byte("=joe:x\n.\n"), 0o644)
	os.WriteFile(filepath.Join(home, "users", "cdb"), []byte("old"), 0o644)
	if err := NewU(home); !errors.As(err, &nerr) || nerr.Text != "bad format in users/assign" {
		t.Errorf("bad line: %v", err)
	}
	if old, _ := os.ReadFile(filepath.Join(home, "users", "cdb")); string(old) != "old" {
		t.Error("a failed run replaced users/cdb")
	}
}

type fakePasswd map[string]Account

func (f fakePasswd) lookup(name string) (*Account, error) {
	if name == "busy" {
		return nil, syscall.ETXTBSY
	}
	if a, ok := f[name]; ok {
		return &a, nil
	}
	return nil, nil
}

func TestGetPw(t *testing.T) {
	pw := fakePasswd{
		"joe":   {Name: "joe", UID: 507, GID: 100, Home: "/home/joe"},
		"joe-x": {Name: "joe-x", UID: 508, GID: 100, Home: "/home/joex"},
		"root":  {Name: "root", UID: 0, GID: 0, Home: "/root"},
		"bob":   {Name: "bob", UID: 509, GID: 100, Home: "/home/stolen"},
		"nfs":   {Name: "nfs", UID: 510, GID: 100, Home: "/nfs/gone"},
		"alias": {Name: "alias", UID: 7790, GID: 2108, Home: "/var/qmail/alias"},
	}
	owners := map[string]uint64{"/home/joe": 507, "/home/joex": 508, "/root": 0, "/home/stolen": 1, "/var/qmail/alias": 7790}
	owner := func(path string) (uint64, error) {
		if path == "/nfs/gone" {
			return 0, syscall.ESTALE
		}
		if uid, ok := owners[path]; ok {
			return uid, nil
		}
		return 0, syscall.ENOENT
	}
	tests := []struct {
		local, want string
		code        int
	}{
		{local: "joe", want: "joe\x00507\x00100\x00/home/joe\x00\x00\x00"},
		{local: "Joe-Foo", want: "joe\x00507\x00100\x00/home/joe\x00-\x00Foo\x00"},
		{local: "joe-x-y", want: "joe-x\x00508\x00100\x00/home/joex\x00-\x00y\x00"},
		{local: "root", want: "alias\x007790\x002108\x00/var/qmail/alias\x00-\x00root\x00"},
		{local: "bob-a", want: "alias\x007790\x002108\x00/var/qmail/alias\x00-\x00bob-a\x00"},
		{local: "nfs", code: ExitNFS},
		{local: "busy", code: ExitSys},
		{local: strings.Repeat("j", 32) + "-joe", want: "alias\x007790\x002108\x00/var/qmail/alias\x00-\x00" + strings.Repeat("j", 32) + "-joe\x00"},
	}
	for _, tt := range tests {
		e, err := GetPw(tt.local, pw.lookup, owner)
		var gerr *GetpwError
		switch {
		case tt.code != 0:
			if !errors.As(err, &gerr) || gerr.Code != tt.code {
				t.Errorf("%q: %v, want exit %d", tt.local, err, tt.code)
			}
		case err != nil || string(e.Format()) != tt.want:
			t.Errorf("%q: %q %v, want %q", tt.local, e.Format(), err, tt.want)
		}
	}
	delete(pw, "alias")
	var gerr *GetpwError
	if _, err := GetPw("nobody-here", pw.lookup, owner); !errors.As(err, &gerr) || gerr.Code != ExitNoAlias {
		t.Errorf("without alias: %v, want exit %d", err, ExitNoAlias)
	}
}

func FuzzCompile(f *testing.F) {
	f.Add([]byte(exampleAssign))
	f.Add([]byte("=a:b:c:d:e:f:g:\n+:x::::::\n.\n"))
	f.Add([]byte("+A\x00:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := Compile(bytes.NewReader(data), func(r Record) error {
			n++
			if len(r.Key) > 0 && r.Key[0] != '!' {
				t.Fatalf("key %q without '!'", r.Key)
			}
			if bytes.Count(r.Data, []byte{0}) > 5 {
				t.Fatalf("data %q with more than five NULs", r.Data)
			}
			return nil
		})
		if err == nil && n == 0 {
			t.Fatal("success without the wildchars record")
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	var assign strings.Builder
	for i := 0; i < 10000; i++ {
		n := strconv.Itoa(i)
		assign.WriteString("=user" + n + ":u" + n + ":" + n + ":100:/home/u" + n + ":::\n")
		assign.WriteString("+user" + n + "-:u" + n + ":" + n + ":100:/home/u" + n + ":-::\n")
	}
	assign.WriteString("+:alias:7790:2108:/var/qmail/alias:-::\n.\n")
	home := b.TempDir()
	os.Mkdir(filepath.Join(home, "users"), 0o755)
	os.WriteFile(filepath.Join(home, "users", "assign"), []byte(assign.String()), 0o644)
	if err := NewU(home); err != nil {
		b.Fatal(err)
	}
	db, err := cdb.Open(filepath.Join(home, "users", "cdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		if _, found, err := Lookup(db, "User4242-Some-Extension"); !found || err != nil {
			b.Fatal(found, err)
		}
	}
}

// FuzzParseEntry feeds qmail-getpw-style output, which qmail-lspawn
// reads from another program, to the parser.
func FuzzParseEntry(f *testing.F) {
	f.Add([]byte("joe\x00507\x00100\x00/home/joe\x00-\x00ext\x00"))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEntry(b)
		if err != nil {
			if bytes.Count(b, []byte{0}) >= 6 {
				t.Fatalf("%q rejected with six NULs", b)
			}
			return
		}
		again, err := ParseEntry(e.Format())
		if err != nil || again != e {
			t.Fatalf("%+v does not survive Format: %+v %v", e, again, err)
		}
	})
}
