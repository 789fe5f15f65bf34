// Package control reads qmail's control files exactly as qmail's control.c
// does: the first line of a file, or all its lines; trailing spaces, tabs and
// newlines stripped; comments and blank lines skipped in multi-line files; a
// missing file told apart from an empty one; and defaults taken from
// control/me where qmail takes them.
package control

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Dir is a control directory, normally qhome.Path("control").
type Dir struct {
	Path string
	// me is control/me, read once by Me; meOK says whether it exists.
	me     string
	meOK   bool
	meRead bool
}

// Open returns the control directory at path. Nothing is read yet.
func Open(path string) *Dir { return &Dir{Path: path} }

func (d *Dir) file(name string) string { return filepath.Join(d.Path, name) }

// Me returns control/me and whether it exists; other defaults derive from it.
func (d *Dir) Me() (string, bool, error) {
	if !d.meRead {
		me, ok, err := d.Line("me")
		if err != nil {
			return "", false, err
		}
		d.me, d.meOK, d.meRead = me, ok, true
	}
	return d.me, d.meOK, nil
}

// Line returns the first line of a control file with trailing white space
// removed. ok is false when the file does not exist; an empty file gives
// ok true and an empty line.
func (d *Dir) Line(name string) (line string, ok bool, err error) {
	f, err := os.Open(d.file(name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	line, err = r.ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, err
	}
	return StripTrailing(line), true, nil
}

// LineDefault returns the first line of name; when the file is missing it
// returns control/me if useMe is set and me exists, otherwise def
// (control_rldef).
func (d *Dir) LineDefault(name string, useMe bool, def string) (string, error) {
	line, ok, err := d.Line(name)
	if err != nil || ok {
		return line, err
	}
	if useMe {
		me, meOK, err := d.Me()
		if err != nil {
			return "", err
		}
		if meOK {
			return me, nil
		}
	}
	return def, nil
}

// Int returns a control file's first line as a number. A missing file gives
// def; a line that does not start with a digit also gives def, as qmail's
// scan_ulong failing does.
func (d *Dir) Int(name string, def int) (int, error) {
	line, ok, err := d.Line(name)
	if err != nil || !ok {
		return def, err
	}
	n, ok := LeadingUint(line)
	if !ok {
		return def, nil
	}
	return n, nil
}

// LeadingUint parses the leading decimal digits of s as scan_ulong does.
func LeadingUint(s string) (int, bool) {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:end], 10, 63)
	if err != nil {
		return int(^uint(0) >> 1), true
	}
	return int(n), true
}

// Lines returns every line of a control file, with trailing white space
// removed and blank lines and lines starting with # left out. ok is false
// when the file does not exist.
func (d *Dir) Lines(name string) (lines []string, ok bool, err error) {
	data, err := os.ReadFile(d.file(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		line = StripTrailing(line)
		if line != "" && line[0] != '#' {
			lines = append(lines, line)
		}
	}
	return lines, true, nil
}

// LinesDefault is Lines, but a missing file gives control/me as the only
// line when useMe is set and me exists (control_readfile with flagme).
func (d *Dir) LinesDefault(name string, useMe bool) ([]string, error) {
	lines, ok, err := d.Lines(name)
	if err != nil || ok || !useMe {
		return lines, err
	}
	me, meOK, err := d.Me()
	if err != nil || !meOK {
		return nil, err
	}
	return []string{me}, nil
}

// StripTrailing removes trailing newlines, spaces and tabs, and nothing
// else: a carriage return stays, as in qmail.
func StripTrailing(s string) string {
	return strings.TrimRight(s, "\n \t")
}
