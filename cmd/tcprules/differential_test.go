package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testenv"
	"github.com/quail-mta/quail/pkg/rules"
)

// ruleGen makes random rules files from the pieces of the syntax, valid
// and malformed. It leaves out CIDR keys, which only quail understands.
type ruleGen struct {
	r *rand.Rand
	// mayHang lets the file have lines without a colon before allow or
	// deny, on which the IPv6 build loops forever; few files get it,
	// since each such file costs a time-out.
	mayHang bool
}

func (g *ruleGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *ruleGen) octet() string {
	return g.pick(fmt.Sprint(g.r.IntN(256)), fmt.Sprint(g.r.IntN(4)), "007", "300", "")
}

func (g *ruleGen) address() string {
	o := g.octet
	switch g.r.IntN(16) {
	case 0:
		return o() + "." + o() + "." + o() + "." + o()
	case 1:
		return o() + "." + o() + "."
	case 2:
		return o() + "."
	case 3:
		return o() + "." + o() + "." + o() + "." + o() + "-" + o()
	case 4:
		return o() + "." + o() + "-" + o() + "."
	case 5:
		return "=" + g.pick("host.example.com", "", "mail.example.org", "a-b.example")
	case 6:
		return "=." + g.pick("example.com", "com", "org", "")
	case 7:
		return "="
	case 8:
		return g.pick("joe", "", "root") + "@" + g.pick("1.2.3.4", "=host.example.com", "127.", "::1")
	case 9:
		return ""
	case 10:
		return g.pick("::1", "2001:db8::1", "2001:db8:", "fe80::", "::ffff:1.2.3.4", "::", "2001:DB8::1-3", "::ffff:10.0.0.1-3")
	case 11:
		return g.pick(" 1.2.3.4", "1.2.3.a-5", "1.2.3.4-5-6", "mail-1.example.com", "1-2.3-4.", "x:y")
	default:
		return "127.0.0." + o()
	}
}

func (g *ruleGen) setting() string {
	name := g.pick("RELAYCLIENT", "A", "", "A,B", "X Y", "TCPREMOTEHOST", "K")
	delim := g.pick(`"`, `'`, "/", "|", "x", ",", ":", "=", " ")
	value := g.pick("", "value", "with space", "a:b", "q", `"`)
	if strings.Contains(value, delim) && g.r.IntN(2) == 0 {
		value = "v"
	}
	return "," + name + "=" + delim + value + delim
}

func (g *ruleGen) line() string {
	if g.mayHang && g.r.IntN(10) == 0 {
		return g.pick(g.address()+":Allow", g.address(), " \t")
	}
	switch g.r.IntN(40) {
	case 0:
		return "# comment:" + g.pick("deny", "allow")
	case 1:
		return ""
	case 2:
		return "  # not a comment:deny"
	case 3:
		return g.address() + ":" + g.pick("deny,", "allow,A", "allow,A=", `allow,A="x"y`, "denyx", "allow\r")
	}
	instr := g.pick("allow", "deny")
	for n := g.r.IntN(3); n > 0; n-- {
		instr += g.setting()
	}
	return g.address() + ":" + instr + g.pick("", "", " ", "\t")
}

func (g *ruleGen) file() []byte {
	g.mayHang = g.r.IntN(40) == 0
	var b strings.Builder
	for n := 1 + g.r.IntN(25); n > 0; n-- {
		b.WriteString(g.line())
		b.WriteByte('\n')
	}
	if g.r.IntN(10) == 0 {
		return []byte(strings.TrimSuffix(b.String(), "\n"))
	}
	return []byte(b.String())
}

// result is what one tcprules run produced.
type result struct {
	exit   string
	stderr string
	cdb    []byte
	hung   bool
}

func compileWith(t *testing.T, prog string, input []byte, limit time.Duration) result {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, "out.cdb", "out.tmp")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return result{hung: true}
	}
	cdb, _ := os.ReadFile(filepath.Join(dir, "out.cdb"))
	return result{exit: exitCode(err), stderr: stderr.String(), cdb: cdb}
}

// TestDifferential compiles thousands of seeded random rules files with
// quail's tcprules and both Debian builds, and compares exit code, stderr
// and cdb bytes with the IPv6 build, or with the IPv4 build where the IPv6
// build loops forever.
func TestDifferential(t *testing.T) {
	v4 := testenv.RefBin(t, "ucspi-tcp", "tcprules")
	v6 := testenv.RefBin(t, "ucspi-tcp-ipv6", "tcprules")
	ours := testenv.Bin(t, "tcprules")
	// Both builds' tcprulescheck agree on IPv4 and plain IPv6 clients; the
	// IPv6 one also tries ':' prefixes, as quail does.
	cCheck := testenv.RefBin(t, "ucspi-tcp-ipv6", "tcprulescheck")
	ourCheck := testenv.Bin(t, "tcprulescheck")
	files := 3000
	if testing.Short() {
		files = 300
	}
	g := &ruleGen{r: rand.New(rand.NewPCG(2026, 11))}
	hangs := 0
	for i := 0; i < files; i++ {
		input := g.file()
		// Predict the IPv6 build's hang with our own parser, and give that
		// build only a short time on such files; a wrong prediction in
		// either direction fails below.
		predictHang := errors.Is(rules.CompileMode(input, rules.ModeIPv6, func(int, []byte, []byte) error { return nil }), rules.ErrNoSplit)
		limit := 10 * time.Second
		if predictHang {
			limit = 200 * time.Millisecond
			hangs++
		}
		want := compileWith(t, v6, input, limit)
		if want.hung != predictHang {
			t.Fatalf("file %d: IPv6 build hung=%v, predicted %v\n%s", i, want.hung, predictHang, input)
		}
		if want.hung {
			want = compileWith(t, v4, input, 10*time.Second)
		}
		got := compileWith(t, ours, input, 10*time.Second)
		if got.exit != want.exit || got.stderr != want.stderr || !bytes.Equal(got.cdb, want.cdb) {
			t.Fatalf("file %d differs:\ninput:\n%s\ngot exit %s stderr %q (%d bytes)\nwant exit %s stderr %q (%d bytes)",
				i, input, got.exit, got.stderr, len(got.cdb), want.exit, want.stderr, len(want.cdb))
		}
		if got.cdb != nil && i%10 == 0 {
			checkAgainstC(t, g, got.cdb, cCheck, ourCheck)
		}
	}
	t.Logf("%d files compared, %d of them hang the IPv6 build", files, hangs)
}

// checkAgainstC runs random probes through both tcprulescheck programs on
// the same database. Probes never use IPv4-mapped addresses, for which
// quail deliberately also tries the IPv4 rules.
func checkAgainstC(t *testing.T, g *ruleGen, db []byte, cCheck, ourCheck string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.cdb")
	if err := os.WriteFile(path, db, 0o644); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 8; n++ {
		env := []string{"TCPREMOTEIP=" + g.pick("1.2.3.4", "127.0.0.1", "127.0.0.5", "10.2.3.4", "0.1.2.3", "::1", "2001:db8::1", "fe80::1", "")}
		if g.r.IntN(2) == 0 {
			env = append(env, "TCPREMOTEHOST="+g.pick("host.example.com", "mail.example.org", "", "a-b.example"))
		}
		if g.r.IntN(3) == 0 {
			env = append(env, "TCPREMOTEINFO="+g.pick("joe", "", "root"))
		}
		want := probeWith(t, cCheck, path, env)
		got := probeWith(t, ourCheck, path, env)
		if got != want {
			t.Fatalf("tcprulescheck %v differs:\ngot  %q\nwant %q", env, got, want)
		}
	}
}

func probeWith(t *testing.T, prog, db string, env []string) string {
	t.Helper()
	cmd := exec.Command(prog, db)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return exitCode(err) + " " + string(out)
}
