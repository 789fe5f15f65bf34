package smtpd

import (
	"bufio"
	"crypto/tls"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quail-mta/quail/internal/testcert"
)

// certControl is a control directory set up for relaying by client
// certificate: servercert.pem, clientca.pem from ca, and tlsclients.
func certControl(t *testing.T, ca *testcert.CA, tlsclients string) string {
	dir := t.TempDir()
	testcert.Write(t, filepath.Join(dir, "servercert.pem"), "mx.example.com")
	if ca != nil {
		os.WriteFile(filepath.Join(dir, "clientca.pem"), ca.PEM(), 0o644)
	}
	if tlsclients != "" {
		os.WriteFile(filepath.Join(dir, "tlsclients"), []byte(tlsclients), 0o644)
	}
	return dir
}

// encryptAs makes the client's side of the handshake with a client
// certificate (none when nil) and the server name sni.
func (c *tlsClient) encryptAs(cert *tls.Certificate, sni string) tls.ConnectionState {
	c.t.Helper()
	config := &tls.Config{InsecureSkipVerify: true, ServerName: sni}
	if cert != nil {
		// sent whatever authorities the server names, as OpenSSL's clients do
		config.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return c.handshake(config)
}

// handshake makes the client's side of the handshake with config.
func (c *tlsClient) handshake(config *tls.Config) tls.ConnectionState {
	c.t.Helper()
	conn := tls.Client(c.conn, config)
	if err := conn.Handshake(); err != nil {
		c.t.Fatalf("client handshake: %v", err)
	}
	c.conn, c.in = conn, bufio.NewReader(conn)
	return conn.ConnectionState()
}

const nogateway = "553 sorry, that domain isn't in my list of allowed rcpthosts"

func TestRelayByClientCert(t *testing.T) {
	ca := testcert.NewCA(t, "Client CA")
	now := time.Now()
	day := 24 * time.Hour
	good := func(email string) *tls.Certificate {
		cert := ca.Client(t, "client", email, now.Add(-time.Hour), now.Add(day))
		return &cert
	}
	expired := ca.Client(t, "client", "alice@example.net", now.Add(-2*day), now.Add(-day))
	selfSigned := (*testcert.CA)(nil).Client(t, "client", "alice@example.net", now.Add(-time.Hour), now.Add(day))
	stranger := testcert.NewCA(t, "Other CA").Client(t, "client", "alice@example.net", now.Add(-time.Hour), now.Add(day))
	for _, c := range []struct {
		name       string
		ca         *testcert.CA
		tlsclients string
		cert       *tls.Certificate
		reply      string // to a recipient that needs relaying
	}{
		{"listed", ca, "bob@example.net\nALICE@example.net\n", good("alice@example.net"), "250 ok\r\n"},
		{"not listed", ca, "bob@example.net\n", good("alice@example.net"),
			nogateway + "; no valid cert for gatewaying: email address not in my list of tlsclients (#5.7.1)\r\n"},
		{"no email", ca, "alice@example.net\n", good(""),
			nogateway + "; no valid cert for gatewaying: contains no email address (#5.7.1)\r\n"},
		{"expired", ca, "alice@example.net\n", &expired,
			nogateway + "; no valid cert for gatewaying: certificate has expired (#5.7.1)\r\n"},
		{"self-signed", ca, "alice@example.net\n", &selfSigned,
			nogateway + "; no valid cert for gatewaying: self-signed certificate (#5.7.1)\r\n"},
		{"other authority", ca, "alice@example.net\n", &stranger,
			nogateway + "; no valid cert for gatewaying: unable to get local issuer certificate (#5.7.1)\r\n"},
		{"no certificate", ca, "alice@example.net\n", nil, nogateway + "; no valid cert for gatewaying (#5.7.1)\r\n"},
		{"no tlsclients", ca, "", good("alice@example.net"), nogateway + "; no valid cert for gatewaying (#5.7.1)\r\n"},
		{"no clientca.pem", nil, "alice@example.net\n", good("alice@example.net"), nogateway + "; no valid cert for gatewaying (#5.7.1)\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var queues []*fakeQueue
			cfg := testConfig(&queues)
			cfg.Now = time.Now
			cfg.ControlDir = certControl(t, c.ca, c.tlsclients)
			cfg.ServerCert = filepath.Join(cfg.ControlDir, "servercert.pem")
			s := startSession(t, cfg)
			s.expect("", "220 mx.example.com ESMTP\r\n")
			s.expect("STARTTLS\r\n", "220 ready for tls\r\n")
			s.encryptAs(c.cert, "")
			s.expect("MAIL FROM:<alice@example.net>\r\n", "250 ok\r\n")
			s.expect("RCPT TO:<u@example.com>\r\n", "250 ok\r\n")
			s.expect("RCPT TO:<far@elsewhere.test>\r\n", c.reply)
			s.expect("RCPT TO:<far2@elsewhere.test>\r\n", c.reply) // checked once, same answer
			s.expect("DATA\r\n", "354 go ahead\r\n")
			s.send("Subject: x\r\n\r\nbody\r\n.\r\n")
			if got := s.reply(); !strings.HasPrefix(got, "250 ok ") {
				t.Fatalf("after the message: %q", got)
			}
			msg := queues[0].msg.String()
			if relayed := strings.HasPrefix(c.reply, "250"); relayed != strings.Contains(msg, " encrypted)\n  (cert alice@example.net); ") {
				t.Errorf("Received line for %s:\n%s", c.name, msg)
			}
		})
	}
}

// TestSNICertificate: a client asking for a name with its own
// control/servercerts/<name>/servercert.pem gets that certificate, and the
// session goes on under that name, as with the patch; other names get
// servercert.pem.
func TestSNICertificate(t *testing.T) {
	dir := certControl(t, nil, "")
	os.MkdirAll(filepath.Join(dir, "servercerts", "mail.other.test"), 0o755)
	testcert.Write(t, filepath.Join(dir, "servercerts", "mail.other.test", "servercert.pem"), "mail.other.test")
	for _, c := range []struct{ sni, cert, greeting string }{
		{"mail.other.test", "mail.other.test", "mail.other.test"},
		{"unknown.test", "mx.example.com", "mx.example.com"},
		{"", "mx.example.com", "mx.example.com"},
	} {
		var queues []*fakeQueue
		cfg := testConfig(&queues)
		cfg.ControlDir = dir
		cfg.ServerCert = filepath.Join(dir, "servercert.pem")
		s := startSession(t, cfg)
		s.expect("", "220 mx.example.com ESMTP\r\n")
		s.expect("STARTTLS\r\n", "220 ready for tls\r\n")
		state := s.encryptAs(nil, c.sni)
		if got := state.PeerCertificates[0].Subject.CommonName; got != c.cert {
			t.Errorf("SNI %q: certificate for %q, want %q", c.sni, got, c.cert)
		}
		s.expect("HELO x\r\n", "250 "+c.greeting+"\r\n")
		s.expect("QUIT\r\n", "221 "+c.greeting+"\r\n")
	}
}

// TestClientCertRevocation: with control/clientcrl.pem, a certificate
// relays only when a current list of its authority does not name it, in
// the words of OpenSSL's checks (CRL_CHECK_ALL: the authority's own
// certificate needs one too, which its own list is).
func TestClientCertRevocation(t *testing.T) {
	ca := testcert.NewCA(t, "Client CA")
	now := time.Now()
	day := 24 * time.Hour
	cert := ca.Client(t, "client", "alice@example.net", now.Add(-time.Hour), now.Add(day))
	other := ca.Client(t, "client", "bob@example.net", now.Add(-time.Hour), now.Add(day))
	impostor := testcert.NewCA(t, "Client CA") // the same name, another key
	refused := func(why string) string {
		return nogateway + "; no valid cert for gatewaying: " + why + " (#5.7.1)\r\n"
	}
	for _, c := range []struct {
		name, crl, reply string
	}{
		{"not revoked", string(ca.CRL(t, now.Add(-time.Hour), now.Add(day), other)), "250 ok\r\n"},
		{"revoked", string(ca.CRL(t, now.Add(-time.Hour), now.Add(day), other, cert)), refused("certificate revoked")},
		{"expired list", string(ca.CRL(t, now.Add(-2*day), now.Add(-day))), refused("CRL has expired")},
		{"future list", string(ca.CRL(t, now.Add(day), now.Add(2*day))), refused("CRL is not yet valid")},
		{"forged list", string(impostor.CRL(t, now.Add(-time.Hour), now.Add(day))), refused("CRL signature failure")},
		{"stale and current lists", string(ca.CRL(t, now.Add(-2*day), now.Add(-day))) +
			string(ca.CRL(t, now.Add(-time.Hour), now.Add(day))), "250 ok\r\n"},
		{"another authority's list", string(testcert.NewCA(t, "Other CA").CRL(t, now.Add(-time.Hour), now.Add(day))),
			refused("unable to get certificate CRL")},
		{"no list in the file", "# nothing here\n", "250 ok\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var queues []*fakeQueue
			cfg := testConfig(&queues)
			cfg.Now = time.Now
			cfg.ControlDir = certControl(t, ca, "alice@example.net\n")
			cfg.ServerCert = filepath.Join(cfg.ControlDir, "servercert.pem")
			os.WriteFile(filepath.Join(cfg.ControlDir, "clientcrl.pem"), []byte(c.crl), 0o644)
			s := startSession(t, cfg)
			s.expect("", "220 mx.example.com ESMTP\r\n")
			s.expect("STARTTLS\r\n", "220 ready for tls\r\n")
			s.encryptAs(&cert, "")
			s.expect("MAIL FROM:<alice@example.net>\r\n", "250 ok\r\n")
			s.expect("RCPT TO:<far@elsewhere.test>\r\n", c.reply)
			s.expect("QUIT\r\n", "221 mx.example.com\r\n")
		})
	}
}

// TestServerCiphers: control/tlsserverciphers, or $TLSCIPHERS instead of
// it, limits the TLS 1.2 suites a client can have (the test's server
// certificate is ECDSA); a list that leaves none keeps Go's defaults.
func TestServerCiphers(t *testing.T) {
	for _, c := range []struct {
		name, file string
		env        *string
		client     []uint16 // offered; nil: Go's defaults
		want       []uint16
	}{
		{"file", "ECDHE-ECDSA-AES256-GCM-SHA384\n", nil, nil, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
		{"lines joined", "# no AEAD\nHIGH\n!AESGCM\n!CHACHA20\n!AES256\n", nil, nil,
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}},
		{"environment first", "ECDHE-ECDSA-AES256-GCM-SHA384\n", ptr("ECDHE-ECDSA-CHACHA20-POLY1305"), nil,
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
		{"nothing usable", "RC4-SHA:DES-CBC3-SHA\n", nil, []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
		{"empty environment", "ECDHE-ECDSA-AES256-GCM-SHA384\n", ptr(""),
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var queues []*fakeQueue
			cfg := testConfig(&queues)
			cfg.ControlDir = certControl(t, nil, "")
			cfg.ServerCert = filepath.Join(cfg.ControlDir, "servercert.pem")
			os.WriteFile(filepath.Join(cfg.ControlDir, "tlsserverciphers"), []byte(c.file), 0o644)
			if c.env != nil {
				cfg.TLSCiphers, cfg.HasTLSCiphers = *c.env, true
			}
			s := startSession(t, cfg)
			s.expect("", "220 mx.example.com ESMTP\r\n")
			s.expect("STARTTLS\r\n", "220 ready for tls\r\n")
			state := s.handshake(&tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: c.client})
			if !slices.Contains(c.want, state.CipherSuite) {
				t.Errorf("negotiated %s, want one of %v", tls.CipherSuiteName(state.CipherSuite), c.want)
			}
			s.expect("QUIT\r\n", "221 mx.example.com\r\n")
		})
	}
}

func ptr(s string) *string { return &s }
