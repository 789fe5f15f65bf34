package send

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// Split is conf-split: split directories have 23 subdirectories.
const Split = 23

// Queue is the queue directory (normally QMAILHOME/queue).
type Queue struct{ Dir string }

// split is a split directory's file for id: dir/<id mod 23>/<id>.
func (q Queue) split(dir string, id uint64) string {
	return filepath.Join(q.Dir, dir, strconv.FormatUint(id%Split, 10), strconv.FormatUint(id, 10))
}

// flat is a flat directory's file for id: dir/<id>.
func (q Queue) flat(dir string, id uint64) string {
	return filepath.Join(q.Dir, dir, strconv.FormatUint(id, 10))
}

func (q Queue) mess(id uint64) string   { return q.split("mess", id) }
func (q Queue) info(id uint64) string   { return q.split("info", id) }
func (q Queue) todo(id uint64) string   { return q.flat("todo", id) }
func (q Queue) bounce(id uint64) string { return q.flat("bounce", id) }

func (q Queue) channelFile(c Channel, id uint64) string {
	return q.split(c.String(), id)
}

// messID is the path the spawners open, relative to queue/mess.
func messID(id uint64) string {
	return strconv.FormatUint(id%Split, 10) + "/" + strconv.FormatUint(id, 10)
}

// ids lists the numeric names in dir (readsubdir's rule: others are
// ignored), in order.
func ids(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var list []uint64
	for _, e := range entries {
		if id, ok := numericName(e.Name()); ok {
			list = append(list, id)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	return list, nil
}

// splitIDs lists the ids in a split directory, subdirectory 0 to 22.
func (q Queue) splitIDs(dir string) ([]uint64, error) {
	var all []uint64
	for s := 0; s < Split; s++ {
		list, err := ids(filepath.Join(q.Dir, dir, strconv.Itoa(s)))
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
	}
	return all, nil
}

func numericName(name string) (uint64, bool) {
	if name == "" {
		return 0, false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseUint(name, 10, 64)
	return id, err == nil
}

// records splits NUL-terminated records; a final unterminated one counts.
func records(data []byte) [][]byte {
	var list [][]byte
	for len(data) > 0 {
		end := bytes.IndexByte(data, 0)
		if end < 0 {
			list = append(list, data)
			break
		}
		list = append(list, data[:end])
		data = data[end+1:]
	}
	return list
}
