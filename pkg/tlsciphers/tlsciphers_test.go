package tlsciphers

import (
	"crypto/tls"
	"slices"
	"testing"
)

const (
	ecdsa128cbc = tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
	ecdsa256cbc = tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
	rsa128cbc   = tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
	rsa256cbc   = tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
	ecdsa128gcm = tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	ecdsa256gcm = tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	rsa128gcm   = tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	rsa256gcm   = tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
	rsaChacha   = tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	ecdsaChacha = tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
)

var (
	every   = []uint16{ecdsa128cbc, ecdsa256cbc, rsa128cbc, rsa256cbc, ecdsa128gcm, ecdsa256gcm, rsa128gcm, rsa256gcm, rsaChacha, ecdsaChacha}
	noCBC   = []uint16{ecdsa128gcm, ecdsa256gcm, rsa128gcm, rsa256gcm, rsaChacha, ecdsaChacha}
	onlyGCM = []uint16{ecdsa128gcm, ecdsa256gcm, rsa128gcm, rsa256gcm}
)

// TestParse: cipher lists as qmail sites write them, and the set of Go's
// suites each leaves.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		list string
		want []uint16
	}{
		{"", nil},
		{"DEFAULT", every},
		{"HIGH:!aNULL:!MD5", every},
		{"MEDIUM:HIGH:!SSLv2:!MD5:!RC4:!3DES", every},
		{"ALL:!ADH:!LOW:!SSLv2:!SSLv3:!EXP:+HIGH:+MEDIUM", every},
		{"HIGH:MEDIUM:!MD5:!RC4:!3DES:!LOW:!SSLv2:!SSLv3", every},
		{"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256", []uint16{rsa128gcm, rsa256gcm}},
		{"ECDHE+AESGCM", onlyGCM},
		{"kEECDH+aRSA+AES256", []uint16{rsa256cbc, rsa256gcm}},
		{"HIGH:!SHA1", noCBC},
		{"HIGH:!TLSv1", noCBC},
		{"TLSv1.2", noCBC},
		{"CHACHA20", []uint16{rsaChacha, ecdsaChacha}},
		{"ECDSA+AES128", []uint16{ecdsa128cbc, ecdsa128gcm}},
		// '!' removes for good, '-' until named again
		{"!AES128:HIGH:ECDHE-RSA-AES128-GCM-SHA256", []uint16{ecdsa256cbc, rsa256cbc, ecdsa256gcm, rsa256gcm, rsaChacha, ecdsaChacha}},
		{"HIGH:-AES128:ECDHE-RSA-AES128-GCM-SHA256", []uint16{ecdsa256cbc, rsa256cbc, ecdsa256gcm, rsa128gcm, rsa256gcm, rsaChacha, ecdsaChacha}},
		// ',' and ' ' separate too; @STRENGTH and '+' moves change no set
		{"HIGH,!SHA1 @STRENGTH +AESGCM", noCBC},
		// suites Go does not count as secure never come back
		{"RC4-SHA:DES-CBC3-SHA:AES128-SHA:AES256-GCM-SHA384", nil},
		{"kRSA:RSA:DHE:aNULL:eNULL:EXP:LOW:MEDIUM", nil},
		// OpenSSL's words are case-sensitive; unknown ones match nothing
		{"high:Frobnicate", nil},
		{"!HIGH", nil},
	} {
		got := Parse(c.list)
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Parse(%q) = %v, want %v", c.list, names(got), names(want))
		}
	}
}

// TestSuitesAreGos: the table holds exactly the TLS 1.2 suites that
// crypto/tls counts as secure, so a Go release that changes them shows
// up here.
func TestSuitesAreGos(t *testing.T) {
	var gos []uint16
	for _, s := range tls.CipherSuites() {
		if slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			gos = append(gos, s.ID)
		}
	}
	var ours []uint16
	for _, s := range suites {
		ours = append(ours, s.id)
	}
	slices.Sort(gos)
	slices.Sort(ours)
	if !slices.Equal(gos, ours) {
		t.Errorf("crypto/tls's secure TLS 1.2 suites %v, the table's %v", names(gos), names(ours))
	}
}

func names(ids []uint16) []string {
	var out []string
	for _, id := range ids {
		out = append(out, tls.CipherSuiteName(id))
	}
	return out
}

func FuzzParse(f *testing.F) {
	f.Add("HIGH:!aNULL:!MD5")
	f.Add("kEECDH+aRSA+AES256:-SHA1:!TLSv1")
	f.Fuzz(func(t *testing.T, list string) {
		got := Parse(list)
		if len(got) > len(suites) {
			t.Fatalf("%d suites from %q", len(got), list)
		}
		for _, id := range got {
			if !slices.ContainsFunc(suites, func(s suite) bool { return s.id == id }) {
				t.Fatalf("unknown suite %#x from %q", id, list)
			}
		}
	})
}
