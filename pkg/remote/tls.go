package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/certwords"
	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/tlsciphers"
	"github.com/quail-mta/quail/pkg/visible"
)

// TLSPolicy is what the TLS control files say, in the layout of the
// widely used qmail TLS patch:
//
//	control/tlshosts/<host>.pem  TLS is required with <host>, and its
//	                             certificate must verify against the CA
//	                             certificates in the file and name <host>
//	control/notlshosts/<host>    never try STARTTLS with <host>
//	control/tlshosts/exhaustivelist  try STARTTLS only with hosts that
//	                             have a .pem file
//	control/clientcert.pem       certificate and key to present, if asked
//	control/tlsclientciphers     the OpenSSL cipher list (its lines joined
//	                             by ':') that limits the TLS 1.2 suites
//
// <host> is the name of the host connected to (the MX or relay name, or
// the address literal), in lower case. Everything else is opportunistic:
// STARTTLS whenever the server offers it, certificates not checked, and a
// failed handshake retried without TLS, so that TLS never blocks mail
// that would have gone out without it.
type TLSPolicy struct {
	dir        string
	exhaustive bool
	clientCert []tls.Certificate
	ciphers    []uint16 // nil: Go's defaults
}

// ReadTLSPolicy reads the TLS controls that apply to every host.
func ReadTLSPolicy(dir *control.Dir) (*TLSPolicy, error) {
	p := &TLSPolicy{dir: dir.Path}
	_, err := os.Stat(filepath.Join(dir.Path, "tlshosts", "exhaustivelist"))
	switch {
	case err == nil:
		p.exhaustive = true
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	ciphers, _, err := dir.Lines("tlsclientciphers")
	if err != nil {
		return nil, err
	}
	p.ciphers = tlsciphers.Parse(strings.Join(ciphers, ":"))
	data, err := os.ReadFile(filepath.Join(dir.Path, "clientcert.pem"))
	switch {
	case err == nil:
		// An unusable certificate is not presented; it must not stop mail.
		if cert, err := tls.X509KeyPair(data, data); err == nil {
			p.clientCert = []tls.Certificate{cert}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return p, nil
}

type tlsMode int

const (
	tlsOpportunistic tlsMode = iota
	tlsOff
	tlsRequired
)

// mode says how to treat host, and for a required host the CA file's
// name as reports give it (relative to the qmail home).
func (p *TLSPolicy) mode(host string) (tlsMode, string, []byte) {
	host = strings.ToLower(host)
	if host == "" || strings.ContainsAny(host, "/\x00") || host[0] == '.' {
		return tlsOpportunistic, "", nil
	}
	pem, err := os.ReadFile(filepath.Join(p.dir, "tlshosts", host+".pem"))
	if err == nil {
		return tlsRequired, "control/tlshosts/" + host + ".pem", pem
	}
	if _, err := os.Stat(filepath.Join(p.dir, "notlshosts", host)); err == nil {
		return tlsOff, "", nil
	}
	if p.exhaustive {
		return tlsOff, "", nil
	}
	return tlsOpportunistic, "", nil
}

// verifyError is a certificate that failed the checks a required host's
// CA file asks for: what the report says after "TLS unable to verify
// server ".
type verifyError struct{ text string }

func (e verifyError) Error() string { return e.text }

// smtpsPort is the port on which, as with the TLS patch, qmail-remote
// speaks TLS from the first byte (SMTPS) instead of STARTTLS; a variable
// for the tests.
var smtpsPort = 465

// implicitTLS makes the handshake of an SMTPS connection before the
// greeting. There is no clear-text fallback on that port: a failed
// handshake is a temporary failure. The certificate is checked only
// when control/tlshosts/<host>.pem exists, and notlshosts cannot turn
// TLS off here. done means a report was written.
func (s *session) implicitTLS() (done bool, err error) {
	mode, caName, caPEM := s.d.settings.TLS.mode(s.partner.Name)
	if mode != tlsRequired {
		mode = tlsOpportunistic
	}
	cfg, err := s.tlsConfig(mode, caName, caPEM)
	if err != nil {
		return true, s.tlsQuit("ZTLS unable to load " + caName + ": " + err.Error())
	}
	if err := s.handshake(cfg); err != nil {
		return true, s.handshakeFailed(err, false)
	}
	s.encrypted = true
	return false, nil
}

// handshakeFailed reports a failed TLS handshake: a certificate that
// failed a required host's check, or else the failure itself; with
// plainAfter (an opportunistic STARTTLS) the latter means trying again
// without TLS instead.
func (s *session) handshakeFailed(err error, plainAfter bool) error {
	var verr verifyError
	switch {
	case errors.As(err, &verr):
		return s.tlsQuit("ZTLS unable to verify server " + verr.text)
	case plainAfter:
		return errRetryPlain
	}
	return s.tlsQuit("ZTLS connect failed: " + err.Error())
}

// startTLS upgrades the connection when the server offers STARTTLS and
// the policy allows it, then says EHLO again. done means a report was
// written and the dialogue is over.
func (s *session) startTLS(ehlo Reply) (done bool, err error) {
	if s.encrypted { // SMTPS
		return false, nil
	}
	policy := s.d.settings.TLS
	mode, caName, caPEM := policy.mode(s.partner.Name)
	if mode == tlsOff || (s.noTLS && mode != tlsRequired) {
		return false, nil
	}
	if !ehlo.Has("STARTTLS") {
		if mode == tlsRequired {
			s.text = ""
			return true, s.tlsQuit("ZNo TLS achieved while " + caName + " exists")
		}
		return false, nil
	}
	r, err := s.command("STARTTLS")
	if err != nil {
		return true, err
	}
	if r.Code != 220 {
		if mode == tlsRequired {
			return true, s.tlsQuit("ZSTARTTLS rejected while " + caName + " exists")
		}
		return false, nil
	}
	s.text = ""
	cfg, err := s.tlsConfig(mode, caName, caPEM)
	if err != nil {
		return true, s.tlsQuit("ZTLS unable to load " + caName + ": " + err.Error())
	}
	if err := s.handshake(cfg); err != nil {
		return true, s.handshakeFailed(err, mode != tlsRequired)
	}
	r, err = s.command("EHLO " + s.d.settings.HeloHost)
	if err != nil {
		// With TLS 1.3 a server that rejects us after the handshake (say,
		// for want of a client certificate) is only noticed here.
		if mode != tlsRequired {
			return true, errRetryPlain
		}
		return true, err
	}
	if r.Code != 250 {
		return true, s.quit("ZConnected to ", " but my name was rejected")
	}
	s.ehlo, s.encrypted = r, true
	return false, nil
}

// tlsQuit reports a TLS failure the way the TLS patch does: its text,
// "; connected to <ip>." and the last reply.
func (s *session) tlsQuit(text string) error {
	return s.quit(text+"; connected to ", "")
}

func (s *session) tlsConfig(mode tlsMode, caName string, caPEM []byte) (*tls.Config, error) {
	name := s.partner.Name
	cfg := &tls.Config{
		InsecureSkipVerify: true, // checked below when the policy asks
		Certificates:       s.d.settings.TLS.clientCert,
		CipherSuites:       s.d.settings.TLS.ciphers,
		MinVersion:         tls.VersionTLS10,
	}
	if _, isLiteral := literal(name); !isLiteral {
		cfg.ServerName = name
	}
	if mode != tlsRequired {
		return cfg, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no certificates in file")
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		return verifyPeer(cs, pool, caName, name)
	}
	return cfg, nil
}

// verifyPeer checks the server's certificate as the TLS patch does:
// its chain against pool (the CA file caName), then its name against
// the host connected to, a subjectAltName DNS entry or else the
// commonName (RFC 2595 2.4: exactly, or "*.domain" for any name in the
// domain). An address literal is checked against the IP entries.
func verifyPeer(cs tls.ConnectionState, pool *x509.CertPool, caName, name string) error {
	if len(cs.PeerCertificates) == 0 {
		return verifyError{name + ": no certificate provided"}
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	now := time.Now()
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: now})
	if err != nil {
		return verifyError{"with " + caName + ": " + certwords.Problem(leaf, err, now)}
	}
	cn := leaf.Subject.CommonName
	if addr, ok := literal(name); ok {
		if leaf.VerifyHostname(addr.String()) != nil {
			return verifyError{name + ": received certificate for " + safe(cn)}
		}
		return nil
	}
	for _, dns := range leaf.DNSNames {
		if matchPartner(dns, name) {
			return nil
		}
	}
	switch {
	case cn == "":
		return verifyError{name + ": certificate contains no valid commonName"}
	case !matchPartner(cn, name):
		return verifyError{name + ": received certificate for " + safe(cn)}
	}
	return nil
}

// matchPartner is the patch's match_partner: pattern is host, in any
// case, or "*" and the part of host from its first dot on.
func matchPartner(pattern, host string) bool {
	if strings.EqualFold(pattern, host) {
		return true
	}
	if rest, ok := strings.CutPrefix(pattern, "*"); ok {
		domain := ""
		if dot := strings.IndexByte(host, '.'); dot >= 0 {
			domain = host[dot:]
		}
		return strings.EqualFold(rest, domain)
	}
	return false
}

// safe keeps outside text (a DNS name, a certificate's name) to what a
// report may hold, as qmail's outsafe does.
func safe(name string) string { return visible.String(name, '!', '?') }
