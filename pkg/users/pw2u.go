package users

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/quail-mta/quail/pkg/control"
)

// Home checks qmail-pw2u can make (-o, -h, -H).
const (
	HomeIgnore   = 0 // -H: don't look at homes
	HomeRequired = 1 // -h: a missing home is fatal, a foreign one skipped
	HomeSkip     = 2 // -o: skip accounts whose home is missing or foreign
)

// Pw2uOptions are qmail-pw2u's switches.
type Pw2uOptions struct {
	DashColon    string // "-:" normally, "-/:" with -/
	HomeStrategy int
	NoUpper      bool // -U: skip names with capital letters
	Break        byte // -c: the extension delimiter; 0 (-C) for none
}

// DefaultPw2uOptions are qmail-pw2u's settings without switches.
func DefaultPw2uOptions() Pw2uOptions {
	return Pw2uOptions{DashColon: "-:", HomeStrategy: HomeSkip, NoUpper: true, Break: Break}
}

// ParsePw2uArgs reads qmail-pw2u's getopt switches "/ohHuUc:C" from args
// (without the program name); an unknown switch or a missing argument to
// -c is an error, which qmail-pw2u answers with exit 100.
func ParsePw2uArgs(args []string) (Pw2uOptions, error) {
	opt := DefaultPw2uOptions()
	for len(args) > 0 {
		arg := args[0]
		if arg == "--" || len(arg) < 2 || arg[0] != '-' {
			break
		}
		args = args[1:]
		for i := 1; i < len(arg); i++ {
			switch arg[i] {
			case '/':
				opt.DashColon = "-/:"
			case 'o':
				opt.HomeStrategy = HomeSkip
			case 'h':
				opt.HomeStrategy = HomeRequired
			case 'H':
				opt.HomeStrategy = HomeIgnore
			case 'u':
				opt.NoUpper = false
			case 'U':
				opt.NoUpper = true
			case 'C':
				opt.Break = 0
			case 'c':
				value := arg[i+1:]
				if value == "" {
					if len(args) == 0 {
						return opt, errors.New("option requires an argument -- c")
					}
					value, args = args[0], args[1:]
				}
				opt.Break = 0
				if value != "" {
					opt.Break = value[0]
				}
				i = len(arg)
			default:
				return opt, errors.New("illegal option -- " + string(arg[i]))
			}
		}
	}
	return opt, nil
}

// Pw2uError is one of qmail-pw2u's fatal messages.
type Pw2uError struct{ Text string }

func (e *Pw2uError) Error() string { return e.Text }

// foldMap is qmail's constmap: keys compare without regard to ASCII
// case, and of two equal keys the later one counts.
type foldMap map[string]string

func (m foldMap) get(key string) (string, bool) {
	v, ok := m[string(lowerASCII([]byte(key)))]
	return v, ok
}

func (m foldMap) put(key, value string) { m[string(lowerASCII([]byte(key)))] = value }

type pw2u struct {
	opt       Pw2uOptions
	out       *bufio.Writer
	include   foldMap // nil: no users/include
	exclude   foldMap
	mailnames foldMap
	accounts  foldMap // user -> ":user:uid:gid:home:"
	sawAlias  bool
}

// Pw2u converts a passwd file to users/assign text as qmail-pw2u does,
// consulting users/include, exclude, mailnames, subusers and append in
// the qmail home home.
func Pw2u(opt Pw2uOptions, home string, passwd io.Reader, out io.Writer) error {
	p := &pw2u{opt: opt, out: bufio.NewWriter(out), accounts: foldMap{}}
	if err := p.readControls(home); err != nil {
		return err
	}
	in := bufio.NewReader(passwd)
	for {
		line, err := in.ReadString('\n')
		if err != nil && err != io.EOF {
			return &Pw2uError{"unable to read input"}
		}
		if err := p.account(line); err != nil {
			return err
		}
		if err == io.EOF {
			break
		}
	}
	if !p.sawAlias {
		return &Pw2uError{"unable to find " + AliasUser + " user"}
	}
	if err := p.eachLine(filepath.Join(home, "users", "subusers"), p.subuser); err != nil {
		return err
	}
	err := p.eachLine(filepath.Join(home, "users", "append"), func(line string) error {
		p.out.WriteString(line)
		return nil
	})
	if err != nil {
		return err
	}
	p.out.WriteString(".\n")
	if p.out.Flush() != nil {
		return &Pw2uError{"unable to write output"}
	}
	return nil
}

func (p *pw2u) readControls(home string) error {
	dir := control.Open(filepath.Join(home, "users"))
	read := func(name string, colon bool) (foldMap, error) {
		lines, ok, err := dir.Lines(name)
		if err != nil {
			return nil, &Pw2uError{"unable to read controls"}
		}
		if !ok {
			return nil, nil
		}
		m := foldMap{}
		for _, line := range lines {
			key, value := line, ""
			if colon {
				var found bool
				if key, value, found = strings.Cut(line, ":"); !found {
					continue
				}
			}
			m.put(key, value)
		}
		return m, nil
	}
	var err error
	if p.include, err = read("include", false); err != nil {
		return err
	}
	if p.exclude, err = read("exclude", false); err != nil {
		return err
	}
	p.mailnames, err = read("mailnames", true)
	return err
}

// eachLine calls f with every line of a helper file, newline included; a
// missing file has no lines.
func (p *pw2u) eachLine(path string, f func(string) error) error {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &Pw2uError{"unable to read controls"}
	}
	defer file.Close()
	r := bufio.NewReader(file)
	for {
		line, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return &Pw2uError{"unable to read input"}
		}
		if ferr := f(line); ferr != nil {
			return ferr
		}
		if err == io.EOF {
			return nil
		}
	}
}

// passwdFields returns name, uid, gid and home of a passwd line, which
// needs a ':' after the home field; ok is false for lines qmail-pw2u
// skips silently.
func passwdFields(line string) (name, uid, gid, home string, ok bool) {
	if strings.IndexByte(line, 0) >= 0 {
		return
	}
	f := strings.SplitN(line, ":", 7)
	if len(f) < 7 {
		return
	}
	return f[0], f[2], f[3], f[5], true
}

func (p *pw2u) account(line string) error {
	name, uidText, gidText, home, ok := passwdFields(line)
	if !ok {
		return nil
	}
	uid := scanUlong([]byte(uidText))
	if uid == 0 {
		return nil
	}
	if p.opt.NoUpper && strings.ContainsAny(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return nil
	}
	if _, listed := p.include.get(name); p.include != nil && !listed {
		return nil
	}
	if _, listed := p.exclude.get(name); p.exclude != nil && listed {
		return nil
	}
	if skip, err := p.skipHome(home, uid); skip || err != nil {
		return err
	}
	uugh := ":" + name + ":" + uidText + ":" + gidText + ":" + home + ":"
	p.accounts.put(name, uugh)
	if name == AliasUser {
		p.out.WriteString("+" + uugh + p.opt.DashColon + ":\n")
		p.sawAlias = true
	}
	names := name
	if mn, ok := p.mailnames.get(name); p.mailnames != nil && ok {
		names = mn
	}
	for _, mailname := range strings.Split(names, ":") {
		if mailname == "" {
			continue
		}
		p.out.WriteString("=" + mailname + uugh + "::\n")
		if p.opt.Break != 0 {
			p.out.WriteString("+" + mailname + string(p.opt.Break) + uugh + p.opt.DashColon + ":\n")
		}
	}
	return nil
}

func (p *pw2u) skipHome(home string, uid uint64) (bool, error) {
	if p.opt.HomeStrategy == HomeIgnore {
		return false, nil
	}
	var st syscall.Stat_t
	if err := syscall.Stat(home, &st); err != nil {
		if err != syscall.ENOENT || p.opt.HomeStrategy == HomeRequired {
			return true, &Pw2uError{"unable to stat " + home}
		}
		return true, nil
	}
	return uint64(st.Uid) != uid, nil
}

// subuser writes the two lines for a users/subusers line "sub:user:pre:".
func (p *pw2u) subuser(line string) error {
	f := strings.SplitN(line, ":", 4)
	if len(f) < 3 {
		return nil
	}
	uugh, ok := p.accounts.get(f[1])
	if !ok {
		return &Pw2uError{"unable to find " + f[1] + " user for subuser"}
	}
	if len(f) < 4 {
		return nil
	}
	sub, pre := f[0], f[2]
	p.out.WriteString("=" + sub + uugh + p.opt.DashColon + pre + ":\n")
	if p.opt.Break != 0 {
		p.out.WriteString("+" + sub + string(p.opt.Break) + uugh + p.opt.DashColon + pre + "-:\n")
	}
	return nil
}
