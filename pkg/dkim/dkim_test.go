package dkim

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/dkimtest"
)

// messages cover what canonicalization must get right: folded and
// repeated fields, spaces and tabs, CR LF lines among LF ones, empty
// lines at the end, a body without a final line end, an empty body.
var messages = map[string]string{
	"plain": "From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: hello\n\nHello, Bob.\n",
	"folded": "From: Alice\n  <alice@example.com>\nTo: bob@example.net,\n\tcarol@example.net\nSubject:   many   spaces \t \n" +
		"To: dave@example.net\nX-Unsigned: anything\n\nbody\n",
	"whitespace": "From: alice@example.com\n\n  leading and trailing  \t\nin  the\t\tmiddle\n\n\n \t \n\n",
	"crlf":       "From: alice@example.com\r\nSubject: crlf\r\n\r\nline one\r\nline two\nbare\rcr\r\n.dot line\n",
	"paragraphs": "From: alice@example.com\n\none\n\n\ntwo\n \nthree\n",
	"no final":   "From: alice@example.com\n\nno line end at the end",
	"empty body": "From: alice@example.com\nSubject: nothing\n",
	"blank body": "From: alice@example.com\n\n\n\n",
}

func testSigner(key crypto.Signer) *Signer {
	return &Signer{Domain: "example.com", Selector: "sel", Key: key,
		Now: func() time.Time { return time.Unix(1795600000, 0) }}
}

// TestDkimpyVerifies: dkimpy (python3-dkim), an independent verifier,
// accepts every signature, as the message goes out over SMTP (CR LF);
// and refuses each once the body or a signed field is changed.
func TestDkimpyVerifies(t *testing.T) {
	dkimtest.Need(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []crypto.Signer{rsaKey, edKey} {
		s := testSigner(key)
		var names, want, wire []string
		add := func(name, msg, expect string) {
			names, want, wire = append(names, name), append(want, expect), append(wire, onTheWire(msg))
		}
		for name, msg := range messages {
			sig, err := s.Sign(strings.NewReader(msg))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			add(name, sig+msg, "ok")
			changed := msg
			if !strings.Contains(msg, "\n\n") && !strings.Contains(msg, "\n\r\n") {
				changed += "\n" // the body starts here
			}
			add(name+" body changed", sig+changed+"more\n", "bad")
			add(name+" from changed", sig+strings.Replace(msg, "alice@", "mallory@", 1), "bad")
		}
		got := dkimtest.Verify(t, dkimtest.Record(t, key), wire...)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%T, %s: dkimpy said %s, want %s", key, names[i], got[i], want[i])
			}
		}
	}
}

// onTheWire is a queued message as qmail-remote sends it: LF becomes
// CR LF unless a CR is already there.
func onTheWire(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		if msg[i] == '\n' && (i == 0 || msg[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(msg[i])
	}
	return b.String()
}

func TestCanonicalBody(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"\n\n\n", ""},
		{"a\n", "a\r\n"},
		{"a", "a\r\n"},
		{"  a  b \t\n\t\n\nc\n\n", " a b\r\n\r\n\r\nc\r\n"},
		{"x\r\ny\r", "x\r\ny\r\r\n"},
		{"cr\rin the middle\n", "cr\rin the middle\r\n"},
	} {
		var out bytes.Buffer
		in := strings.NewReader(c.in)
		if err := canonicalBody(bufio.NewReader(in), &out); err != nil || out.String() != c.want {
			t.Errorf("canonicalBody(%q) = %q, %v; want %q", c.in, out.String(), err, c.want)
		}
	}
}

func TestRelaxedField(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Subject: hello", "subject:hello"},
		{"SUBJECT \t:  a   b \t ", "subject:a b"},
		{"To: a,\r\n\tb", "to:a, b"},
		{"X:", "x:"},
	} {
		if got := string(relaxedField([]byte(c.in))); got != c.want {
			t.Errorf("relaxedField(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNotSigned(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	s := testSigner(key)
	if _, err := s.Sign(strings.NewReader("Subject: no from\n\nbody\n")); !errors.Is(err, ErrNoFrom) {
		t.Errorf("no From: %v", err)
	}
	huge := "From: a@example.com\nX-Big: " + strings.Repeat("x", MaxHeader) + "\n\nbody\n"
	if _, err := s.Sign(strings.NewReader(huge)); !errors.Is(err, ErrHeaderSize) {
		t.Errorf("a header over MaxHeader: %v", err)
	}
}

func TestSignedFieldList(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	s := testSigner(key)
	sig, err := s.Sign(strings.NewReader(messages["folded"]))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sig, " h=from:from:subject:to:to;") || !strings.Contains(sig, "a=ed25519-sha256;") ||
		!strings.Contains(sig, " d=example.com; s=sel;") || !strings.Contains(sig, "t=1795600000;") {
		t.Errorf("signature field:\n%s", sig)
	}
}

// FuzzSign: any message is signed or refused without a panic, and its
// canonical body keeps the relaxed form's shape: empty, or lines ending
// in CR LF with no space or tab before it and no empty line at the end.
func FuzzSign(f *testing.F) {
	for _, msg := range messages {
		f.Add(msg)
	}
	f.Add("From: a\n\n\r\r\n\t \n")
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	s := testSigner(key)
	f.Fuzz(func(t *testing.T, msg string) {
		if _, err := s.Sign(strings.NewReader(msg)); err != nil && !errors.Is(err, ErrNoFrom) && !errors.Is(err, ErrHeaderSize) {
			t.Fatalf("Sign: %v", err)
		}
		var out bytes.Buffer
		if err := canonicalBody(bufio.NewReader(strings.NewReader(msg)), &out); err != nil {
			t.Fatal(err)
		}
		body := out.String()
		if body == "" {
			return
		}
		if !strings.HasSuffix(body, "\r\n") || strings.HasSuffix(body, "\r\n\r\n") ||
			strings.Contains(body, " \r\n") || strings.Contains(body, "\t") || strings.Contains(body, "  ") {
			t.Errorf("canonicalBody(%q) = %q", msg, body)
		}
	})
}

// BenchmarkSign: signatures per second for a 1 KB and a 100 KB message,
// RSA 2048 and Ed25519.
func BenchmarkSign(b *testing.B) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, size := range []int{1 << 10, 100 << 10} {
		line := strings.Repeat("x", 71) + "\n"
		msg := "From: a@example.com\nSubject: bench\n\n" + strings.Repeat(line, size/len(line))
		for _, key := range []struct {
			name string
			key  crypto.Signer
		}{{"rsa2048", rsaKey}, {"ed25519", edKey}} {
			b.Run(key.name+"/"+strconv.Itoa(size>>10)+"KB", func(b *testing.B) {
				s := testSigner(key.key)
				b.SetBytes(int64(len(msg)))
				for b.Loop() {
					if _, err := s.Sign(strings.NewReader(msg)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
