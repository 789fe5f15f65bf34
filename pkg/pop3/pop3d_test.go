package pop3

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// testMaildir makes a Maildir in a new directory and makes it the current
// one: files by name ("new/1.a.host") with their age and contents.
func testMaildir(t *testing.T, files map[string]string) {
	dir := t.TempDir()
	for _, sub := range []string{"tmp", "new", "cur"} {
		os.Mkdir(filepath.Join(dir, sub), 0o700)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(files[name]), 0o600); err != nil {
			t.Fatal(err)
		}
		age := now.Add(-time.Duration(len(names)-i) * time.Minute) // in name order, oldest first
		os.Chtimes(path, age, age)
	}
	t.Chdir(dir)
}

func serveSession(t *testing.T, client string) string {
	var out bytes.Buffer
	if code := Serve(strings.NewReader(client), &out, now); code != 0 {
		t.Errorf("exit %d", code)
	}
	return out.String()
}

const (
	msg1 = "From: a@example.com\nSubject: one\n\nfirst line\n.dot line\nlast line\n"
	msg2 = "Subject: two\n\nbody\n"
)

func TestTransaction(t *testing.T) {
	for _, tc := range []struct{ name, client, want string }{
		{"stat and list", "STAT\r\nLIST\r\nlist 2\r\nUIDL\r\nuidl 1\r\nLIST 3\r\nLIST 0\r\nLIST x\r\nQUIT\r\n",
			"+OK \r\n+OK 2 " + strconv.Itoa(len(msg1)+len(msg2)) + "\r\n" +
				"+OK \r\n1 " + strconv.Itoa(len(msg1)) + "\r\n2 " + strconv.Itoa(len(msg2)) + "\r\n.\r\n" +
				"+OK 2 " + strconv.Itoa(len(msg2)) + "\r\n" +
				"+OK \r\n1 1.a.host\r\n2 2.b.host\r\n.\r\n" +
				"+OK 1 1.a.host\r\n" +
				"-ERR not that many messages\r\n-ERR messages are counted from 1\r\n-ERR syntax error\r\n+OK \r\n"},
		{"retr", "RETR 1\r\nQUIT\r\n",
			"+OK \r\n+OK \r\nFrom: a@example.com\r\nSubject: one\r\n\r\nfirst line\r\n..dot line\r\nlast line\r\n\r\n.\r\n+OK \r\n"},
		{"top", "TOP 1 0\r\nTOP 1 2\r\nRETR 2 5\r\nQUIT\r\n",
			"+OK \r\n+OK \r\nFrom: a@example.com\r\nSubject: one\r\n\r\n\r\n.\r\n" +
				"+OK \r\nFrom: a@example.com\r\nSubject: one\r\n\r\nfirst line\r\n..dot line\r\n\r\n.\r\n" +
				"+OK \r\nSubject: two\r\n\r\nbody\r\n\r\n.\r\n+OK \r\n"},
		{"dele and rset", "DELE 2\r\nSTAT\r\nLIST\r\nRETR 2\r\nDELE 2\r\nLAST\r\nRSET\r\nLAST\r\nSTAT\r\nQUIT\r\n",
			"+OK \r\n+OK \r\n+OK 2 " + strconv.Itoa(len(msg1)) + "\r\n+OK \r\n1 " + strconv.Itoa(len(msg1)) + "\r\n.\r\n" +
				"-ERR already deleted\r\n-ERR already deleted\r\n+OK 2\r\n+OK \r\n+OK 0\r\n" +
				"+OK 2 " + strconv.Itoa(len(msg1)+len(msg2)) + "\r\n+OK \r\n"},
		{"others", "NOOP\r\nCAPA\r\nUSER x\r\n\r\nQUIT\r\n",
			"+OK \r\n+OK \r\n-ERR unimplemented\r\n-ERR unimplemented\r\n-ERR unimplemented\r\n+OK \r\n"},
		{"end of input", "STAT\r\nNOOP", "+OK \r\n+OK 2 " + strconv.Itoa(len(msg1)+len(msg2)) + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testMaildir(t, map[string]string{"cur/1.a.host:2,S": msg1, "new/2.b.host": msg2})
			if got := serveSession(t, tc.client); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestQuit: at QUIT deleted messages go, and new/ moves to cur/ with
// ":2," added; without QUIT nothing changes.
func TestQuit(t *testing.T) {
	testMaildir(t, map[string]string{"cur/1.a.host:2,S": msg1, "new/2.b.host": msg2, "new/3.c.host": "x\n"})
	serveSession(t, "DELE 1\r\nDELE 3\r\n")
	if names := list(t); names != "cur/1.a.host:2,S new/2.b.host new/3.c.host" {
		t.Errorf("without QUIT: %s", names)
	}
	serveSession(t, "DELE 1\r\nDELE 3\r\nQUIT\r\n")
	if names := list(t); names != "cur/2.b.host:2," {
		t.Errorf("after QUIT: %s", names)
	}
}

// TestScanRules: tmp/ files older than 36 hours are removed, dot files
// and files modified this second or later are not listed, and a Maildir
// without cur/ cannot be scanned.
func TestScanRules(t *testing.T) {
	testMaildir(t, map[string]string{"new/1.a.host": msg1, "new/.hidden": "x\n", "tmp/stale": "x\n", "new/9.future": "x\n"})
	old := now.Add(-37 * time.Hour)
	os.Chtimes("tmp/stale", old, old)
	os.Chtimes("new/9.future", now, now)
	if got := serveSession(t, "STAT\r\n"); got != "+OK \r\n+OK 1 "+strconv.Itoa(len(msg1))+"\r\n" {
		t.Errorf("got %q", got)
	}
	if _, err := os.Stat("tmp/stale"); !os.IsNotExist(err) {
		t.Error("a 37-hour-old file in tmp/ survived")
	}
	os.RemoveAll("cur")
	if got := serveSession(t, "STAT\r\n"); got != "-ERR unable to scan $HOME/Maildir\r\n" {
		t.Errorf("without cur/: %q", got)
	}
}

// TestLongLines: a message line far longer than any buffer goes through
// whole, and a last line without LF gets its CR LF.
func TestLongLines(t *testing.T) {
	long := strings.Repeat("x", 100000)
	testMaildir(t, map[string]string{"new/1.a.host": "Subject: s\n\n." + long + "\nend"})
	want := "+OK \r\n+OK \r\nSubject: s\r\n\r\n.." + long + "\r\nend\r\n\r\n.\r\n"
	if got := serveSession(t, "RETR 1\r\n"); got != want {
		t.Errorf("got %d bytes, want %d", len(got), len(want))
	}
}

func list(t *testing.T) string {
	var names []string
	for _, sub := range []string{"cur", "new"} {
		entries, _ := os.ReadDir(sub)
		for _, e := range entries {
			names = append(names, sub+"/"+e.Name())
		}
	}
	return strings.Join(names, " ")
}
