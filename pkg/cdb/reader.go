package cdb

import (
	"bytes"
	"encoding/binary"
	"io"
	"iter"
	"os"
)

// Reader looks records up in a database. It reads with ReadAt, so one Reader
// may serve many goroutines, and a database is never loaded whole.
type Reader struct {
	src  io.ReaderAt
	size int64
	file *os.File
}

// Open opens the database at path. A file too short for the header is ErrFormat.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads a database of the given size from src.
func NewReader(src io.ReaderAt, size int64) (*Reader, error) {
	if size < headerSize {
		return nil, ErrFormat
	}
	return &Reader{src: src, size: size}, nil
}

// Close releases the file opened by Open.
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	return r.file.Close()
}

// readAt fills p from offset off, or fails with ErrFormat if that would
// reach past the end of the database.
func (r *Reader) readAt(p []byte, off uint64) error {
	if off > uint64(r.size) || uint64(len(p)) > uint64(r.size)-off {
		return ErrFormat
	}
	n, err := r.src.ReadAt(p, int64(off))
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		return ErrFormat
	}
	return err
}

// pair reads two little-endian 32-bit numbers at off.
func (r *Reader) pair(off uint64) (uint32, uint32, error) {
	var b [8]byte
	if err := r.readAt(b[:], off); err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint32(b[4:]), nil
}

// Get returns the data of the first record with key. found is false when
// there is none; a found record may have empty data.
func (r *Reader) Get(key []byte) (data []byte, found bool, err error) {
	for v, err := range r.Values(key) {
		return v, err == nil, err
	}
	return nil, false, nil
}

// Values yields the data of every record with key, in the order the records
// were added. A read error is yielded once, with nil data, and ends the walk.
func (r *Reader) Values(key []byte) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		h := Hash(key)
		tablePos, slots, err := r.pair(uint64(h&0xff) * 8)
		if err != nil {
			yield(nil, err)
			return
		}
		if slots == 0 {
			return
		}
		start := (h >> 8) % slots
		for probe := uint32(0); probe < slots; probe++ {
			at := uint64(tablePos) + uint64((start+probe)%slots)*8
			slotHash, recPos, err := r.pair(at)
			if err != nil {
				yield(nil, err)
				return
			}
			if recPos == 0 {
				return
			}
			if slotHash != h {
				continue
			}
			data, match, err := r.record(uint64(recPos), key)
			if err != nil {
				yield(nil, err)
				return
			}
			if match && !yield(data, nil) {
				return
			}
		}
	}
}

// record reads the record at pos and returns its data if its key is key.
func (r *Reader) record(pos uint64, key []byte) ([]byte, bool, error) {
	klen, dlen, err := r.pair(pos)
	if err != nil {
		return nil, false, err
	}
	if int(klen) != len(key) {
		return nil, false, nil
	}
	buf := make([]byte, uint64(klen))
	if err := r.readAt(buf, pos+8); err != nil {
		return nil, false, err
	}
	if !bytes.Equal(buf, key) {
		return nil, false, nil
	}
	data, err := r.bytes(pos+8+uint64(klen), dlen)
	return data, err == nil, err
}

// bytes reads n bytes at off, refusing lengths the file cannot hold before
// allocating anything.
func (r *Reader) bytes(off uint64, n uint32) ([]byte, error) {
	if off > uint64(r.size) || uint64(n) > uint64(r.size)-off {
		return nil, ErrFormat
	}
	buf := make([]byte, n)
	return buf, r.readAt(buf, off)
}

// Record is one key and its data.
type Record struct {
	Key, Data []byte
}

// All yields every record in file order, as cdbdump prints them. The records
// end where the first hash table begins (the smallest table position).
func (r *Reader) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		end, err := r.recordsEnd()
		if err != nil {
			yield(Record{}, err)
			return
		}
		for pos := uint64(headerSize); pos < end; {
			klen, dlen, err := r.pair(pos)
			if err != nil {
				yield(Record{}, err)
				return
			}
			key, err := r.bytes(pos+8, klen)
			if err != nil {
				yield(Record{}, err)
				return
			}
			data, err := r.bytes(pos+8+uint64(klen), dlen)
			if err != nil {
				yield(Record{}, err)
				return
			}
			pos += 8 + uint64(klen) + uint64(dlen)
			if pos > end {
				yield(Record{}, ErrFormat)
				return
			}
			if !yield(Record{Key: key, Data: data}, nil) {
				return
			}
		}
	}
}

// recordsEnd is the position of table 0, where cdbdump stops reading records.
func (r *Reader) recordsEnd() (uint64, error) {
	end, _, err := r.pair(0)
	if err != nil {
		return 0, err
	}
	if uint64(end) < headerSize || uint64(end) > uint64(r.size) {
		return 0, ErrFormat
	}
	return uint64(end), nil
}
