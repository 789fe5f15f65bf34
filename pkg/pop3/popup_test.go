package pop3

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkpassword writes a stand-in for a checkpassword program that keeps
// what it reads on descriptor 3 in a file and exits 0 for the password
// "right", 1 otherwise, or dies by a signal for "crash".
func checkpassword(t *testing.T) (argv []string, got string) {
	dir := t.TempDir()
	got = filepath.Join(dir, "got")
	script := filepath.Join(dir, "checkpassword")
	os.WriteFile(script, []byte(`#!/bin/sh
cat <&3 > "$1"
case "$(tr '\000' ' ' < "$1")" in
*" right <"*) exit 0 ;;
*" crash <"*) kill -9 $$ ;;
esac
exit 1
`), 0o755)
	return []string{script, got}, got
}

func popup(t *testing.T, argv []string, client string) (string, int) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	cfg := &PopupConfig{
		Hostname: "pop.example.com", Checkpassword: argv,
		ChildFiles: [3]uintptr{null.Fd(), null.Fd(), null.Fd()},
		Pid:        4242, Now: func() time.Time { return now },
	}
	var out bytes.Buffer
	code := Popup(cfg, strings.NewReader(client), &out)
	return out.String(), code
}

func TestPopup(t *testing.T) {
	argv, got := checkpassword(t)
	greeting := "+OK <4242." + strconv.Itoa(int(now.Unix())) + "@pop.example.com>\r\n"
	for _, tc := range []struct {
		name, client, want, got string
	}{
		{"right password", "USER alice\r\nPASS right\r\n", greeting + "+OK \r\n",
			"alice\x00right\x00<4242." + strconv.Itoa(int(now.Unix())) + "@pop.example.com>\x00"},
		{"wrong password", "user alice\r\npass wrong\r\nNOOP\r\n", greeting + "+OK \r\n-ERR authorization failed\r\n", ""},
		{"crash", "USER alice\r\nPASS crash\r\n", greeting + "+OK \r\n-ERR aack, child crashed\r\n", ""},
		{"apop", "APOP alice 0123456789abcdef\r\n", greeting + "-ERR authorization failed\r\n",
			"alice\x000123456789abcdef\x00<4242." + strconv.Itoa(int(now.Unix())) + "@pop.example.com>\x00"},
		{"before USER", "STAT\r\nPASS right\r\nUSER\r\nAPOP alice\r\nNOOP\r\nQUIT\r\nNOOP\r\n",
			greeting + "-ERR authorization first\r\n-ERR USER first\r\n-ERR syntax error\r\n-ERR syntax error\r\n+OK \r\n+OK \r\n", ""},
		{"empty password", "USER alice\r\nPASS\r\nQUIT\r\n", greeting + "+OK \r\n-ERR syntax error\r\n+OK \r\n", ""},
		{"end of input", "USER alice\r\nPASS", greeting + "+OK \r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(got)
			out, code := popup(t, argv, tc.client)
			if out != tc.want || code != 1 {
				t.Errorf("exit %d, got\n%q\nwant\n%q", code, out, tc.want)
			}
			if tc.got != "" {
				if data, _ := os.ReadFile(got); string(data) != tc.got {
					t.Errorf("checkpassword read %q, want %q", data, tc.got)
				}
			}
		})
	}
	if out, _ := popup(t, []string{"/no/such/checkpassword"}, "USER a\r\nPASS b\r\n"); out != greeting+"+OK \r\n-ERR authorization failed\r\n" {
		t.Errorf("no checkpassword: %q", out)
	}
}

// TestPopupReadsNoFurther: what the client sends after PASS is left on the
// connection for qmail-pop3d.
func TestPopupReadsNoFurther(t *testing.T) {
	argv, _ := checkpassword(t)
	null, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	defer null.Close()
	cfg := &PopupConfig{Hostname: "h", Checkpassword: argv, ChildFiles: [3]uintptr{null.Fd(), null.Fd(), null.Fd()},
		Now: func() time.Time { return now }}
	in := strings.NewReader("USER alice\r\nPASS right\r\nSTAT\r\nQUIT\r\n")
	Popup(cfg, in, io.Discard)
	if rest, _ := io.ReadAll(in); string(rest) != "STAT\r\nQUIT\r\n" {
		t.Errorf("left for qmail-pop3d: %q", rest)
	}
}
