package cdb

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// slot is one record's entry in the hash tables: its hash and file position.
type slot struct {
	hash uint32
	pos  uint32
}

// Writer streams records into a new database. Records go to disk as they are
// added; only 8 bytes per record are kept in memory for the hash tables.
// Call Finish (or Commit, for a Writer made by Create) to write the tables.
type Writer struct {
	dst    io.WriteSeeker
	buf    *bufio.Writer
	pos    uint64
	slots  []slot
	counts [tableCount]uint32
	head   [8]byte // a record's lengths; a field so that Add does not allocate
	err    error
}

// NewWriter starts a database on dst, which must be positioned at its start.
// The header is written last, with a seek back to offset 0.
func NewWriter(dst io.WriteSeeker) (*Writer, error) {
	w := &Writer{dst: dst, buf: bufio.NewWriterSize(dst, 64<<10), pos: headerSize}
	if _, err := w.buf.Write(make([]byte, headerSize)); err != nil {
		return nil, err
	}
	return w, nil
}

// Add appends one record. Duplicate keys are allowed; readers find them in
// the order they were added.
func (w *Writer) Add(key, data []byte) error {
	if w.err != nil {
		return w.err
	}
	size := 8 + uint64(len(key)) + uint64(len(data))
	if w.pos+size > maxSize {
		w.err = ErrTooBig
		return w.err
	}
	binary.LittleEndian.PutUint32(w.head[0:], uint32(len(key)))
	binary.LittleEndian.PutUint32(w.head[4:], uint32(len(data)))
	w.buf.Write(w.head[:])
	w.buf.Write(key)
	if _, err := w.buf.Write(data); err != nil {
		w.err = err
		return err
	}
	h := Hash(key)
	w.slots = append(w.slots, slot{hash: h, pos: uint32(w.pos)})
	w.counts[h&0xff]++
	w.pos += size
	return nil
}

// Grow makes room for n more records without reallocating, for callers
// that know roughly how many they will add.
func (w *Writer) Grow(n int) {
	w.slots = append(make([]slot, 0, len(w.slots)+n), w.slots...)
}

// Finish writes the hash tables and the header and flushes everything to dst.
func (w *Writer) Finish() error {
	if w.err != nil {
		return w.err
	}
	header, err := w.writeTables()
	if err != nil {
		w.err = err
		return err
	}
	if err := w.buf.Flush(); err != nil {
		w.err = err
		return err
	}
	if _, err := w.dst.Seek(0, io.SeekStart); err != nil {
		w.err = err
		return err
	}
	_, err = w.dst.Write(header)
	w.err = err
	return err
}

// writeTables lays out the 256 tables after the records, as cdbmake does:
// table i has twice as many slots as it has records, filled in input order
// by linear probing from (hash>>8) mod slots. It returns the header.
func (w *Writer) writeTables() ([]byte, error) {
	// Group slot indexes by table, keeping input order within each table.
	start := make([]uint32, tableCount+1)
	for i := 0; i < tableCount; i++ {
		start[i+1] = start[i] + w.counts[i]
	}
	ordered := make([]slot, len(w.slots))
	next := append([]uint32(nil), start[:tableCount]...)
	for _, s := range w.slots {
		t := s.hash & 0xff
		ordered[next[t]] = s
		next[t]++
	}

	var tablesSize uint64
	for _, n := range w.counts {
		tablesSize += 2 * uint64(n) * 8
	}
	if w.pos+tablesSize > maxSize {
		return nil, ErrTooBig
	}

	header := make([]byte, headerSize)
	var table []slot
	var cell [8]byte
	for i := 0; i < tableCount; i++ {
		n := 2 * w.counts[i]
		binary.LittleEndian.PutUint32(header[i*8:], uint32(w.pos))
		binary.LittleEndian.PutUint32(header[i*8+4:], n)
		if n == 0 {
			continue
		}
		table = append(table[:0], make([]slot, n)...)
		for _, s := range ordered[start[i]:start[i+1]] {
			j := (s.hash >> 8) % n
			for table[j].pos != 0 {
				j++
				if j == n {
					j = 0
				}
			}
			table[j] = s
		}
		for _, s := range table {
			binary.LittleEndian.PutUint32(cell[0:], s.hash)
			binary.LittleEndian.PutUint32(cell[4:], s.pos)
			if _, err := w.buf.Write(cell[:]); err != nil {
				return nil, err
			}
		}
		w.pos += uint64(n) * 8
	}
	return header, nil
}

// FileWriter is a Writer on a temporary file that becomes the database only
// when committed: the file is fsynced and then renamed over the target, so
// readers see either the old database or the complete new one.
type FileWriter struct {
	*Writer
	file *os.File
	tmp  string
}

// Create starts a database in the temporary file tmp, which is created or
// truncated with mode 0644.
func Create(tmp string) (*FileWriter, error) {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	w, err := NewWriter(f)
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return &FileWriter{Writer: w, file: f, tmp: tmp}, nil
}

// Commit finishes the database, fsyncs it and renames it to path. The error
// for a failed rename names both files as the C tools do ("unable to move").
func (fw *FileWriter) Commit(path string) error {
	if err := fw.Finish(); err != nil {
		fw.Abort()
		return err
	}
	if err := fw.file.Sync(); err != nil {
		fw.Abort()
		return err
	}
	if err := fw.file.Close(); err != nil {
		os.Remove(fw.tmp)
		return err
	}
	if err := os.Rename(fw.tmp, path); err != nil {
		os.Remove(fw.tmp)
		return &MoveError{From: fw.tmp, To: path, Err: err}
	}
	return nil
}

// Abort closes and removes the temporary file, leaving any old database alone.
func (fw *FileWriter) Abort() {
	fw.file.Close()
	os.Remove(fw.tmp)
}

// MoveError is a failed rename of the finished temporary file.
type MoveError struct {
	From, To string
	Err      error
}

func (e *MoveError) Error() string {
	return fmt.Sprintf("unable to move %s to %s: %v", e.From, e.To, e.Err)
}

func (e *MoveError) Unwrap() error { return e.Err }

// Reset throws away every record added so far and starts the database
// again in the same temporary file.
func (fw *FileWriter) Reset() error {
	if err := fw.file.Truncate(0); err != nil {
		return err
	}
	if _, err := fw.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w, err := NewWriter(fw.file)
	if err != nil {
		return err
	}
	fw.Writer = w
	return nil
}
