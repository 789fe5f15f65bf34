// Package showctl is qmail-showctl: it describes the compiled-in settings
// and every control file with its meaning, in the original's words, and
// names files it does not know.
package showctl

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/visible"
)

// Settings are the compiled-in values shown first.
type Settings struct {
	Home        string
	Break       string // user-ext delimiter
	Paternalism int
	SpawnLimit  int
	Split       int
}

// Defaults are quail's compiled-in values (those of qmail's conf files).
func Defaults(home string) Settings {
	return Settings{Home: home, Break: "-", Paternalism: 2, SpawnLimit: 120, Split: 23}
}

type printer struct {
	w     io.Writer
	dir   *control.Dir
	me    string
	hasMe bool
}

// Show writes the description of the settings and of home's control files.
func Show(w io.Writer, s Settings) error {
	fmt.Fprintf(w, "qmail home directory: %s.\n", s.Home)
	fmt.Fprintf(w, "user-ext delimiter: %s.\n", s.Break)
	fmt.Fprintf(w, "paternalism (in decimal): %d.\n", s.Paternalism)
	fmt.Fprintf(w, "silent concurrency limit: %d.\n", s.SpawnLimit)
	fmt.Fprintf(w, "subdirectory split: %d.\n", s.Split)
	fmt.Fprintf(w, "user ids: %s.\n", ids(user.Lookup, func(u *user.User) string { return u.Uid },
		"alias", "qmaild", "qmaill", "root", "qmailp", "qmailq", "qmailr", "qmails"))
	fmt.Fprintf(w, "group ids: %s.\n", ids(user.LookupGroup, func(g *user.Group) string { return g.Gid }, "nofiles", "qmail"))
	dirPath := filepath.Join(s.Home, "control")
	if _, err := os.Stat(s.Home); err != nil {
		fmt.Fprintf(w, "Oops! Unable to chdir to %s.\n", s.Home)
		return err
	}
	entries, err := os.ReadDir(dirPath)
	if err != nil {
		fmt.Fprintf(w, "Oops! Unable to chdir to control.\n")
		return err
	}
	p := &printer{w: w, dir: control.Open(dirPath)}
	if p.me, p.hasMe, err = p.dir.Line("me"); err != nil {
		fmt.Fprint(w, "Oops! Trouble reading control/me.")
		return err
	}
	p.describe()
	p.describeExtras()
	known := map[string]bool{"morercpthosts.cdb": true}
	for _, item := range append(items, extras...) {
		known[item.name] = true
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		if !known[name] {
			fmt.Fprintf(w, "\n%s: I have no idea what this file does.\n", name)
		}
	}
	return nil
}

// ids lists numeric ids as qmail's inituid does, -1 (unsigned) when the
// name is unknown.
func ids[T any](lookup func(string) (T, error), id func(T) string, names ...string) string {
	out := ""
	for i, name := range names {
		if i > 0 {
			out += ", "
		}
		v, err := lookup(name)
		if err != nil {
			out += "18446744073709551615"
			continue
		}
		out += id(v)
	}
	return out
}

// item is one control file and how it is described.
type item struct {
	name      string
	kind      byte // 'i' number, 's' line, 'l' list
	useMe     bool
	def       string
	pre, post string
}

var items = []item{
	{"badmailfrom", 'l', false, "Any MAIL FROM is allowed.", "", " not accepted in MAIL FROM."},
	{"bouncefrom", 's', false, "MAILER-DAEMON", "Bounce user name is ", ""},
	{"bouncehost", 's', true, "bouncehost", "Bounce host name is ", ""},
	{"concurrencylocal", 'i', false, "10", "Local concurrency is ", ""},
	{"concurrencyremote", 'i', false, "20", "Remote concurrency is ", ""},
	{"databytes", 'i', false, "0", "SMTP DATA limit is ", " bytes"},
	{"defaultdomain", 's', true, "defaultdomain", "Default domain name is ", ""},
	{"defaulthost", 's', true, "defaulthost", "Default host name is ", ""},
	{"doublebouncehost", 's', true, "doublebouncehost", "2B recipient host: ", ""},
	{"doublebounceto", 's', false, "postmaster", "2B recipient user: ", ""},
	{"envnoathost", 's', true, "envnoathost", "Presumed domain name is ", ""},
	{"helohost", 's', true, "helohost", "SMTP client HELO host name is ", ""},
	{"idhost", 's', true, "idhost", "Message-ID host name is ", ""},
	{"localiphost", 's', true, "localiphost", "Local IP address becomes ", ""},
	{"locals", 'l', false, "Messages for me are delivered locally.", "Messages for ", " are delivered locally."},
	{"me", 's', false, "undefined! Uh-oh", "My name is ", ""},
	{"percenthack", 'l', false, "The percent hack is not allowed.", "The percent hack is allowed for user%host@", "."},
	{"plusdomain", 's', true, "plusdomain", "Plus domain name is ", ""},
	{"qmqpservers", 'l', false, "No QMQP servers.", "QMQP server: ", "."},
	{"queuelifetime", 'i', false, "604800", "Message lifetime in the queue is ", " seconds"},
	{"rcpthosts", 'l', false, "SMTP clients may send messages to any recipient.", "SMTP clients may send messages to recipients at ", "."},
	{"morercpthosts", 'm', false, "", "", ""},
	{"smtpgreeting", 's', true, "smtpgreeting", "SMTP greeting: 220 ", ""},
	{"smtproutes", 'l', false, "No artificial SMTP routes.", "SMTP route: ", ""},
	{"timeoutconnect", 'i', false, "60", "SMTP client connection timeout is ", " seconds"},
	{"timeoutremote", 'i', false, "1200", "SMTP client data timeout is ", " seconds"},
	{"timeoutsmtpd", 'i', false, "1200", "SMTP server data timeout is ", " seconds"},
	{"virtualdomains", 'l', false, "No virtual domains.", "Virtual domain: ", ""},
}

// extras are the control files of the patches quail follows (TLS,
// tarpit, SPF, DKIM, connection reuse) and the two that Life with qmail's
// scripts read. They are described only when present,
// so that the output for a plain installation stays the original's; kind
// 'x' is a file (or directory) whose contents are not shown.
var extras = []item{
	{"clientca.pem", 'x', false, "", "Certificate authorities for SMTP clients relaying by certificate.", ""},
	{"clientcert.pem", 'x', false, "", "Certificate the SMTP client shows to servers that ask.", ""},
	{"clientcrl.pem", 'x', false, "", "Revocation lists for the certificates of SMTP clients relaying by certificate.", ""},
	{"concurrencyincoming", 'i', false, "0", "SMTP server concurrency limit (read by Life with qmail's run script) is ", ""},
	{"datelocal", 'x', false, "", "qmail-inject writes Date fields in local time.", ""},
	{"defaultdelivery", 's', false, "", "Default delivery (read by Life with qmail's rc script): ", ""},
	{"dkimkeys", 'l', false, "", "DKIM key (domain:selector:file): ", ""},
	{"mfcheck", 'i', false, "0", "SMTP MAIL domain check level is ", ""},
	{"notlshosts", 'x', false, "", "SMTP client never tries STARTTLS with the hosts named in this directory.", ""},
	{"remotereuse", 'i', false, "0", "SMTP client keeps idle connections for ", " seconds"},
	{"servercert.pem", 'x', false, "", "SMTP server certificate: STARTTLS is offered.", ""},
	{"servercerts", 'x', false, "", "SMTP server certificates by name (SNI).", ""},
	{"spfbehavior", 'i', false, "0", "SPF behavior is ", ""},
	{"spfexp", 's', false, "", "SPF explanation: ", ""},
	{"spfguess", 's', false, "", "SPF guess for domains without a policy: ", ""},
	{"spfrules", 's', false, "", "SPF local rules: ", ""},
	{"tarpitcount", 'i', false, "0", "SMTP tarpitting starts at recipient ", ""},
	{"tarpitdelay", 'i', false, "5", "SMTP tarpit delay is ", " seconds"},
	{"tlsclientciphers", 'l', false, "", "SMTP client TLS ciphers (OpenSSL list): ", ""},
	{"tlsclients", 'l', false, "", "SMTP client may relay with a certificate for ", "."},
	{"tlshosts", 'x', false, "", "SMTP client requires verified TLS with the hosts named in this directory.", ""},
	{"tlsserverciphers", 'l', false, "", "SMTP server TLS ciphers (OpenSSL list): ", ""},
}

func (p *printer) describeExtras() {
	for _, it := range extras {
		if _, err := os.Stat(filepath.Join(p.dir.Path, it.name)); err != nil {
			continue
		}
		p.item(it)
	}
}

func (p *printer) describe() {
	hasRcpthosts := false
	for _, it := range items {
		switch {
		case it.kind == 'm':
			p.moreRcptHosts(hasRcpthosts)
		case it.name == "rcpthosts":
			hasRcpthosts = p.list(it)
		default:
			p.item(it)
		}
	}
}

// item describes one file by its kind.
func (p *printer) item(it item) {
	switch it.kind {
	case 'i':
		p.number(it)
	case 's':
		p.line(it)
	case 'l':
		p.list(it)
	case 'x':
		fmt.Fprintf(p.w, "\n%s: %s\n", it.name, it.pre)
	}
}

func (p *printer) number(it item) {
	fmt.Fprintf(p.w, "\n%s: ", it.name)
	text, ok, err := p.dir.Line(it.name)
	n, numeric := control.LeadingUint(text)
	switch {
	case err != nil:
		fmt.Fprint(p.w, "Oops! Trouble reading this file.\n")
	case !ok || !numeric:
		fmt.Fprintf(p.w, "(Default.) %s%s%s.\n", it.pre, it.def, it.post)
	default:
		fmt.Fprintf(p.w, "%s%d%s.\n", it.pre, max(int32(n), 0), it.post)
	}
}

func (p *printer) line(it item) {
	fmt.Fprintf(p.w, "\n%s: ", it.name)
	text, ok, err := p.dir.Line(it.name)
	switch {
	case err != nil:
		fmt.Fprint(p.w, "Oops! Trouble reading this file.\n")
		return
	case !ok:
		fmt.Fprint(p.w, "(Default.) ")
		text = it.def
		if it.useMe && p.hasMe {
			text = p.me
		}
	}
	fmt.Fprintf(p.w, "%s%s.\n", it.pre, visible.String(text, ' ', '?'))
}

// list describes a list file and reports whether it exists.
func (p *printer) list(it item) bool {
	fmt.Fprintf(p.w, "\n%s: ", it.name)
	lines, ok, err := p.dir.Lines(it.name)
	switch {
	case err != nil:
		fmt.Fprint(p.w, "Oops! Trouble reading this file.\n")
		return true
	case !ok:
		fmt.Fprintf(p.w, "(Default.) %s\n", it.def)
		return false
	}
	fmt.Fprint(p.w, "\n")
	for _, l := range lines {
		if it.name == "smtproutes" {
			l = hidePassword(l)
		}
		fmt.Fprintf(p.w, "%s%s%s\n", it.pre, visible.String(l, ' ', '?'), it.post)
	}
	return true
}

// hidePassword keeps the password of an smtproutes line with an AUTH login
// ("domain:relay:port user password") out of the output, which people
// paste into mailing lists.
func hidePassword(route string) string {
	relay, login, ok := strings.Cut(route, " ")
	if !ok {
		return route
	}
	user, password, ok := strings.Cut(login, " ")
	if !ok || password == "" {
		return route
	}
	return relay + " " + user + " (password not shown)"
}

func (p *printer) moreRcptHosts(hasRcpthosts bool) {
	it := item{name: "morercpthosts", def: "No effect.", pre: "SMTP clients may send messages to recipients at ", post: "."}
	if !hasRcpthosts {
		it.def, it.pre = "No rcpthosts; morercpthosts is irrelevant.", "No rcpthosts; doesn't matter that morercpthosts has "
	}
	p.list(it)
	fmt.Fprint(p.w, "\nmorercpthosts.cdb: ")
	text, cdb := os.Stat(filepath.Join(p.dir.Path, "morercpthosts"))
	bin, cdbErr := os.Stat(filepath.Join(p.dir.Path, "morercpthosts.cdb"))
	switch {
	case cdb != nil && cdbErr != nil:
		fmt.Fprint(p.w, "(Default.) No effect.\n")
	case cdb != nil:
		fmt.Fprint(p.w, "Oops! morercpthosts.cdb exists but morercpthosts doesn't.\n")
	case cdbErr != nil:
		fmt.Fprint(p.w, "Oops! morercpthosts exists but morercpthosts.cdb doesn't.\n")
	case text.ModTime().Unix() > bin.ModTime().Unix():
		fmt.Fprint(p.w, "Oops! morercpthosts.cdb is older than morercpthosts.\n")
	default:
		fmt.Fprint(p.w, "Modified recently enough; hopefully up to date.\n")
	}
}
