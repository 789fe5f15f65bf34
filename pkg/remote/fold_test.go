package remote

import (
	"strings"
	"testing"
)

func TestFoldOutput(t *testing.T) {
	tests := []struct{ in, want string }{
		{"r\x00K192.0.2.7 accepted message.\nRemote host said: 250 ok\n\x00",
			"K192.0.2.7 accepted message.\nRemote host said: 250 ok\n"},
		{"h192.0.2.7 does not like recipient.\nRemote host said: 550 no\n\x00DGiving up on 192.0.2.7.\n\x00",
			"D192.0.2.7 does not like recipient.\nRemote host said: 550 no\nGiving up on 192.0.2.7.\n"},
		{"s192.0.2.7 does not like recipient.\nRemote host said: 451 later\n\x00DGiving up on 192.0.2.7.\n\x00",
			"Z192.0.2.7 does not like recipient.\nRemote host said: 451 later\nGiving up on 192.0.2.7.\n"},
		{"ZSorry, I couldn't find any host by that name. (#4.1.2)\n\x00",
			"ZSorry, I couldn't find any host by that name. (#4.1.2)\n"},
		{"DSorry, I couldn't find any host named x. (#5.1.2)\n\x00",
			"DSorry, I couldn't find any host named x. (#5.1.2)\n"},
		// Accepted recipient, then a temporary failure: Z with both texts.
		{"r\x00Z192.0.2.7 failed after I sent the message.\n\x00", "Z192.0.2.7 failed after I sent the message.\n"},
		// Permanent recipient refusal but the message report says K
		// (another recipient got it): D, and K's text is not added.
		{"h1.2.3.4 does not like recipient.\n\x00K1.2.3.4 accepted message.\n\x00", "D1.2.3.4 does not like recipient.\n"},
		{"", "Zqmail-remote produced no output.\n"},
		{"no nul at all", "D"},
		{"r\x00", "D"},
		{"K\x00", "K"},
	}
	for _, tt := range tests {
		if got := FoldOutput([]byte(tt.in)); got != tt.want {
			t.Errorf("FoldOutput(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func FuzzFoldOutput(f *testing.F) {
	f.Add([]byte("r\x00K1.2.3.4 accepted message.\n\x00"))
	f.Add([]byte("h\x00D\x00"))
	f.Add([]byte("\x00\x00"))
	f.Fuzz(func(t *testing.T, out []byte) {
		report := FoldOutput(out)
		if report == "" || strings.IndexByte("KZD", report[0]) < 0 || strings.IndexByte(report, 0) >= 0 {
			t.Fatalf("FoldOutput(%q) = %q: not a report", out, report)
		}
	})
}
