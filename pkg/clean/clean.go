// Package clean is qmail-clean: on qmail-send's request it removes the
// files of the queue that only qmailq may remove (intd, todo, mess), and
// sweeps qmail-queue's abandoned temporary files from pid/.
package clean

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

const (
	split    = 23
	ossified = 129600 // seconds without access before a pid/ file goes
)

// Serve reads NUL-terminated commands from in and answers each with one
// byte on out: '+' done, '!' an unlink failed, 'x' a bad command. It
// returns nil at end of input; a failed reply write is an error.
func Serve(queue string, in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	for n := 0; ; n++ {
		if n%31 == 0 {
			sweepPid(filepath.Join(queue, "pid"))
		}
		cmd, err := r.ReadString(0)
		if err != nil {
			return nil
		}
		if _, err := out.Write([]byte{answer(queue, cmd)}); err != nil {
			return err
		}
	}
}

// answer carries out one command ("foop/<id>\0" or "todo/<id>\0").
func answer(queue, cmd string) byte {
	if len(cmd) < 7 || len(cmd) > 100 {
		return 'x'
	}
	digits := cmd[5 : len(cmd)-1]
	id, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || digits[0] == '+' {
		return 'x'
	}
	name := strconv.FormatUint(id, 10)
	var paths []string
	switch cmd[:5] {
	case "foop/":
		paths = []string{filepath.Join(queue, "intd", name), filepath.Join(queue, "mess", strconv.FormatUint(id%split, 10), name)}
	case "todo/":
		paths = []string{filepath.Join(queue, "intd", name), filepath.Join(queue, "todo", name)}
	default:
		return 'x'
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return '!'
		}
	}
	return '+'
}

// sweepPid removes temporary files of qmail-queues that died long ago.
func sweepPid(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	now := time.Now().Unix()
	for _, e := range entries {
		var st unix.Stat_t
		path := filepath.Join(dir, e.Name())
		if unix.Stat(path, &st) == nil && st.Atim.Sec+ossified <= now {
			os.Remove(path)
		}
	}
}
