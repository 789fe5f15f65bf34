package smtpd

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/certwords"
	"github.com/quail-mta/quail/pkg/control"
)

// Relaying by client certificate, as the qmail TLS patch allows it: a
// client that may not relay may still do so over TLS with a certificate
// issued by one of the authorities in control/clientca.pem whose subject
// holds an email address listed in control/tlsclients. When
// control/clientcrl.pem holds revocation lists, every certificate of the
// chain must be covered by a current one from its issuer and not be on
// it, as OpenSSL checks with the patch's CRL_CHECK_ALL. The patch asks for
// the certificate by renegotiating at the first refused recipient; Go's
// TLS server does not renegotiate, so quail asks during the handshake,
// and only when both files exist. Then, as in the patch, the first
// refused recipient checks the certificate once: a good one lets the
// client relay from then on and is named in the Received line; otherwise
// the refusal says why.

// clientCert is what the handshake learnt for the check.
type clientCert struct {
	chain   []*x509.Certificate // as the client sent it, unverified
	roots   *x509.CertPool      // control/clientca.pem; nil: not asked for
	checked bool                // the check runs once a session
	problem string              // why it did not allow relaying
}

// oidEmailAddress is PKCS #9's emailAddress attribute of a subject name.
var oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// clientCAs is the pool of authorities to ask client certificates of,
// or nil when relaying by certificate is not set up.
func (s *session) clientCAs() *x509.CertPool {
	if s.cfg.ControlDir == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(s.cfg.ControlDir, "tlsclients")); err != nil {
		return nil
	}
	pem, err := os.ReadFile(filepath.Join(s.cfg.ControlDir, "clientca.pem"))
	if err != nil {
		return nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil
	}
	return pool
}

// askForClientCert sets config up to ask for a client certificate when
// relaying by certificate is set up.
func (s *session) askForClientCert(config *tls.Config) {
	if pool := s.clientCAs(); pool != nil {
		config.ClientAuth = tls.RequestClientCert // verified later, as the patch does
		config.ClientCAs = pool
		s.tlsPeer.roots = pool
	}
}

// certRelay is the patch's tls_verify, run at a refused recipient: whether
// the client's certificate lets it relay. A good one does for the rest of
// the session.
func (s *session) certRelay() (bool, error) {
	peer := &s.tlsPeer
	if !s.tlsOn || peer.checked || peer.roots == nil {
		return false, nil
	}
	peer.checked = true
	clients, ok, err := control.Open(s.cfg.ControlDir).Lines("tlsclients")
	if err != nil {
		return false, &ControlError{Err: err}
	}
	if !ok || len(peer.chain) == 0 {
		return false, nil
	}
	email, problem := verifyClient(peer.chain, peer.roots, s.clientCRLs(), s.cfg.Now())
	if problem == "" && !listed(clients, email) {
		problem = "email address not in my list of tlsclients"
	}
	if problem != "" {
		peer.problem = problem
		return false, nil
	}
	s.cfg.Relay, s.cfg.RelayClient = true, ""
	s.protocol += "\n  (cert " + safe(email) + ")"
	if s.cfg.Setenv != nil {
		s.cfg.Setenv("RELAYCLIENT", "") // the patch tells qmail-queue too
	}
	return true, nil
}

// noGatewayReply refuses a recipient this client may not relay to; over
// TLS the patch adds that no certificate allowed it, and why.
func (s *session) noGatewayReply() string {
	if !s.tlsOn {
		return replyNoGateway
	}
	text := "553 sorry, that domain isn't in my list of allowed rcpthosts; no valid cert for gatewaying"
	if s.tlsPeer.problem != "" {
		text += ": " + s.tlsPeer.problem
	}
	return text + " (#5.7.1)\r\n"
}

// clientCRLs are the revocation lists of control/clientcrl.pem; none when
// the file is missing or holds none, and then, as with the patch, no
// revocation check is made.
func (s *session) clientCRLs() []*x509.RevocationList {
	data, err := os.ReadFile(filepath.Join(s.cfg.ControlDir, "clientcrl.pem"))
	if err != nil {
		return nil
	}
	var crls []*x509.RevocationList
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return crls
		}
		if block.Type != "X509 CRL" {
			continue
		}
		if crl, err := x509.ParseRevocationList(block.Bytes); err == nil {
			crls = append(crls, crl)
		}
	}
}

// verifyClient checks a client's certificate chain against roots for
// client authentication, and against crls when there are any, and returns
// the email address of its subject, or the problem in OpenSSL's words,
// which the patch's replies use.
func verifyClient(chain []*x509.Certificate, roots *x509.CertPool, crls []*x509.RevocationList, now time.Time) (email, problem string) {
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	leaf := chain[0]
	verified, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return "", certwords.Problem(leaf, err, now)
	}
	if len(crls) > 0 {
		if problem := revocationProblem(verified[0], crls, now); problem != "" {
			return "", problem
		}
	}
	for _, attr := range leaf.Subject.Names {
		if value, ok := attr.Value.(string); ok && attr.Type.Equal(oidEmailAddress) && value != "" {
			return value, ""
		}
	}
	return "", "contains no email address"
}

// revocationProblem checks each certificate of a verified chain, the
// root's included, against a revocation list of its issuer, in OpenSSL's
// words. Of several lists of one issuer, a current one with a good
// signature counts; without one, the first list's fault is reported.
func revocationProblem(chain []*x509.Certificate, crls []*x509.RevocationList, now time.Time) string {
	for i, cert := range chain {
		issuer := cert // the root issued itself
		if i+1 < len(chain) {
			issuer = chain[i+1]
		}
		problem, seen := "unable to get certificate CRL", false
		for _, crl := range crls {
			if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
				continue
			}
			fault := crlProblem(crl, issuer, now)
			if fault == "" {
				problem = revokedProblem(crl, cert)
				break
			}
			if !seen {
				problem, seen = fault, true
			}
		}
		if problem != "" {
			return problem
		}
	}
	return ""
}

// crlProblem says what makes crl unusable now, if anything.
func crlProblem(crl *x509.RevocationList, issuer *x509.Certificate, now time.Time) string {
	switch {
	case now.Before(crl.ThisUpdate):
		return "CRL is not yet valid"
	case !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate):
		return "CRL has expired"
	case crl.CheckSignatureFrom(issuer) != nil:
		return "CRL signature failure"
	}
	return ""
}

// revokedProblem is "certificate revoked" if crl lists cert.
func revokedProblem(crl *x509.RevocationList, cert *x509.Certificate) string {
	for _, entry := range crl.RevokedCertificateEntries {
		if entry.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return "certificate revoked"
		}
	}
	return ""
}

// listed says whether email is a line of tlsclients, ignoring case as
// qmail's constmap does.
func listed(clients []string, email string) bool {
	for _, c := range clients {
		if strings.EqualFold(c, email) {
			return true
		}
	}
	return false
}
