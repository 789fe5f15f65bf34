package inject

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// home makes a qmail home with the given control files.
func home(t testing.TB, files map[string]string) string {
	dir := t.TempDir()
	ctl := filepath.Join(dir, "control")
	if err := os.Mkdir(ctl, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := files["me"]; !ok {
		files["me"] = "mx.example.com"
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(ctl, name), []byte(text+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// captureQueue writes a queue program that saves message and envelope.
func captureQueue(t *testing.T, exit int) (program, dir string) {
	dir = t.TempDir()
	program = filepath.Join(dir, "queue")
	script := "#!/bin/sh\ncat > " + dir + "/message\ncat <&1 > " + dir + "/envelope\nexit " +
		string(rune('0'+exit)) + "\n"
	if err := os.WriteFile(program, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return program, dir
}

type run struct {
	env    map[string]string
	files  map[string]string
	args   []string
	input  string
	queue  string
	stdout bytes.Buffer
	stderr bytes.Buffer
}

var testTime = time.Date(2026, 11, 5, 1, 33, 2, 0, time.UTC)

func (r *run) do(t testing.TB) error {
	if r.files == nil {
		r.files = map[string]string{}
	}
	env := func(name string) (string, bool) {
		v, ok := r.env[name]
		return v, ok
	}
	p := Params{Env: env, Stdin: strings.NewReader(r.input), Stdout: &r.stdout, Stderr: &r.stderr,
		Now: testTime, Pid: 4242, Home: home(t, r.files), Queue: r.queue}
	return Run(p, append([]string{"qmail-inject"}, r.args...))
}

func exitCode(err error) int {
	var f *Fatal
	if errors.As(err, &f) {
		return f.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestPrinted(t *testing.T) {
	r := &run{env: map[string]string{"USER": "alice"}, args: []string{"-n"}, input: "To: bob\n\nhi\n"}
	if err := r.do(t); err != nil {
		t.Fatal(err)
	}
	want := "Return-Path: <alice@mx.example.com>\nDate: 5 Nov 2026 01:33:02 -0000\n" +
		"Message-ID: <20261105013302.4242.qmail@mx.example.com>\nFrom: alice@mx.example.com\n" +
		"To: bob@mx.example.com\n\nhi\n"
	if got := r.stdout.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDateLocal(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("TEST", 90*60)
	defer func() { time.Local = saved }()
	for _, tt := range []struct {
		env   map[string]string
		files map[string]string
		want  string
	}{
		{map[string]string{}, map[string]string{}, "Date: 5 Nov 2026 01:33:02 -0000\n"},
		{map[string]string{}, map[string]string{"datelocal": "1"}, "Date: 5 Nov 2026 03:03:02 +0130\n"},
		{map[string]string{"QMAILDATELOCAL": "1"}, map[string]string{}, "Date: 5 Nov 2026 03:03:02 +0130\n"},
		{map[string]string{"QMAILDATELOCAL": "0"}, map[string]string{"datelocal": "1"}, "Date: 5 Nov 2026 01:33:02 -0000\n"},
	} {
		r := &run{env: tt.env, files: tt.files, args: []string{"-n"}, input: "To: a@b.c\n\n"}
		if err := r.do(t); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.stdout.String(), tt.want) {
			t.Errorf("env %v files %v: no %q in\n%s", tt.env, tt.files, tt.want, r.stdout.String())
		}
	}
}

func TestMailFollowupTo(t *testing.T) {
	lists := filepath.Join(t.TempDir(), "lists")
	os.WriteFile(lists, []byte("# my lists\nList@Example.ORG\n"), 0o644)
	input := "To: list@example.org, x@y.z\nCc: c@d.e\n\n"
	r := &run{env: map[string]string{"QMAILMFTFILE": lists}, args: []string{"-n"}, input: input}
	if err := r.do(t); err != nil {
		t.Fatal(err)
	}
	want := "Mail-Followup-To: c@d.e,\n  list@example.org,\n  x@y.z\nTo:"
	if !strings.Contains(r.stdout.String(), want) {
		t.Errorf("no %q in\n%s", want, r.stdout.String())
	}
	// not added when the message has one, or no list is addressed
	for _, in := range []string{"To: list@example.org\nMail-Followup-To: me@x.y\n\n", "To: other@example.org\n\n"} {
		r := &run{env: map[string]string{"QMAILMFTFILE": lists}, args: []string{"-n"}, input: in}
		if err := r.do(t); err != nil {
			t.Fatal(err)
		}
		if strings.Count(r.stdout.String(), "Mail-Followup-To:") > 1 ||
			strings.Contains(r.stdout.String(), "Mail-Followup-To: other") {
			t.Errorf("Mail-Followup-To added wrongly:\n%s", r.stdout.String())
		}
	}
}

func TestQueueEnvelope(t *testing.T) {
	tests := []struct {
		name, input string
		args        []string
		envelope    string
	}{
		{"resent recipients only", "To: a@x.y\nResent-To: r1@x.y, r2@x.y\nResent-Bcc: rb@x.y\n\n", nil,
			"Falice@mx.example.com\x00Tr2@x.y\x00Tr1@x.y\x00Trb@x.y\x00\x00"},
		{"unparseable To still gives its address", "To: a@x.y, b@x.y>\n\n", nil,
			"Falice@mx.example.com\x00Ta@x.y,b@x.y\x00\x00"},
		{"return-path null sender", "Return-Path: <>\nTo: a@x.y\n\n", nil, "F\x00Ta@x.y\x00\x00"},
		{"-A with args", "To: a@x.y\n\n", []string{"-A", "z@x.y"}, "Falice@mx.example.com\x00Tz@x.y\x00\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, dir := captureQueue(t, 0)
			r := &run{env: map[string]string{"USER": "alice"}, args: tt.args, input: tt.input, queue: q}
			if err := r.do(t); err != nil {
				t.Fatal(err)
			}
			env, _ := os.ReadFile(filepath.Join(dir, "envelope"))
			if string(env) != tt.envelope {
				t.Errorf("envelope %q, want %q", env, tt.envelope)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		input  string
		queue  string
		code   int
		text   string // Fatal text
		stderr string // what sgetopt printed
	}{
		{"bad option", []string{"-x"}, "", "", 100, "", "qmail-inject: illegal option -- x\n"},
		{"-f without argument", []string{"-f"}, "", "", 100, "", "qmail-inject: option requires an argument -- f\n"},
		{"unparseable recipient", []string{"-n", "a@)b"}, "", "", 100, "unable to parse address: a@)b\n", ""},
		{"unparseable sender", []string{"-n", "-f", "a@)b"}, "", "", 100, "unable to parse this line:\na@)b", ""},
		{"unparseable From", []string{"-n"}, "From: )a\n\n", "", 100, "unable to parse this line:\nFrom: )a\n", ""},
		{"no queue program", nil, "To: a@b.c\n\n", "/nonexistent/qmail-queue", 111, "unable to exec qq (#4.3.0)\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{args: tt.args, input: tt.input, queue: tt.queue}
			err := r.do(t)
			var f *Fatal
			if !errors.As(err, &f) || f.Code != tt.code || f.Text != tt.text || r.stderr.String() != tt.stderr {
				t.Errorf("got %#v, stderr %q; want code %d text %q stderr %q", err, r.stderr.String(), tt.code, tt.text, tt.stderr)
			}
		})
	}
}

func TestQueueFailures(t *testing.T) {
	for exit, code := range map[int]int{1: 111, 0: 0} {
		q, _ := captureQueue(t, exit)
		r := &run{input: "To: a@b.c\n\n", queue: q}
		if got := exitCode(r.do(t)); got != code {
			t.Errorf("queue exit %d: code %d, want %d", exit, got, code)
		}
	}
}

func TestMissingHome(t *testing.T) {
	p := Params{Env: func(string) (string, bool) { return "", false }, Stdin: strings.NewReader(""),
		Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Home: "/nonexistent/home"}
	var f *Fatal
	if err := Run(p, []string{"qmail-inject", "-n"}); !errors.As(err, &f) || f.Code != 111 || f.Text != "internal bug\n" {
		t.Errorf("got %v", err)
	}
}

// FuzzInject runs whole messages through qmail-inject -n: no panic, and
// the output is bounded by the input plus the added fields.
func FuzzInject(f *testing.F) {
	for _, s := range []string{
		"To: a, b\nCc: c\n\nbody\n", "From x\nTo: <>\n", " cont\nTo: a\n", "To: a>\n\n",
		"Resent-To: a\nBcc: b\n\n", "Return-Path: <@r:x@y>\nFrom: \"q\" <z>\n\nx",
		// once over the output bound: one-character addresses, each
		// completed with the default host (2285 bytes from 235)
		"To:" + strings.Repeat("0 ", 116) + "00",
	} {
		f.Add(s)
	}
	dir := home(f, map[string]string{})
	f.Fuzz(func(t *testing.T, input string) {
		var out, errs bytes.Buffer
		p := Params{Env: func(string) (string, bool) { return "", false }, Stdin: strings.NewReader(input),
			Stdout: &out, Stderr: &errs, Now: testTime, Pid: 1, Home: dir}
		err := Run(p, []string{"qmail-inject", "-n"})
		if err != nil {
			var fe *Fatal
			if !errors.As(err, &fe) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Each byte may at worst be escaped and each comma folded, and
		// each address may gain "@" and "." plus the host (me is
		// mx.example.com): "0 0" is two addresses, each completed to
		// 0@mx.example.com, so short addresses grow tenfold.
		const perAddress = 2*len("@mx.example.com") + len(",\n  ")
		if out.Len() > 4*len(input)+(len(input)+1)/2*perAddress+1024 {
			t.Fatalf("%d bytes out of %d in", out.Len(), len(input))
		}
	})
}

// BenchmarkPrint measures qmail-inject -n on a typical message with a
// 20-address To field (control files read on every run, as the program does).
func BenchmarkPrint(b *testing.B) {
	var to []string
	for i := 0; i < 20; i++ {
		to = append(to, "user"+strings.Repeat("x", i%7)+"@host"+string(rune('a'+i)))
	}
	input := "From: Someone <someone@example.org>\nTo: " + strings.Join(to, ", ") +
		"\nSubject: benchmark\n\n" + strings.Repeat("body line of text\n", 200)
	dir := home(b, map[string]string{})
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		p := Params{Env: func(string) (string, bool) { return "", false }, Stdin: strings.NewReader(input),
			Stdout: io.Discard, Stderr: io.Discard, Now: testTime, Pid: 1, Home: dir}
		if err := Run(p, []string{"qmail-inject", "-n"}); err != nil {
			b.Fatal(err)
		}
	}
}
