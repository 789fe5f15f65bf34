// Package qinfo reads the queue for the administrator's tools without
// changing it: qmail-qread's listing and qmail-qstat's counts.
package qinfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/visible"
)

const split = 23

// Stat counts the messages in the queue and those not yet preprocessed,
// as qmail-qstat does.
func Stat(queue string) (inQueue, todo int, err error) {
	for s := 0; s < split; s++ {
		entries, err := os.ReadDir(filepath.Join(queue, "mess", strconv.Itoa(s)))
		if err != nil {
			return 0, 0, err
		}
		inQueue += len(entries)
	}
	entries, err := os.ReadDir(filepath.Join(queue, "todo"))
	if err != nil {
		return 0, 0, err
	}
	return inQueue, len(entries), nil
}

// Read writes qmail-qread's listing of the preprocessed messages to w:
// one header line per message, then its local and remote recipients.
// Problems with one message are reported in the listing and skipped.
func Read(queue string, w io.Writer) error {
	out := bufio.NewWriter(w)
	defer out.Flush()
	for s := 0; s < split; s++ {
		dir := filepath.Join(queue, "info", strconv.Itoa(s))
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("unable to opendir %s: %w", dir, err)
		}
		for _, e := range entries {
			id, err := strconv.ParseUint(e.Name(), 10, 64)
			if err != nil || !allDigits(e.Name()) {
				continue
			}
			if err := listMessage(queue, id, out); err != nil {
				fmt.Fprintf(out, "warning: trouble with #%d: %s\n", id, djberr.Text(err))
			}
		}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func listMessage(queue string, id uint64, out *bufio.Writer) error {
	name := strconv.FormatUint(id, 10)
	sub := strconv.FormatUint(id%split, 10)
	mess, err := os.Stat(filepath.Join(queue, "mess", sub, name))
	if err != nil {
		return err
	}
	infoPath := filepath.Join(queue, "info", sub, name)
	info, err := os.ReadFile(infoPath)
	if err != nil {
		return err
	}
	infoSt, err := os.Stat(infoPath)
	if err != nil {
		return err
	}
	sender := ""
	if rec, _, _ := bytes.Cut(info, []byte{0}); len(rec) > 0 && rec[0] == 'F' {
		sender = string(rec[1:])
	}
	line := qreadDate(infoSt.ModTime()) + "  #" + name + "  " + strconv.FormatInt(mess.Size(), 10) + "  <" + sender + "> "
	if _, err := os.Stat(filepath.Join(queue, "bounce", name)); err == nil {
		line += " bouncing"
	}
	var recips []string
	for _, channel := range []string{"local", "remote"} {
		data, err := os.ReadFile(filepath.Join(queue, channel, sub, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, rec := range bytes.Split(data, []byte{0}) {
			if len(rec) == 0 {
				continue
			}
			prefix := ""
			if rec[0] == 'D' {
				prefix = "  done"
			}
			recips = append(recips, prefix+"\t"+channel+"\t"+visible.String(string(rec[1:]), ' ', '_'))
		}
	}
	out.WriteString(visible.String(line, ' ', '_') + "\n")
	for _, r := range recips {
		out.WriteString(r + "\n")
	}
	return nil
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// qreadDate is qmail's date with GMT for -0000: "25 Nov 2026 01:34:23 GMT".
func qreadDate(t time.Time) string {
	t = t.UTC()
	return strconv.Itoa(t.Day()) + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year()) + " " + t.Format("15:04:05") + " GMT"
}
