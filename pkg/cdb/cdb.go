// Package cdb reads and writes D. J. Bernstein's constant database format.
//
// It owns the file format only: the 2048-byte header of 256 table pointers,
// the records in insertion order, and the 256 open-addressing hash tables laid
// out exactly as cdbmake lays them out, so that a file written here is
// byte-identical to one written by cdbmake, tinycdb's "cdb -c" or tcprules for
// the same records in the same order. tcprules, qmail-newu and qmail-newmrh
// write with it; tcpserver, qmail-lspawn and qmail-smtpd read with it.
//
// Every offset and length read from a file is treated as untrusted: a
// truncated or corrupt database gives ErrFormat, never a panic or a read
// outside the file.
package cdb

import "errors"

const (
	headerSize = 2048
	tableCount = 256
	// maxSize is the largest database whose offsets fit in 32 bits.
	maxSize = 1<<32 - 1
)

// ErrFormat reports a database that is truncated or internally inconsistent.
// Its text is the one the C tools print for the same condition (EPROTO).
var ErrFormat = errors.New("protocol error")

// ErrTooBig reports a database that would pass the format's 4 GiB limit.
var ErrTooBig = errors.New("cdb: database would exceed 4 GiB limit")

// Hash is the cdb hash function: h = 5381, then h = (h*33) ^ c for each byte.
func Hash(key []byte) uint32 {
	h := uint32(5381)
	for _, c := range key {
		h = (h<<5 + h) ^ uint32(c)
	}
	return h
}
