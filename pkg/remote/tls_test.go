package remote

import (
	"crypto/tls"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/smtptest"
	"github.com/quail-mta/quail/internal/testcert"
)

func TestSTARTTLS(t *testing.T) {
	cert, certPEM := testcert.Server(t, "mx.tls.test")
	_, otherPEM := testcert.Server(t, "mx.tls.test")
	tests := []struct {
		name    string
		files   map[string]string
		offer   bool
		wantTLS bool
		want    string // report prefix
	}{
		{"opportunistic", nil, true, true, "r\x00K127.0.0.1 accepted message."},
		{"not offered", nil, false, false, "r\x00K127.0.0.1 accepted message."},
		{"notlshosts", map[string]string{"notlshosts/mx.tls.test": ""}, true, false, "r\x00K127.0.0.1 accepted message."},
		{"exhaustivelist", map[string]string{"tlshosts/exhaustivelist": ""}, true, false, "r\x00K127.0.0.1 accepted message."},
		{"verified", map[string]string{"tlshosts/mx.tls.test.pem": certPEM}, true, true, "r\x00K127.0.0.1 accepted message."},
		{"wrong CA", map[string]string{"tlshosts/mx.tls.test.pem": otherPEM}, true, false,
			"ZTLS unable to verify server with control/tlshosts/mx.tls.test.pem: self-signed certificate; connected to 127.0.0.1.\n"},
		{"required, not offered", map[string]string{"tlshosts/mx.tls.test.pem": certPEM}, false, false,
			"ZNo TLS achieved while control/tlshosts/mx.tls.test.pem exists; connected to 127.0.0.1.\n\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &smtptest.Server{}
			if tt.offer {
				s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			}
			smtptest.Start(t, "tcp", "127.0.0.1:0", s)
			got := deliverVia(t, s, tt.files)
			if !strings.HasPrefix(got, tt.want) {
				t.Fatalf("report %q, want prefix %q", got, tt.want)
			}
			used := s.UsedTLS()
			if strings.Contains(tt.want, "accepted") && (len(used) != 1 || used[0] != tt.wantTLS) {
				t.Errorf("messages over TLS: %v, want [%v]", used, tt.wantTLS)
			}
		})
	}
}

// TestClientCiphers: control/tlsclientciphers limits the TLS 1.2 suites
// qmail-remote offers. A server that takes none of them fails the
// handshake, and the message goes in plain text, as after any failed
// opportunistic handshake.
func TestClientCiphers(t *testing.T) {
	cert, _ := testcert.Server(t, "mx.tls.test") // ECDSA
	for _, tt := range []struct {
		name, ciphers string
		wantTLS       bool
	}{
		{"none set", "", true},
		{"the server's suite", "ECDHE-ECDSA-AES256-GCM-SHA384\n", true},
		{"lines joined", "HIGH\n!AES128\n!CHACHA20\n", true},
		{"another suite", "ECDHE-ECDSA-CHACHA20-POLY1305\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &smtptest.Server{TLS: &tls.Config{
				Certificates: []tls.Certificate{cert},
				MaxVersion:   tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
			}}
			smtptest.Start(t, "tcp", "127.0.0.1:0", s)
			files := map[string]string{}
			if tt.ciphers != "" {
				files["tlsclientciphers"] = tt.ciphers
			}
			got := deliverVia(t, s, files)
			if !strings.HasPrefix(got, "r\x00K127.0.0.1 accepted message.") {
				t.Fatalf("report %q", got)
			}
			if used := s.UsedTLS(); len(used) != 1 || used[0] != tt.wantTLS {
				t.Errorf("messages over TLS: %v, want [%v]", used, tt.wantTLS)
			}
		})
	}
}

// TestVerifyName: with control/tlshosts/<host>.pem the server's name is
// checked as the TLS patch checks it, a subjectAltName DNS entry or else
// the commonName, exactly or as "*.domain", and refused in its words.
func TestVerifyName(t *testing.T) {
	ca := testcert.NewCA(t, "Server CA")
	refused := "ZTLS unable to verify server mx.tls.test: "
	for _, tt := range []struct {
		name string
		cert tls.Certificate
		want string // report prefix
	}{
		{"subjectAltName", ca.Server(t, "other.test", "mail.tls.test", "mx.tls.test"), "r\x00K127.0.0.1 accepted message."},
		{"wildcard", ca.Server(t, "", "*.tls.test"), "r\x00K127.0.0.1 accepted message."},
		{"commonName after the others", ca.Server(t, "MX.tls.test", "mail.tls.test"), "r\x00K127.0.0.1 accepted message."},
		{"wildcard commonName", ca.Server(t, "*.tls.test"), "r\x00K127.0.0.1 accepted message."},
		{"other name", ca.Server(t, "other.test", "mail.tls.test"), refused + "received certificate for other.test; connected to 127.0.0.1.\n"},
		{"wildcard of another domain", ca.Server(t, "*.other.test"), refused + "received certificate for *.other.test; "},
		{"no name", ca.Server(t, ""), refused + "certificate contains no valid commonName; "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &smtptest.Server{TLS: &tls.Config{Certificates: []tls.Certificate{tt.cert}}}
			smtptest.Start(t, "tcp", "127.0.0.1:0", s)
			got := deliverVia(t, s, map[string]string{"tlshosts/mx.tls.test.pem": string(ca.PEM())})
			if !strings.HasPrefix(got, tt.want) {
				t.Fatalf("report %q, want prefix %q", got, tt.want)
			}
		})
	}
}

// TestTLSHandshakeFailure: a server whose handshake fails (it demands a
// client certificate) still gets the message, in plain text, on a second
// connection, unless TLS is required for it.
func TestTLSHandshakeFailure(t *testing.T) {
	cert, certPEM := testcert.Server(t, "mx.tls.test")
	for _, required := range []bool{false, true} {
		s := &smtptest.Server{TLS: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert}}
		smtptest.Start(t, "tcp", "127.0.0.1:0", s)
		files := map[string]string{}
		if required {
			files["tlshosts/mx.tls.test.pem"] = certPEM
		}
		got := deliverVia(t, s, files)
		if required {
			// TLS 1.2 fails in the handshake, TLS 1.3 at the first read.
			if !strings.HasPrefix(got, "ZTLS connect failed: ") && got != "ZConnected to 127.0.0.1 but connection died. (#4.4.2)\n\x00" {
				t.Errorf("required: report %q", got)
			}
			continue
		}
		if !strings.HasPrefix(got, "r\x00K127.0.0.1 accepted message.") {
			t.Fatalf("opportunistic: report %q", got)
		}
		if used := s.UsedTLS(); len(used) != 1 || used[0] {
			t.Errorf("messages over TLS: %v, want one in plain text", used)
		}
	}
}

// TestSMTPS: on the SMTPS port (465, here the test server's) qmail-remote
// makes the TLS handshake before the greeting, as the TLS patch does,
// with no clear-text fallback; tlshosts still asks for a verified
// certificate, and notlshosts cannot turn TLS off there.
func TestSMTPS(t *testing.T) {
	cert, certPEM := testcert.Server(t, "mx.tls.test")
	_, otherPEM := testcert.Server(t, "mx.tls.test")
	for _, tt := range []struct {
		name     string
		implicit bool // the server speaks TLS first
		files    map[string]string
		want     string // report prefix
	}{
		{"accepted", true, nil, "r\x00K127.0.0.1 accepted message."},
		{"notlshosts", true, map[string]string{"notlshosts/mx.tls.test": ""}, "r\x00K127.0.0.1 accepted message."},
		{"verified", true, map[string]string{"tlshosts/mx.tls.test.pem": certPEM}, "r\x00K127.0.0.1 accepted message."},
		{"wrong CA", true, map[string]string{"tlshosts/mx.tls.test.pem": otherPEM},
			"ZTLS unable to verify server with control/tlshosts/mx.tls.test.pem: self-signed certificate; connected to 127.0.0.1.\n"},
		{"server in clear text", false, nil, "ZTLS connect failed: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &smtptest.Server{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, Implicit: tt.implicit}
			smtptest.Start(t, "tcp", "127.0.0.1:0", s)
			defer func(port int) { smtpsPort = port }(smtpsPort)
			smtpsPort = s.Port
			got := deliverVia(t, s, tt.files)
			if !strings.HasPrefix(got, tt.want) {
				t.Fatalf("report %q, want prefix %q", got, tt.want)
			}
			if used := s.UsedTLS(); strings.Contains(tt.want, "accepted") && (len(used) != 1 || !used[0]) {
				t.Errorf("messages over TLS: %v, want [true]", used)
			}
			if !strings.Contains(tt.want, "accepted") && len(s.Messages()) != 0 {
				t.Errorf("messages %q got through without TLS", s.Messages())
			}
		})
	}
}

// TestSMTPSGreetingRefused: a greeting other than 220 after the SMTPS
// handshake is reported in the TLS patch's words.
func TestSMTPSGreetingRefused(t *testing.T) {
	cert, _ := testcert.Server(t, "mx.tls.test")
	s := &smtptest.Server{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, Implicit: true, Greet: "554 go away"}
	smtptest.Start(t, "tcp", "127.0.0.1:0", s)
	defer func(port int) { smtpsPort = port }(smtpsPort)
	smtpsPort = s.Port
	want := "ZTLS Connected to 127.0.0.1 but greeting failed.\nRemote host said: 554 go away\n"
	if got := deliverVia(t, s, nil); !strings.HasPrefix(got, want) {
		t.Fatalf("report %q, want prefix %q", got, want)
	}
}

// deliverVia delivers one message for example.test through smtproutes to
// the running server s (as mx.tls.test) with the control files extra
// added, and returns qmail-remote's report.
func deliverVia(t *testing.T, s *smtptest.Server, extra map[string]string) string {
	t.Helper()
	_, dns := testDNS(t, "mx.tls.test. A 127.0.0.1")
	files := map[string]string{"me": "me.test", "smtproutes": fmt.Sprintf("example.test:mx.tls.test:%d", s.Port),
		"timeoutremote": "10"} // a side waiting for the other fails the test instead of hanging it
	maps.Copy(files, extra)
	cfg := Config{Control: controlDir(t, files), DNS: dns, IsMe: notMe}
	return deliver(cfg, "example.test", "", []string{"x@example.test"}, "x\n")
}
