package remote

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		in   string
		code uint64
		text string
		err  bool
	}{
		{"250 ok\r\n", 250, "250 ok\n", false},
		{"250-a\r\n250-b\r\n250 c\r\n", 250, "250-a\n250-b\n250 c\n", false},
		{"220\r\n", 220, "220\n", false},
		{"451 4.7.1 later\n", 451, "451 4.7.1 later\n", false},
		// qmail takes only the first line's code; later codes are skipped.
		{"250-a\r\n550 b\r\n", 250, "250-a\n550 b\n", false},
		// A non-digit makes C's unsigned arithmetic wrap: a huge code.
		{"xyz hello\r\n", uint64(int64('x'-'0'))*100 + uint64(int64('y'-'0'))*10 + uint64(int64('z'-'0')), "xyz hello\n", false},
		{" 50 oops\r\n", 0, "", false}, // checked specially below
		{"250 no end", 0, "", true},
		{"25", 0, "", true},
		{"250-cut\r\n", 0, "", true},
		{"", 0, "", true},
		{"250 a\x00b\r\n", 250, "250 a\x00b\n", false},
	}
	for _, tt := range tests {
		r, err := ReadReply(bufio.NewReader(strings.NewReader(tt.in)))
		if (err != nil) != tt.err {
			t.Errorf("ReadReply(%q) error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if tt.err {
			continue
		}
		if strings.HasPrefix(tt.in, " ") {
			// ' ' - '0' is negative: as an unsigned long it is huge, so the
			// reply counts as a permanent failure, as in qmail.
			if r.Code < 500 {
				t.Errorf("ReadReply(%q) code %d, want a huge code", tt.in, r.Code)
			}
			continue
		}
		if r.Code != tt.code || r.Text != tt.text {
			t.Errorf("ReadReply(%q) = %d %q, want %d %q", tt.in, r.Code, r.Text, tt.code, tt.text)
		}
	}
}

func TestReplyTextLimit(t *testing.T) {
	long := "250-" + strings.Repeat("x", 6000) + "\r\n250 end\r\nNEXT"
	br := bufio.NewReader(strings.NewReader(long))
	r, err := ReadReply(br)
	if err != nil || r.Code != 250 || len(r.Text) != MaxReplyText {
		t.Fatalf("code %d, %d bytes of text, %v; want 250, %d", r.Code, len(r.Text), err, MaxReplyText)
	}
	if rest, _ := br.ReadString(0); rest != "NEXT" {
		t.Errorf("reply not read to its end: %q left", rest)
	}
}

func TestEHLOKeywords(t *testing.T) {
	r := Reply{Code: 250, Text: "250-mx.test STARTTLS\n250-SIZE 1000\n250 starttls\n"}
	if !r.Has("STARTTLS") || !r.Has("size") || r.Has("AUTH") {
		t.Errorf("Has: %v %v %v", r.Has("STARTTLS"), r.Has("size"), r.Has("AUTH"))
	}
	if (Reply{Code: 250, Text: "250 mx.test STARTTLS\n"}).Has("STARTTLS") {
		t.Error("the first line names the server, not an extension")
	}
}

func TestRoutes(t *testing.T) {
	routes := ParseRoutes([]string{
		"inside.af.mil:firewall.af.mil:26",
		".af.mil:",
		"Upper.Test:relay.test",
		"upper.test:second.test",
		"ip.test:[192.0.2.1]",
		"bare.test:192.0.2.2:2525",
		"six.test:[2001:db8::1]:587",
		"port.test::2526",
		"nocolon",
		":heaven.af.mil",
	})
	tests := []struct {
		host string
		want Route
	}{
		{"inside.af.mil", Route{Relay: "firewall.af.mil", Port: 26, Found: true}},
		{"INSIDE.AF.MIL", Route{Relay: "firewall.af.mil", Port: 26, Found: true}},
		{"x.af.mil", Route{}},
		{"af.mil", Route{Relay: "heaven.af.mil", Found: true}},
		{"upper.test", Route{Relay: "relay.test", Found: true}},
		{"ip.test", Route{Relay: "[192.0.2.1]", Found: true}},
		{"bare.test", Route{Relay: "192.0.2.2", Port: 2525, Found: true}},
		{"six.test", Route{Relay: "[2001:db8::1]", Port: 587, Found: true}},
		{"port.test", Route{Port: 2526}},
		{"elsewhere.example", Route{Relay: "heaven.af.mil", Found: true}},
		{"nocolon", Route{Relay: "heaven.af.mil", Found: true}},
	}
	for _, tt := range tests {
		if got := routes.Lookup(tt.host); got != tt.want {
			t.Errorf("Lookup(%q) = %+v, want %+v", tt.host, got, tt.want)
		}
	}
	if got := ParseRoutes(nil).Lookup("any.test"); got != (Route{}) {
		t.Errorf("no smtproutes: %+v", got)
	}
}

func TestLiteral(t *testing.T) {
	for in, ok := range map[string]bool{
		"192.0.2.1": true, "[192.0.2.1]": true, "[::1]": true, "[IPv6:2001:db8::1]": true,
		"::1": true, "host.test": false, "[host]": false, "[fe80::1%eth0]": false, "": false,
	} {
		if _, got := literal(in); got != ok {
			t.Errorf("literal(%q) = %v, want %v", in, got, ok)
		}
	}
}

func FuzzReadReply(f *testing.F) {
	for _, seed := range []string{"250 ok\r\n", "250-a\r\n250 b\r\n", "xyz\n", "2", "250-\n", "\r\n\r\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ReadReply(bufio.NewReader(strings.NewReader(in)))
		if err != nil {
			return
		}
		if len(r.Text) > MaxReplyText || strings.Contains(r.Text, "\r") {
			t.Fatalf("text %q breaks the limits", r.Text)
		}
		if len(r.Text) < MaxReplyText && !strings.HasSuffix(r.Text, "\n") {
			t.Fatalf("a complete reply's text must end in LF: %q", r.Text)
		}
		r.Lines()
		r.Has("STARTTLS")
	})
}

func FuzzRoutes(f *testing.F) {
	f.Add("a.test:relay:25\n.test:\n:default", "x.a.test")
	f.Add("[::1]:[::1]:1", "[::1]")
	f.Add("a.test:relay:587 -user pass word", "a.test")
	f.Fuzz(func(t *testing.T, file, host string) {
		route := ParseRoutes(strings.Split(file, "\n")).Lookup(host)
		if route.Port < 0 || route.Port > 65535 {
			t.Fatalf("port %d out of range", route.Port)
		}
		if route.Found != (route.Relay != "") {
			t.Fatalf("Found %v with relay %q", route.Found, route.Relay)
		}
		if strings.Contains(route.Relay, " ") || strings.Contains(route.Login.User, " ") ||
			route.Login.User == "" && route.Login != (Login{}) {
			t.Fatalf("route %+v", route)
		}
	})
}
