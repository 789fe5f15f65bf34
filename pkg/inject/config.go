package inject

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/rfc822"
)

// Env looks up an environment variable.
type Env func(name string) (string, bool)

// flags are the letters of $QMAILINJECT.
type flags struct {
	nameComment   bool // c: the full name as a comment after the address
	deleteSender  bool // s: ignore Return-Path fields
	deleteFrom    bool // f: drop From fields (and make a new one)
	deleteMessID  bool // i: drop Message-ID fields (and make a new one)
	verp          bool // r: per-recipient sender (VERP)
	messageSender bool // m: per-message sender user-TIME.PID
}

func parseFlags(s string) flags {
	var f flags
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'c':
			f.nameComment = true
		case 's':
			f.deleteSender = true
		case 'f':
			f.deleteFrom = true
		case 'i':
			f.deleteMessID = true
		case 'r':
			f.verp = true
		case 'm':
			f.messageSender = true
		}
	}
	return f
}

// identity is who the message is from, out of the environment.
type identity struct {
	user      string // the From user
	userQuote bool   // the user must be written quoted
	host      string // the From host; empty: none given
	hasHost   bool
	fullName  string
	hasName   bool
	retUser   string // the envelope sender's user (QMAILSUSER)
	retHost   string // and host (QMAILSHOST)
	hasRet    bool   // retHost is set
}

func firstEnv(env Env, names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := env(n); ok {
			return v, true
		}
	}
	return "", false
}

func readIdentity(env Env) identity {
	var id identity
	id.host, id.hasHost = firstEnv(env, "QMAILHOST", "MAILHOST")
	id.retHost, id.hasRet = env("QMAILSHOST")
	if !id.hasRet {
		id.retHost, id.hasRet = id.host, id.hasHost
	}
	var ok bool
	if id.user, ok = firstEnv(env, "QMAILUSER", "MAILUSER", "USER", "LOGNAME"); !ok {
		id.user = "anonymous"
	}
	id.userQuote = rfc822.NeedsQuote(id.user)
	if id.retUser, ok = env("QMAILSUSER"); !ok {
		id.retUser = id.user
	}
	id.fullName, id.hasName = firstEnv(env, "QMAILNAME", "MAILNAME", "NAME")
	return id
}

// domains are the control values that complete addresses.
type domains struct {
	defaultHost   []rfc822.Token // "@host", added to an address without '@'
	defaultDomain []rfc822.Token // ".domain", added to a host without '.'
	plusDomain    []rfc822.Token // ".domain", replacing a host's final '+'
	idHost        string         // the host part of new Message-IDs
	dateLocal     bool           // write Date in local time
}

// readDomains reads control/defaultdomain, defaulthost, plusdomain and
// idhost (each falling back to control/me, then to its own name), lets
// the QMAIL... variables override them, and reads the date choice.
func readDomains(ctl *control.Dir, env Env) (domains, error) {
	var d domains
	var err error
	items := []struct {
		file, envName, prefix string
		tokens                *[]rfc822.Token
	}{
		{"defaultdomain", "QMAILDEFAULTDOMAIN", ".", &d.defaultDomain},
		{"defaulthost", "QMAILDEFAULTHOST", "@", &d.defaultHost},
		{"plusdomain", "QMAILPLUSDOMAIN", ".", &d.plusDomain},
	}
	for _, it := range items {
		v, err := ctl.LineDefault(it.file, true, it.file)
		if err != nil {
			return d, errRead
		}
		if e, ok := env(it.envName); ok {
			v = e
		}
		toks, ok := rfc822.Parse(it.prefix + v)
		if !ok {
			return d, unparseable(it.prefix + v)
		}
		*it.tokens = toks
	}
	if d.idHost, err = ctl.LineDefault("idhost", true, "idhost"); err != nil {
		return d, errRead
	}
	if e, ok := env("QMAILIDHOST"); ok {
		d.idHost = e
	}
	if d.dateLocal, err = dateLocal(ctl, env); err != nil {
		return d, errRead
	}
	return d, nil
}

// DateLocalEnv and DateLocalFile choose local time for the Date field
// qmail-inject adds, instead of qmail's UTC "-0000": the variable, if set,
// wins ("1" local, "0" UTC); otherwise the control file decides, local if
// its first line is "1".
const (
	DateLocalEnv  = "QMAILDATELOCAL"
	DateLocalFile = "datelocal"
)

func dateLocal(ctl *control.Dir, env Env) (bool, error) {
	if v, ok := env(DateLocalEnv); ok {
		return v == "1", nil
	}
	line, ok, err := ctl.Line(DateLocalFile)
	return ok && line == "1", err
}

// readMFT reads the list of mailing lists named by $QMAILMFTFILE (lines,
// '#' comments and blank lines skipped), lower-cased for matching. nil:
// no list.
func readMFT(env Env) (map[string]bool, error) {
	name, ok := env("QMAILMFTFILE")
	if !ok {
		return nil, nil
	}
	dir := control.Open(filepath.Dir(name))
	lines, ok, err := dir.Lines(filepath.Base(name))
	if err != nil {
		return nil, errRead
	}
	if !ok {
		return nil, nil
	}
	m := make(map[string]bool, len(lines))
	for _, l := range lines {
		m[strings.ToLower(l)] = true
	}
	return m, nil
}

// OSEnv is the process environment.
func OSEnv(name string) (string, bool) { return os.LookupEnv(name) }
