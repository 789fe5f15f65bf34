package spawn

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func testConfig(t *testing.T) Config {
	mess := filepath.Join(t.TempDir(), "mess")
	os.MkdirAll(filepath.Join(mess, "3"), 0o755)
	os.WriteFile(filepath.Join(mess, "3", "100"), []byte("hello\n"), 0o644)
	return Config{
		Slots:       4,
		TruncReport: 3000,
		MessDir:     mess,
		QueueUID:    -1,
		Start: func(d Delivery, out *os.File) (*exec.Cmd, error) {
			if strings.HasPrefix(d.Recipient, "nobody@") {
				return nil, Outcome("DNo such user.\n")
			}
			cmd := exec.Command("sh", "-c", `cat; echo "to $1 from $2"; exit $3`, "sh", d.Recipient, d.Sender, d.Recipient[:1])
			cmd.Stdin, cmd.Stdout, cmd.Stderr = d.Message, out, out
			return cmd, cmd.Start()
		},
		Report: func(state *os.ProcessState, output []byte) string {
			letter := map[int]string{0: "K", 1: "Z"}[state.ExitCode()]
			if letter == "" {
				letter = "D"
			}
			return letter + string(UpToNUL(output))
		},
	}
}

func command(slot byte, mess, sender, recip string) string {
	return string([]byte{slot}) + mess + "\x00" + sender + "\x00" + recip + "\x00"
}

func run(t *testing.T, cfg Config, cmds string) map[int]string {
	var out bytes.Buffer
	if err := Run(cfg, strings.NewReader(cmds), &out); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if len(b) == 0 || int(b[0]) != cfg.Slots {
		t.Fatalf("first byte should be the slot count, got %q", b)
	}
	r := bufio.NewReader(bytes.NewReader(b[1:]))
	reports := map[int]string{}
	for {
		slot, text, err := ReadReport(r)
		if err == io.EOF {
			return reports
		}
		if err != nil {
			t.Fatalf("reading reports: %v", err)
		}
		reports[slot] = string(text)
	}
}

func TestReportsPerSlot(t *testing.T) {
	cfg := testConfig(t)
	got := run(t, cfg, command(0, "3/100", "a@b", "0@x")+
		command(1, "3/100", "a@b", "1@x")+
		command(2, "3/100", "a@b", "nobody@x")+
		command(3, "3/999", "a@b", "0@x"))
	want := map[int]string{
		0: "Khello\nto 0@x from a@b\n",
		1: "Zhello\nto 1@x from a@b\n",
		2: "DNo such user.\n",
		3: "Zqmail-spawn unable to open message. (#4.3.0)\n",
	}
	for slot, text := range want {
		if got[slot] != text {
			t.Errorf("slot %d: got %q, want %q", slot, got[slot], text)
		}
	}
}

func TestBadCommands(t *testing.T) {
	cfg := testConfig(t)
	got := run(t, cfg, command(9, "3/100", "a@b", "0@x")+
		command(1, "3/x", "a@b", "0@x")+
		command(2, "3/100", "a@b", "nohost"))
	want := map[int]string{
		9: "ZInternal error: delnum too big. (#4.3.5)\n",
		1: "DInternal error: messid has nonnumerics. (#5.3.5)\n",
		2: "DSorry, address must include host name. (#5.1.3)\n",
	}
	for slot, text := range want {
		if got[slot] != text {
			t.Errorf("slot %d: got %q, want %q", slot, got[slot], text)
		}
	}
}

func TestLongReportIsCut(t *testing.T) {
	cfg := testConfig(t)
	cfg.Start = func(d Delivery, out *os.File) (*exec.Cmd, error) {
		cmd := exec.Command("sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x")
		cmd.Stdout = out
		return cmd, cmd.Start()
	}
	got := run(t, cfg, command(0, "3/100", "a@b", "0@x"))[0]
	if len(got) != 1+3000-3 || !strings.HasSuffix(got, "\nError report too long, sorry.\n") {
		t.Errorf("report of %d bytes ending %q", len(got), got[max(0, len(got)-40):])
	}
}

func TestWrongOwnerIsDeferred(t *testing.T) {
	cfg := testConfig(t)
	cfg.QueueUID = os.Getuid() + 1
	got := run(t, cfg, command(0, "3/100", "a@b", "0@x"))
	if got[0] != "ZSorry, message has wrong owner. (#4.3.5)\n" {
		t.Errorf("got %q", got[0])
	}
}

func TestReadReport(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("\x00Kdone\n\x00\x07Zlater\x00\x03Dcut"))
	for _, want := range []struct {
		slot int
		text string
		err  error
	}{
		{0, "Kdone\n", nil}, // slot 0 is a NUL byte
		{7, "Zlater", nil},
		{0, "", io.ErrUnexpectedEOF},
		{0, "", io.EOF},
	} {
		slot, text, err := ReadReport(r)
		if slot != want.slot || string(text) != want.text || err != want.err {
			t.Errorf("ReadReport = %d %q %v, want %d %q %v", slot, text, err, want.slot, want.text, want.err)
		}
	}
}
