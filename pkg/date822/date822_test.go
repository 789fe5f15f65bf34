package date822

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	saved := time.Local
	defer func() { time.Local = saved }()
	at := time.Date(2026, 11, 5, 1, 33, 2, 0, time.UTC)
	if got, want := UTC(at), "5 Nov 2026 01:33:02 -0000"; got != want {
		t.Errorf("UTC = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		offset int
		want   string
	}{
		{3600, "5 Nov 2026 02:33:02 +0100"},
		{-(5*3600 + 30*60), "4 Nov 2026 20:03:02 -0530"},
		{0, "5 Nov 2026 01:33:02 +0000"},
	} {
		time.Local = time.FixedZone("Z", tt.offset)
		if got := Format(at, true); got != tt.want {
			t.Errorf("offset %d: %q, want %q", tt.offset, got, tt.want)
		}
	}
}
