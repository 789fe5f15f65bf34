package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// TestGoldenSessions replays every recorded notqmail session: the same
// control files, environment and client bytes must give the same
// transcript, exit status and (through the capture script) the same
// message and envelope handed to qmail-queue, all after the README's
// normalisation.
func TestGoldenSessions(t *testing.T) {
	dir := testenv.Golden(t, "qmail", "smtpd")
	sessions, err := filepath.Glob(filepath.Join(dir, "*", "client"))
	if err != nil || len(sessions) == 0 {
		t.Fatalf("no recorded sessions in %s", dir)
	}
	passed := 0
	for _, client := range sessions {
		name := filepath.Base(filepath.Dir(client))
		if t.Run(name, func(t *testing.T) { replay(t, filepath.Dir(client)) }) {
			passed++
		}
	}
	t.Logf("%d of %d recorded sessions replayed identically", passed, len(sessions))
}

func replay(t *testing.T, session string) {
	h := newHome(t, nil)
	h.queue = filepath.Join(testenv.Golden(t, "qmail"), "capture-queue.sh") // the recording's own
	copyControl(t, filepath.Join(session, "control"), filepath.Join(h.dir, "control"))
	if _, err := os.Stat(filepath.Join(session, "control", "morercpthosts")); err == nil {
		newmrh := exec.Command(testenv.Bin(t, "qmail-newmrh"))
		newmrh.Env = []string{"QMAILHOME=" + h.dir}
		if out, err := newmrh.CombinedOutput(); err != nil {
			t.Fatalf("qmail-newmrh: %v\n%s", err, out)
		}
	}
	client := read(t, session, "client")
	description := string(read(t, session, "description"))
	silent := strings.Contains(description, "keeps the connection open")
	r := h.smtpd(t, readEnv(t, session), client, silent)

	if want := read(t, session, "transcript.norm"); !bytes.Equal(normalize(r.out), want) {
		t.Errorf("transcript:\n%s\nwant:\n%s", normalize(r.out), want)
	}
	if want, _ := strconv.Atoi(strings.TrimSpace(string(read(t, session, "exit")))); r.exit != want {
		t.Errorf("exit %d, want %d", r.exit, want)
	}
	if len(r.stderr) > 0 {
		t.Errorf("wrote to stderr: %q", r.stderr)
	}
	got := h.captured(t)
	wantFiles, _ := filepath.Glob(filepath.Join(session, "queue.*.norm"))
	if len(got) != len(wantFiles) {
		t.Errorf("qmail-queue got %v, want %d files", names(got), len(wantFiles))
	}
	for _, normFile := range wantFiles {
		name := strings.TrimSuffix(filepath.Base(normFile), ".norm")
		want, _ := os.ReadFile(normFile)
		if data, ok := got[name]; !ok {
			t.Errorf("qmail-queue did not get %s", name)
		} else if !bytes.Equal(normalize(data), want) {
			t.Errorf("%s:\n%q\nwant:\n%q", name, normalize(data), want)
		}
	}
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readEnv returns the session's environment lines, CAPTURE_EXIT included
// (only the capture script reads it).
func readEnv(t *testing.T, session string) []string {
	var env []string
	sc := bufio.NewScanner(bytes.NewReader(read(t, session, "env")))
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			env = append(env, line)
		}
	}
	return env
}

func copyControl(t *testing.T, from, to string) {
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(to, e.Name()), read(t, from, e.Name()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
