package rcptcheck

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/quail-mta/quail/pkg/send"
	"github.com/quail-mta/quail/pkg/users"
)

// testChecker has homes for joe (with .qmail-list and
// .qmail-shop-default), alias (with .qmail-postmaster and
// .qmail-owner-default) and vhost, the user of the virtual domain
// virt.test (no .qmail files); users/cdb maps "joe" and the wildcard
// "vhost-"; a sticky home, a missing one and one stat cannot search.
func testChecker(t testing.TB) *Checker {
	root := t.TempDir()
	home := func(name string, files ...string) string {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "/") {
				os.Mkdir(filepath.Join(dir, f), 0o755)
				continue
			}
			os.WriteFile(filepath.Join(dir, f), []byte("./Maildir/\n"), 0o644)
		}
		return dir
	}
	joe := home("joe", ".qmail-list", ".qmail-shop-default", ".qmail-dir/")
	alias := home("alias", ".qmail-postmaster", ".qmail-owner-default")
	vhost := home("vhost")
	sticky := home("sticky")
	os.Chmod(sticky, 0o755|os.ModeSticky)
	locked := home("locked")
	entries := map[string]users.Entry{
		"joe":    {User: "joe", UID: 1001, Home: joe},
		"sticky": {User: "sticky", UID: 1003, Home: sticky},
		"locked": {User: "locked", UID: 1004, Home: locked},
		"gone":   {User: "gone", UID: 1005, Home: filepath.Join(root, "gone")},
	}
	return &Checker{
		Controls: &send.Controls{
			Locals:         map[string]bool{"example.com": true},
			PercentHack:    map[string]bool{},
			VirtualDomains: map[string]string{"virt.test": "vhost"},
			EnvNoAtHost:    "example.com",
		},
		Assign: func(local string) (users.Entry, bool, error) {
			local = strings.ToLower(local)
			if local == "broken" {
				return users.Entry{}, false, errors.New("users/cdb: read error")
			}
			if rest, ok := strings.CutPrefix(local, "vhost-"); ok {
				return users.Entry{User: "vhost", UID: 1002, Home: vhost, Dash: "-", Ext: rest}, true, nil
			}
			user, ext, dashed := strings.Cut(local, "-")
			e, ok := entries[user]
			if ok && dashed {
				e.Dash, e.Ext = "-", ext
			}
			return e, ok, nil
		},
		Getpw: func(local string) (users.Entry, error) {
			if local == "nopasswd" {
				return users.Entry{}, &users.GetpwError{Code: users.ExitSys}
			}
			return users.Entry{User: "alias", UID: 1000, Home: alias, Dash: "-", Ext: local}, nil
		},
		Stat: func(path string) (fs.FileInfo, error) {
			if strings.HasPrefix(path, locked+"/") {
				return nil, &fs.PathError{Op: "stat", Path: path, Err: syscall.EACCES}
			}
			return os.Stat(path)
		},
	}
}

func TestDeliverable(t *testing.T) {
	c := testChecker(t)
	for _, tc := range []struct {
		recipient string
		want      bool
		err       error
	}{
		{"someone@remote.test", true, nil},         // not delivered here
		{"joe@example.com", true, nil},             // no extension: the default delivery
		{"Joe@EXAMPLE.com", true, nil},             // cases as qmail-send and qmail-lspawn fold them
		{"joe-list@example.com", true, nil},        // .qmail-list
		{"joe-LIST@example.com", true, nil},        // extensions are lowercased for the file name
		{"joe-shop-shoes@example.com", true, nil},  // .qmail-shop-default
		{"joe-nosuch@example.com", false, nil},     // no .qmail file takes it
		{"joe-dir@example.com", false, nil},        // a directory is not a .qmail file
		{"postmaster@example.com", true, nil},      // ~alias/.qmail-postmaster
		{"postmaster", true, nil},                  // envnoathost
		{"owner-list@example.com", true, nil},      // ~alias/.qmail-owner-default
		{"nobody@example.com", false, nil},         // neither a user nor an alias
		{"anything@virt.test", false, nil},         // vhost has no .qmail-anything or -default
		{"sticky-x@example.com", true, nil},        // qmail-local would defer
		{"locked-x@example.com", true, nil},        // cannot look: accept
		{"gone-x@example.com", true, nil},          // no home: qmail-local defers
		{"@example.com", true, nil},                // the trash address
		{"broken@example.com", false, ErrUnsure},   // users/cdb unreadable
		{"nopasswd@example.com", false, ErrUnsure}, // qmail-getpw failed
	} {
		got, err := c.Deliverable(tc.recipient)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("Deliverable(%q) = %v, %v; want %v, %v", tc.recipient, got, err, tc.want, tc.err)
		}
	}
}

// FuzzDeliverable: any address a client sends is judged without a panic,
// and nothing outside the homes' .qmail files can make a local address
// deliverable: one the alias account has no file for is refused.
func FuzzDeliverable(f *testing.F) {
	for _, seed := range []string{"joe-list@example.com", "x@virt.test", "a%b@example.com", "@", "",
		"alias-../../etc/passwd@example.com", "joe-/@example.com", "nosuch@EXAMPLE.COM."} {
		f.Add(seed)
	}
	c := testChecker(f)
	f.Fuzz(func(t *testing.T, recipient string) {
		ok, err := c.Deliverable(recipient)
		if err != nil && !errors.Is(err, ErrUnsure) {
			t.Fatalf("Deliverable(%q): %v", recipient, err)
		}
		unowned := strings.HasPrefix(recipient, "zz") && strings.HasSuffix(recipient, "@example.com") &&
			!strings.Contains(recipient, "%") && strings.Count(recipient, "@") == 1
		if unowned && ok {
			t.Errorf("Deliverable(%q) = true: the alias account has no file for it", recipient)
		}
	})
}
