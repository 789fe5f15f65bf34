package visible

import "testing"

func TestString(t *testing.T) {
	for _, tt := range []struct {
		in          string
		first, with byte
		want        string
	}{
		{"a b~\x7f\x00\r\n\xff", ' ', '?', "a b~?????"},
		{"a b~\x7f", '!', '_', "a_b~_"},
		{"", ' ', '?', ""},
	} {
		if got := String(tt.in, tt.first, tt.with); got != tt.want {
			t.Errorf("String(%q, %q, %q) = %q, want %q", tt.in, tt.first, tt.with, got, tt.want)
		}
	}
}
