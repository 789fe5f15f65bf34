package djberr

import (
	"errors"
	"io/fs"
	"syscall"
	"testing"
)

func TestTemporary(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{syscall.EAGAIN, true},
		{syscall.ENOSPC, true},
		{&fs.PathError{Op: "open", Path: "x", Err: syscall.EIO}, true},
		{syscall.ENOENT, false},
		{syscall.EACCES, false},
		{errors.New("no errno"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := Temporary(tt.err); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.err, got, tt.want)
		}
	}
}
