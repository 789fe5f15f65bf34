package main

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// program answers one line, then writes a partial line, and reports its
// process id, which recordio's record must carry.
const program = `read line; echo "got $line"; printf 'pid %s\npartial' $$`

// TestRecord checks the record's format against Debian's recordio. Input
// and output are recorded by two hands at once, so each direction is
// compared on its own.
func TestRecord(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp", "recordio")
	bin := testenv.Bin(t, "recordio")
	want, wantLog := record(t, ref, "hello\nmore\tinput\r\n\x01")
	got, gotLog := record(t, bin, "hello\nmore\tinput\r\n\x01")
	pidLine := regexp.MustCompile(`pid (\d+)`)
	pid := pidLine.FindStringSubmatch(got)
	if pid == nil {
		t.Fatalf("no pid in %q", got)
	}
	got, want = pidLine.ReplaceAllString(got, "pid N"), pidLine.ReplaceAllString(want, "pid N")
	gotLog, wantLog = pidLine.ReplaceAllString(gotLog, "pid N"), pidLine.ReplaceAllString(wantLog, "pid N")
	if got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	// Whether the copier sees the end of the input before the program's
	// output ends is a race (in the C program too): "< [EOF]" may be missing.
	inEOF := regexp.MustCompile(`(?m)^PID < \[EOF\]\n`)
	for _, dir := range []string{" < ", " > "} {
		g, w := direction(gotLog, dir, pid[1]), direction(wantLog, dir, `\d+`)
		g, w = inEOF.ReplaceAllString(g, ""), inEOF.ReplaceAllString(w, "")
		if g != w {
			t.Errorf("record%q:\nquail\n%s\nC\n%s", dir, g, w)
		}
	}
}

// direction keeps the record's lines of one direction, with the pid (which
// must be pid) replaced.
func direction(log, dir, pid string) string {
	re := regexp.MustCompile(`^` + pid + dir)
	var b strings.Builder
	for _, line := range strings.SplitAfter(log, "\n") {
		if re.MatchString(line) {
			b.WriteString(re.ReplaceAllString(line, "PID"+dir))
		} else if strings.Contains(line, dir) {
			b.WriteString("BAD PID: " + line)
		}
	}
	return b.String()
}

func record(t *testing.T, bin, in string) (string, string) {
	t.Helper()
	cmd := exec.Command(bin, "sh", "-c", program)
	cmd.Stdin = strings.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// TestErrorsAsOriginal: usage, and a program that cannot run (exit 111
// after the copier saw both ends close).
func TestErrorsAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp", "recordio")
	bin := testenv.Bin(t, "recordio")
	for _, args := range [][]string{{}, {"./no/such/program"}} {
		want, wantErr := exec.Command(ref, args...).CombinedOutput()
		got, err := exec.Command(bin, args...).CombinedOutput()
		pids := regexp.MustCompile(`(?m)^\d+ `)
		w, g := pids.ReplaceAllString(string(want), "PID "), pids.ReplaceAllString(string(got), "PID ")
		if err.Error() != wantErr.Error() || !sameLines(g, w) {
			t.Errorf("recordio %q: quail %v %q, C %v %q", args, err, got, wantErr, want)
		}
	}
}

// sameLines compares two texts as sets of lines: the copier's EOF lines
// and the fatal message race. Whether the copier sees the end of its
// input before the end of the program's output is a race too (in the
// C program as well), so "< [EOF]" lines are left out.
func sameLines(a, b string) bool {
	inEOF := regexp.MustCompile(`(?m)^PID < \[EOF\]\n`)
	return sorted(inEOF.ReplaceAllString(a, "")) == sorted(inEOF.ReplaceAllString(b, ""))
}

func sorted(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			if lines[j] < lines[i] {
				lines[i], lines[j] = lines[j], lines[i]
			}
		}
	}
	return strings.Join(lines, "\n")
}
