package lspawn

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/spawn"
	"github.com/quail-mta/quail/pkg/users"
)

func TestReportText(t *testing.T) {
	tests := []struct {
		code int
		out  string
		want string
	}{
		{0, "did 1+0+0\n", "Kdid 1+0+0\n"},
		{111, "Unable to x\n", "ZUnable to x\n"},
		{71, "", "Z"},
		{74, "", "Z"},
		{75, "", "Z"},
		{100, "Sorry\n", "DSorry\n"},
		{1, "odd\x00hidden", "Dodd"},
		{112, "ignored", "ZInternal qmail-lspawn bug.\n"},
		{113, "", "ZNot allowed to perform deliveries as root.\n"},
		{115, "", "ZNFS failure in qmail-local.\n"},
		{116, "", "ZUnable to find alias user!\n"},
		{117, "", "ZTrouble reading users/cdb in qmail-lspawn.\n"},
		{118, "", "ZTemporary failure in qmail-lspawn.\n"},
		{119, "", "ZOut of memory in qmail-lspawn.\n"},
		{120, "", "ZUnable to run qmail-local.\n"},
		{121, "", "ZUnable to run qmail-getpw.\n"},
		{126, "", "DUnable to run qmail-local.\n"},
	}
	for _, tt := range tests {
		if got := ReportText(tt.code, []byte(tt.out)); got != tt.want {
			t.Errorf("%d %q: %q, want %q", tt.code, tt.out, got, tt.want)
		}
	}
}

func TestCommand(t *testing.T) {
	c := &Config{AliasEmpty: "./Maildir/", Root: true}
	e := users.Entry{User: "joe", UID: 507, GID: 100, Home: "/home/joe", Dash: "-", Ext: "x"}
	cmd, code := c.Command(e, "joe-x", "example.com", "a@b")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := []string{"bin/qmail-local", "--", "joe", "/home/joe", "joe-x", "-", "x", "example.com", "a@b", "./Maildir/"}
	if strings.Join(cmd.Args, "|") != strings.Join(want, "|") {
		t.Errorf("argv %q, want %q", cmd.Args, want)
	}
	cred := cmd.SysProcAttr.Credential
	if cred.Uid != 507 || cred.Gid != 100 || len(cred.Groups) != 1 || cred.Groups[0] != 100 {
		t.Errorf("credential %+v, want 507:100 and only group 100", cred)
	}
	e.UID = 0
	if _, code := c.Command(e, "root", "example.com", ""); code != users.ExitRoot {
		t.Errorf("uid 0: exit %d, want %d", code, users.ExitRoot)
	}
	c.Root = false
	cmd, code = c.Command(users.Entry{UID: 507}, "joe", "example.com", "")
	switch {
	case os.Getuid() == 0 && code != users.ExitRoot:
		t.Errorf("root without switching users: exit %d, want %d", code, users.ExitRoot)
	case os.Getuid() != 0 && (code != 0 || cmd.SysProcAttr != nil):
		t.Errorf("ordinary user: exit %d, attributes %+v; want to run as the caller", code, cmd.SysProcAttr)
	}
}

// TestRootDelivery runs deliveries as root through spawn.Run, switching
// to nobody's uid as qmail-lspawn does for a real user.
func TestRootDelivery(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("switching users needs root; TestCommand checks the credential")
	}
	const uid = 65534
	home, err := os.MkdirTemp("", "quail-lspawn-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	os.Chmod(home, 0o755)
	for _, dir := range []string{"bin", "users", "queue/mess/0", "joe/Maildir/tmp", "joe/Maildir/new", "joe/Maildir/cur"} {
		os.MkdirAll(filepath.Join(home, dir), 0o755)
	}
	filepath.Walk(filepath.Join(home, "joe"), func(path string, _ os.FileInfo, _ error) error {
		return os.Chown(path, uid, uid)
	})
	data, err := os.ReadFile(testenv.Bin(t, "qmail-local"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "bin", "qmail-local"), data, 0o755)
	id := strconv.Itoa(uid)
	assign := "=joe:joe:" + id + ":" + id + ":" + home + "/joe:::\n=root:root:0:0:/root:::\n.\n"
	os.WriteFile(filepath.Join(home, "users", "assign"), []byte(assign), 0o644)
	if err := users.NewU(home); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "queue", "mess", "0", "23"), []byte("Subject: x\n\nhi\n"), 0o644)
	t.Chdir(home)

	c := &Config{AliasEmpty: "./Maildir/", Root: true, GetpwUID: uid, GetpwGID: uid}
	var in strings.Builder
	for slot, rcpt := range []string{"joe@example.com", "root@example.com"} {
		in.WriteString(string(rune(slot)) + "0/23\x00a@b\x00" + rcpt + "\x00")
	}
	var out strings.Builder
	err = spawn.Run(spawn.Config{Slots: 2, TruncReport: 3000, MessDir: "queue/mess", QueueUID: -1, Start: c.Start, Report: Report},
		strings.NewReader(in.String()), &out)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"\x00Kdid 1+0+0\n\x00", "\x01ZNot allowed to perform deliveries as root.\n\x00"} {
		if !strings.Contains(got, want) {
			t.Errorf("reports %q lack %q", got, want)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(home, "joe", "Maildir", "new"))
	if len(entries) != 1 {
		t.Fatalf("Maildir/new holds %v", entries)
	}
	var st syscall.Stat_t
	syscall.Stat(filepath.Join(home, "joe", "Maildir", "new", entries[0].Name()), &st)
	if st.Uid != uid || st.Gid != uid {
		t.Errorf("delivered file belongs to %d:%d, want %d:%d", st.Uid, st.Gid, uid, uid)
	}
}
