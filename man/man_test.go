// Package man holds quail's manual pages, one roff file per page named
// name.section, and the tests that keep them correct: every page renders
// without a single groff or man warning, every program under cmd/ has a
// page, and every SEE ALSO reference names a page that exists here.
package man

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/testenv"
)

// page is one manual page file of this directory.
type page struct {
	path    string // file name, relative to the test's directory
	name    string // "tcpserver"
	section string // "1"
	text    string
}

func (p page) ref() string { return p.name + "(" + p.section + ")" }

// pageFile matches a page's file name: the program or format name, a dot,
// and a section of the ones quail uses (qmail's and ucspi-tcp's layout).
var pageFile = regexp.MustCompile(`^(.+)\.([1578])$`)

func loadPages(t *testing.T) []page {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var pages []page
	for _, e := range entries {
		m := pageFile.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page{e.Name(), m[1], m[2], string(b)})
	}
	if len(pages) == 0 {
		t.Fatal("no manual pages found")
	}
	return pages
}

// renderers are the formatters a page is checked with. man-db's man is the
// one users run; groff with -ww turns on every warning troff knows.
var renderers = []struct {
	tool string
	args func(path string) []string
}{
	{"man", func(path string) []string { return []string{"--warnings", "-E", "UTF-8", "-l", path} }},
	{"groff", func(path string) []string { return []string{"-man", "-Tutf8", "-ww", "-z", path} }},
}

// TestRenderWithoutWarnings formats every page with man and with groff and
// fails on anything either writes to standard error. Without the tools
// (Debian packages man-db and groff-base) it skips, except in CI.
func TestRenderWithoutWarnings(t *testing.T) {
	pages := loadPages(t)
	for _, r := range renderers {
		t.Run(r.tool, func(t *testing.T) {
			tool := testenv.Tool(t, r.tool) // skips with a reason unless CI
			for _, p := range pages {
				t.Run(p.path, func(t *testing.T) {
					t.Parallel()
					checkRender(t, tool, r.tool, r.args(p.path))
				})
			}
		})
	}
}

// checkRender runs one formatter on one page and fails on anything it
// writes to standard error, on a failed run, and (for man) on empty output.
func checkRender(t *testing.T, path, name string, args []string) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat", "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		return
	}
	if stderr.Len() > 0 {
		t.Errorf("%s %s warns:\n%s", name, strings.Join(args, " "), stderr.String())
	}
	if name == "man" && !strings.Contains(stdout.String(), "NAME") {
		t.Errorf("man %s printed no NAME section:\n%s", strings.Join(args, " "), stdout.String())
	}
}

// TestEveryProgramHasPage fails for a program under cmd/ without a page in
// section 1 or 8, so that a new program cannot arrive undocumented.
func TestEveryProgramHasPage(t *testing.T) {
	have := map[string]bool{}
	for _, p := range loadPages(t) {
		if p.section == "1" || p.section == "8" {
			have[p.name] = true
		}
	}
	cmds, err := os.ReadDir(filepath.Join(testenv.Root(), "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) == 0 {
		t.Fatal("no programs under cmd/")
	}
	for _, c := range cmds {
		if c.IsDir() && !have[c.Name()] {
			t.Errorf("cmd/%s has no manual page man/%s.1 or man/%s.8", c.Name(), c.Name(), c.Name())
		}
	}
}

// building is the sentence a program page carries while its program is not
// yet under cmd/ (or, for ucspi-tcp's client scripts, scripts/ucspi/, and
// qmail's mail-reader scripts, scripts/qmail/).
const building = "quail is building this program"

// TestBuildingNotes keeps the pages honest about what exists: the page of a
// program not yet under cmd/ says so (building), and once cmd/<name>
// exists the sentence must go, so the page is checked against the program.
func TestBuildingNotes(t *testing.T) {
	for _, p := range loadPages(t) {
		if p.section != "1" && p.section != "8" {
			continue
		}
		_, err := os.Stat(filepath.Join(testenv.Root(), "cmd", p.name))
		_, scriptErr := os.Stat(filepath.Join(testenv.Root(), "scripts", "ucspi", p.name))
		_, readerErr := os.Stat(filepath.Join(testenv.Root(), "scripts", "qmail", p.name))
		built := err == nil || scriptErr == nil || readerErr == nil // ucspi-tcp's client scripts, qmail's readers
		says := strings.Contains(p.text, building)
		switch {
		case built && says:
			t.Errorf("%s: cmd/%s exists now; drop %q and check the page against the program", p.path, p.name, building)
		case !built && !says:
			t.Errorf("%s: no cmd/%s yet; say %q in QUAIL DIFFERENCES", p.path, p.name, building)
		}
	}
}

// TestInstalledProgramsHavePages lists the programs quail installs or is
// building, so that a page deleted by mistake is noticed even before its
// program exists under cmd/.
func TestInstalledProgramsHavePages(t *testing.T) {
	want := strings.Fields(`tcpserver.1 tcprules.1 tcprulescheck.1 tcpclient.1
		rblsmtpd.1 mconnect.1 mconnect-io.1 tcpcat.1 who@.1 date@.1 finger@.1
		http@.1 recordio.1 addcr.1 delcr.1 fixcrio.1 argv0.1 splogger.8
		qmail-smtpd.8 qmail-queue.8 qmail-install.8 qmail-newmrh.8 qmail-send.8
		qmail-start.8 qmail-clean.8 qmail-lspawn.8 qmail-local.8 qmail-getpw.8
		qmail-newu.8 qmail-pw2u.8 qmail-rspawn.8 qmail-remote.8 qmail-tcpto.8
		qmail-tcpok.8 qmail-inject.8 sendmail.8 predate.1 datemail.1 mailsubj.1
		preline.1 condredirect.1 bouncesaying.1 except.1 forward.1
		qmail-config.8 qmail-showctl.8 qmail-qread.8 qmail-qstat.8
		maildirmake.1 maildir2mbox.1 maildirwatch.1 qbiff.1 qreceipt.1
		qmail-qmqpc.8 qmail-qmqpd.8 qmail-qmtpd.8 qmail-instcheck.8
		tcp-environ.5 dot-qmail.5 qmail-control.5 qmail-header.5 qmail-log.5
		qmail-users.5 maildir.5 mbox.5 envelopes.5 cdb.5 qmail-limits.7 qmail.7`)
	for _, name := range want {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("missing page: %v", err)
		}
	}
}

// reference matches "name(N)" or "name (N)" once fonts are stripped.
var reference = regexp.MustCompile(`([A-Za-z0-9@_.+-]+) ?\(([1-8])\)`)

// plain removes font changes and escapes from roff text and turns macro
// lines into their arguments, enough to read cross references.
func plain(s string) string {
	r := strings.NewReplacer(`\fB`, "", `\fI`, "", `\fR`, "", `\fP`, "", `\-`, "-", `\(at`, "@", `\&`, "", `"`, "")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, ".") {
			if i := strings.IndexByte(line, ' '); i >= 0 {
				line = line[i+1:]
			} else {
				continue
			}
		}
		out = append(out, r.Replace(line))
	}
	return strings.Join(out, "\n")
}

// section returns the text of the section headed .SH name, up to the next.
func section(text, name string) (string, bool) {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if strings.TrimSpace(strings.Trim(strings.TrimPrefix(line, ".SH"), `" `)) != name || !strings.HasPrefix(line, ".SH") {
			continue
		}
		end := len(lines)
		for j := i + 1; j < len(lines); j++ {
			if strings.HasPrefix(lines[j], ".SH") {
				end = j
				break
			}
		}
		return strings.Join(lines[i+1:end], "\n"), true
	}
	return "", false
}

// TestSeeAlsoResolves fails for a SEE ALSO entry naming a page that is not
// in this directory, and for a page without a SEE ALSO section.
func TestSeeAlsoResolves(t *testing.T) {
	pages := loadPages(t)
	exists := map[string]bool{}
	for _, p := range pages {
		exists[p.ref()] = true
	}
	for _, p := range pages {
		body, ok := section(p.text, "SEE ALSO")
		if !ok {
			t.Errorf("%s: no SEE ALSO section", p.path)
			continue
		}
		refs := reference.FindAllStringSubmatch(plain(body), -1)
		if len(refs) == 0 {
			t.Errorf("%s: SEE ALSO names no page", p.path)
		}
		for _, m := range refs {
			if ref := m[1] + "(" + m[2] + ")"; !exists[ref] {
				t.Errorf("%s: SEE ALSO %s: no such page in man/", p.path, ref)
			}
			if m[1] == p.name && m[2] == p.section {
				t.Errorf("%s: SEE ALSO names the page itself", p.path)
			}
		}
	}
}

// TestStructure checks what every page must carry: a .TH naming the page
// as its file does, a NAME line "name \- summary" listing it, and the
// sections a reader looks for. Program pages need SYNOPSIS and EXIT STATUS.
func TestStructure(t *testing.T) {
	for _, p := range loadPages(t) {
		th := regexp.MustCompile(`(?m)^\.TH "?([^" ]+)"? "?([0-9])"?`).FindStringSubmatch(p.text)
		if th == nil || th[1] != p.name || th[2] != p.section {
			t.Errorf("%s: .TH must name %s %s, have %q", p.path, p.name, p.section, th)
		}
		need := []string{"NAME", "DESCRIPTION", "SEE ALSO"}
		if p.section == "1" || p.section == "8" {
			need = append(need, "SYNOPSIS", "EXIT STATUS")
		}
		for _, s := range need {
			if _, ok := section(p.text, s); !ok {
				t.Errorf("%s: no %s section", p.path, s)
			}
		}
		name, _ := section(p.text, "NAME")
		summary := strings.SplitN(strings.TrimSpace(plain(name)), " - ", 2)
		if len(summary) != 2 || strings.TrimSpace(summary[1]) == "" {
			t.Errorf("%s: NAME must read \"name \\- summary\", have %q", p.path, name)
			continue
		}
		names := strings.Split(summary[0], ",")
		for i := range names {
			names[i] = strings.TrimSpace(names[i])
		}
		sort.Strings(names)
		if i := sort.SearchStrings(names, p.name); i == len(names) || names[i] != p.name {
			t.Errorf("%s: NAME lists %q, not %s", p.path, summary[0], p.name)
		}
	}
}

// TestNoMachinePaths keeps this machine's directories out of the pages.
func TestNoMachinePaths(t *testing.T) {
	for _, p := range loadPages(t) {
		for _, bad := range []string{"/work/", "/tmp/"} {
			if strings.Contains(p.text, bad) {
				t.Errorf("%s mentions %s", p.path, bad)
			}
		}
	}
}

// TestInstallMan runs scripts/install-man into a temporary directory and
// checks that every page lands in the man<section> directory, unchanged.
func TestInstallMan(t *testing.T) {
	dest := t.TempDir()
	script := filepath.Join(testenv.Root(), "scripts", "install-man")
	out, err := exec.Command(script, ".", dest).CombinedOutput()
	if err != nil {
		t.Fatalf("install-man: %v\n%s", err, out)
	}
	for _, p := range loadPages(t) {
		got, err := os.ReadFile(filepath.Join(dest, "man"+p.section, p.path))
		if err != nil {
			t.Errorf("not installed: %v", err)
			continue
		}
		if string(got) != p.text {
			t.Errorf("%s installed with different contents", p.path)
		}
	}
	if out, err := exec.Command(script, t.TempDir(), dest).CombinedOutput(); err == nil {
		t.Errorf("install-man from a directory without pages succeeded:\n%s", out)
	}
}
