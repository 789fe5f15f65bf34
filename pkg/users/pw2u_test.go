package users

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePw2uArgs(t *testing.T) {
	tests := []struct {
		args []string
		want Pw2uOptions
		err  bool
	}{
		{args: nil, want: DefaultPw2uOptions()},
		{args: []string{"-/", "-H", "-u"}, want: Pw2uOptions{DashColon: "-/:", HomeStrategy: HomeIgnore, Break: '-'}},
		{args: []string{"-hc.", "-U"}, want: Pw2uOptions{DashColon: "-:", HomeStrategy: HomeRequired, NoUpper: true, Break: '.'}},
		{args: []string{"-c", "+", "-C"}, want: Pw2uOptions{DashColon: "-:", HomeStrategy: HomeSkip, NoUpper: true}},
		{args: []string{"-x"}, err: true},
		{args: []string{"-c"}, err: true},
	}
	for _, tt := range tests {
		got, err := ParsePw2uArgs(tt.args)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("%q: %+v %v, want %+v", tt.args, got, err, tt.want)
		}
	}
}

// pw2uHome makes a qmail home with users/ helper files, and a user home.
func pw2uHome(t *testing.T, files map[string]string) (home, userHome string) {
	t.Helper()
	home = t.TempDir()
	os.Mkdir(filepath.Join(home, "users"), 0o755)
	for name, text := range files {
		os.WriteFile(filepath.Join(home, "users", name), []byte(text), 0o644)
	}
	return home, t.TempDir()
}

func runPw2u(t *testing.T, opt Pw2uOptions, home, passwd string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := Pw2u(opt, home, strings.NewReader(passwd), &out)
	return out.String(), err
}

func TestPw2u(t *testing.T) {
	home, uhome := pw2uHome(t, map[string]string{
		"mailnames": "joe:joe.shmoe:js\n",
		"subusers":  "sub:joe:pre:\n",
		"append":    "=extra:joe:1:2:/x:::\n",
		"exclude":   "# comment\nexcluded\n",
	})
	// The accounts' homes must be owned by their uid, which uid 0 never is.
	uid := itoa(os.Getuid())
	if os.Getuid() == 0 {
		uid = "4242"
		if err := os.Chown(uhome, 4242, 4242); err != nil {
			t.Fatal(err)
		}
	}
	passwd := "root:x:0:0:root:/root:/bin/sh\n" +
		"alias:x:" + uid + ":7:alias:" + uhome + ":/bin/true\n" +
		"joe:x:" + uid + ":8:Joe:" + uhome + ":/bin/sh\n" +
		"Upper:x:" + uid + ":8:U:" + uhome + ":/bin/sh\n" +
		"excluded:x:" + uid + ":8:E:" + uhome + ":/bin/sh\n" +
		"gone:x:" + uid + ":8:G:" + uhome + "/missing:/bin/sh\n" +
		"short:x:" + uid + ":8:S:" + uhome + "\n"
	got, err := runPw2u(t, DefaultPw2uOptions(), home, passwd)
	if err != nil {
		t.Fatal(err)
	}
	uugh := ":" + uid + ":"
	want := "+:alias" + uugh + "7:" + uhome + ":-::\n" +
		"=alias:alias" + uugh + "7:" + uhome + ":::\n" +
		"+alias-:alias" + uugh + "7:" + uhome + ":-::\n" +
		"=joe.shmoe:joe" + uugh + "8:" + uhome + ":::\n" +
		"+joe.shmoe-:joe" + uugh + "8:" + uhome + ":-::\n" +
		"=js:joe" + uugh + "8:" + uhome + ":::\n" +
		"+js-:joe" + uugh + "8:" + uhome + ":-::\n" +
		"=sub:joe" + uugh + "8:" + uhome + ":-:pre:\n" +
		"+sub-:joe" + uugh + "8:" + uhome + ":-:pre-:\n" +
		"=extra:joe:1:2:/x:::\n" +
		".\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	opt := DefaultPw2uOptions()
	opt.HomeStrategy = HomeRequired
	if _, err := runPw2u(t, opt, home, passwd); err == nil || err.Error() != "unable to stat "+uhome+"/missing" {
		t.Errorf("-h with a missing home: %v", err)
	}
}

func TestPw2uNoHomeCheck(t *testing.T) {
	home, _ := pw2uHome(t, map[string]string{"subusers": "sub:nosuch:pre:\n"})
	passwd := "alias:x:7790:2108::/var/qmail/alias:/bin/true\nJoe:x:500:8::/home/joe:/bin/sh"
	opt := Pw2uOptions{DashColon: "-/:", HomeStrategy: HomeIgnore, Break: '.'}
	_, err := runPw2u(t, opt, home, passwd)
	var perr *Pw2uError
	if !errors.As(err, &perr) || perr.Text != "unable to find nosuch user for subuser" {
		t.Fatalf("unknown subuser owner: %v", err)
	}
	os.Remove(filepath.Join(home, "users", "subusers"))
	want := "+:alias:7790:2108:/var/qmail/alias:-/::\n" +
		"=alias:alias:7790:2108:/var/qmail/alias:::\n" +
		"+alias.:alias:7790:2108:/var/qmail/alias:-/::\n" +
		"=Joe:Joe:500:8:/home/joe:::\n" +
		"+Joe.:Joe:500:8:/home/joe:-/::\n" +
		".\n"
	opt.NoUpper = false
	got, err := runPw2u(t, opt, home, passwd)
	if err != nil || got != want {
		t.Errorf("got %v\n%s\nwant\n%s", err, got, want)
	}
	if _, err := runPw2u(t, opt, home, "joe:x:500:8::/home/joe:/bin/sh\n"); err == nil || err.Error() != "unable to find alias user" {
		t.Errorf("no alias account: %v", err)
	}
}
