package tcpclient

import (
	"reflect"
	"testing"
	"time"
)

func TestParseConnTimeout(t *testing.T) {
	s := time.Second
	for in, want := range map[string][2]time.Duration{
		"2+58": {2 * s, 58 * s},
		"5":    {5 * s, 0},
		"+7":   {0, 7 * s},
		"3x9":  {3 * s, 0},
		"1+":   {s, 0},
		"":     {0, 0},
		"10+2": {10 * s, 2 * s},
	} {
		if got := ParseConnTimeout(in); got != want {
			t.Errorf("ParseConnTimeout(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParsePort(t *testing.T) {
	for in, want := range map[string]int{"25": 25, "": 0, "65537": 1, "smtp": 25} {
		if got, err := ParsePort(in); err != nil || got != want {
			t.Errorf("ParsePort(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"25x", "no-such-service"} {
		if _, err := ParsePort(in); err == nil || err.Error() != "unable to figure out port number for "+in {
			t.Errorf("ParsePort(%q): %v", in, err)
		}
	}
}

func TestApply(t *testing.T) {
	base := []string{"PATH=/bin", "TCPREMOTEHOST=stale", "TCPREMOTEINFO=old", "HOME=/"}
	vars := []Var{
		{Name: "PROTO", Value: "TCP"},
		{Name: "TCPREMOTEHOST", Value: "new"},
		{Name: "TCPREMOTEINFO", Unset: true},
	}
	want := []string{"PATH=/bin", "HOME=/", "PROTO=TCP", "TCPREMOTEHOST=new"}
	if got := Apply(base, vars); !reflect.DeepEqual(got, want) {
		t.Errorf("Apply = %q, want %q", got, want)
	}
}

func FuzzParseConnTimeout(f *testing.F) {
	f.Add("2+58")
	f.Add("99999999999999999999999+1")
	f.Fuzz(func(t *testing.T, s string) {
		got := ParseConnTimeout(s)
		if got[0] < 0 || got[1] < 0 {
			t.Fatalf("negative limit from %q: %v", s, got)
		}
	})
}
