// Package certwords words certificate verification failures as OpenSSL's
// X509_verify_cert_error_string does. The qmail TLS patch quotes those
// words in qmail-smtpd's refusals and qmail-remote's reports, and log
// tools look for them there.
package certwords

import (
	"bytes"
	"crypto/x509"
	"errors"
	"time"
)

// Problem words err, from verifying leaf at now, in OpenSSL's words.
func Problem(leaf *x509.Certificate, err error, now time.Time) string {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		if SelfSigned(leaf) {
			return "self-signed certificate"
		}
		return "unable to get local issuer certificate"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		if now.Before(leaf.NotBefore) {
			return "certificate is not yet valid"
		}
		return "certificate has expired"
	case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
		return "unsupported certificate purpose"
	}
	return "certificate verify failed"
}

// SelfSigned says whether c is issued by itself: its issuer is its
// subject and its own key checks its signature.
func SelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
