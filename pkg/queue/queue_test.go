package queue

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/pkg/install"
)

// inQueue makes a private home and runs f with the queue as the
// current directory.
func inQueue(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	if err := install.Create(home, install.Caller{}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(home, "queue"))
	return home
}

func enqueue(msg, env string) error {
	return Enqueue(Job{
		Message: strings.NewReader(msg), Envelope: strings.NewReader(env),
		UID: 1000, PID: 4242, Who: "by uid 1000", Now: time.Unix(1764034532, 0),
	})
}

func TestQueuedFilesAreQmails(t *testing.T) {
	inQueue(t)
	if err := enqueue("Subject: x\n\nhi\n", "Fa@b\x00Tc@d\x00Te@f\x00\x00ignored"); err != nil {
		t.Fatal(err)
	}
	todo, _ := filepath.Glob("todo/*")
	if len(todo) != 1 {
		t.Fatalf("todo holds %v", todo)
	}
	id := filepath.Base(todo[0])
	envelope, _ := os.ReadFile(todo[0])
	if string(envelope) != "u1000\x00p4242\x00Fa@b\x00Tc@d\x00Te@f\x00" {
		t.Errorf("todo = %q", envelope)
	}
	mess, err := filepath.Glob("mess/*/" + id)
	if err != nil || len(mess) != 1 {
		t.Fatalf("mess for %s: %v", id, mess)
	}
	text, _ := os.ReadFile(mess[0])
	want := "Received: (qmail 4242 invoked by uid 1000); 25 Nov 2025 01:35:32 -0000\nSubject: x\n\nhi\n"
	if string(text) != want {
		t.Errorf("mess = %q, want %q", text, want)
	}
	if intd, _ := os.Stat("intd/" + id); intd == nil {
		t.Error("intd is gone; qmail-send removes it, not qmail-queue")
	}
	if pids, _ := filepath.Glob("pid/*"); len(pids) != 0 {
		t.Errorf("pid files left: %v", pids)
	}
}

// The mess and todo of the recorded queue are reproduced from the same
// message and envelope, up to the pid, uid and date.
func TestGoldenQueueFiles(t *testing.T) {
	golden := goldenDir(t)
	goldMess, _ := os.ReadFile(filepath.Join(golden, "mess"))
	goldTodo, _ := os.ReadFile(filepath.Join(golden, "todo"))
	nl := bytes.IndexByte(goldMess, '\n')
	fields := bytes.SplitN(goldTodo, []byte{0}, 3) // u, p, the rest
	inQueue(t)
	if err := enqueue(string(goldMess[nl+1:]), string(fields[2])+"\x00"); err != nil {
		t.Fatal(err)
	}
	todo, _ := filepath.Glob("todo/*")
	envelope, _ := os.ReadFile(todo[0])
	if want := "u1000\x00p4242\x00" + string(fields[2]); string(envelope) != want {
		t.Errorf("todo = %q, want %q", envelope, want)
	}
	mess, _ := filepath.Glob("mess/*/" + filepath.Base(todo[0]))
	text, _ := os.ReadFile(mess[0])
	if !bytes.Equal(text[bytes.IndexByte(text, '\n'):], goldMess[nl:]) {
		t.Errorf("message body differs from the recorded one")
	}
	if !bytes.HasPrefix(goldMess, []byte("Received: (qmail ")) || !bytes.HasPrefix(text, []byte("Received: (qmail 4242 invoked by uid 1000); ")) {
		t.Errorf("Received lines: ours %q, recorded %q", text[:bytes.IndexByte(text, '\n')], goldMess[:nl])
	}
}

func TestEnvelopeErrors(t *testing.T) {
	long := strings.Repeat("x", MaxAddress)
	cases := []struct {
		name, env string
		code      int
		leftInQ   bool // 91 and 11 leave their files for the cleanup, as qmail
	}{
		{"no F", "Ta@b\x00\x00", ExitEnvelope, true},
		{"bad record", "Fa@b\x00Xc@d\x00\x00", ExitEnvelope, true},
		{"eof before terminator", "Fa@b\x00Tc@d\x00", ExitRead, false},
		{"eof in address", "Fa@b\x00Tc@", ExitRead, false},
		{"empty", "", ExitRead, false},
		{"sender too long", "F" + long + "x\x00\x00", ExitAddrTooLong, true},
		{"recipient too long", "F\x00T" + long + "x\x00\x00", ExitAddrTooLong, true},
		{"longest addresses", "F" + long + "\x00T" + long + "\x00\x00", ExitOK, true},
		{"no recipients", "F\x00\x00", ExitOK, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inQueue(t)
			err := enqueue("x\n", c.env)
			code := ExitOK
			var qerr *Error
			if errors.As(err, &qerr) {
				code = qerr.Code
			}
			if code != c.code {
				t.Fatalf("exit %d (%v), want %d", code, err, c.code)
			}
			todo, _ := filepath.Glob("todo/*")
			if (len(todo) == 1) != (c.code == ExitOK) {
				t.Errorf("todo holds %v", todo)
			}
			mess, _ := filepath.Glob("mess/*/*")
			if (len(mess) == 1) != c.leftInQ {
				t.Errorf("mess holds %v", mess)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("broken") }

func TestReadErrorCleansUp(t *testing.T) {
	inQueue(t)
	err := Enqueue(Job{Message: failingReader{}, Envelope: strings.NewReader("F\x00\x00"), PID: 1, Who: "by uid 0", Now: time.Now()})
	var qerr *Error
	if !errors.As(err, &qerr) || qerr.Code != ExitRead {
		t.Fatalf("got %v, want exit 54", err)
	}
	for _, dir := range []string{"mess/*/*", "intd/*", "todo/*", "pid/*"} {
		if left, _ := filepath.Glob(dir); len(left) != 0 {
			t.Errorf("%s left: %v", dir, left)
		}
	}
}

func FuzzCopyEnvelope(f *testing.F) {
	f.Add([]byte("Fa@b\x00Tc@d\x00\x00"))
	f.Add([]byte("F\x00\x00"))
	f.Add([]byte("Fa\x00Tb\x00Xc\x00\x00"))
	f.Fuzz(func(t *testing.T, env []byte) {
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		err := CopyEnvelope(w, bytes.NewReader(env))
		w.Flush()
		if out.Len() > len(env) {
			t.Fatalf("wrote %d bytes from %d", out.Len(), len(env))
		}
		if err != nil {
			return
		}
		records := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte{0}), []byte{0})
		for i, r := range records {
			if len(r) == 0 || len(r)-1 > MaxAddress || (i == 0) != (r[0] == 'F') || (i > 0 && r[0] != 'T') {
				t.Fatalf("accepted a bad record %q", r)
			}
		}
	})
}
