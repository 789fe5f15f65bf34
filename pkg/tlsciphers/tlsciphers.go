// Package tlsciphers reads the OpenSSL cipher lists that the qmail TLS
// patch passes to SSL_set_cipher_list (control/tlsserverciphers,
// $TLSCIPHERS, control/tlsclientciphers) and turns them into the TLS 1.2
// cipher suites Go may use.
//
// The list is OpenSSL's language: strings separated by ':' (or ',' or
// ' '), each a suite name such as ECDHE-RSA-AES128-GCM-SHA256 or an alias
// such as HIGH, aRSA or AESGCM, several of them joined by '+' to mean
// all at once, and prefixed by '!' (remove for good), '-' (remove) or '+'
// (move to the end). Unknown words match nothing, as in OpenSSL.
//
// Only the suites that Go's crypto/tls counts as secure can come out:
// naming RC4, 3DES or RSA key exchange adds nothing. Since Go chooses the
// order of suites itself, the result is a set, and '+' moves and
// @STRENGTH change nothing. TLS 1.3 suites are not affected, as in
// OpenSSL, where they are set apart.
package tlsciphers

import (
	"crypto/tls"
	"strings"
)

// suite is a TLS 1.2 suite Go offers, with the properties OpenSSL's
// aliases select by. Go's are all ECDHE, and either CBC with SHA-1 (from
// TLS 1.0 on) or AEAD, AES-GCM or ChaCha20 (TLS 1.2 only).
type suite struct {
	id   uint16
	name string // OpenSSL's name
	auth string // aRSA or aECDSA
	enc  string // AES128, AES256 or CHACHA20
	cbc  bool   // CBC with SHA-1, from TLS 1.0 on
}

var suites = []suite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "aECDSA", "AES128", true},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "aECDSA", "AES256", true},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "aRSA", "AES128", true},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "aRSA", "AES256", true},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "aECDSA", "AES128", false},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "aECDSA", "AES256", false},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "aRSA", "AES128", false},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "aRSA", "AES256", false},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "aRSA", "CHACHA20", false},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "aECDSA", "CHACHA20", false},
}

// matches says whether s falls under one of OpenSSL's words. All of
// Go's suites are ECDHE with AES or ChaCha20, so HIGH, ALL and DEFAULT
// take them all, and MEDIUM, LOW, kRSA (RSA), DHE, the anonymous and
// null kinds, RC4, 3DES and the rest take none.
func (s suite) matches(word string) bool {
	switch word {
	case s.name:
		return true
	case "ALL", "DEFAULT", "HIGH", "kEECDH", "kECDHE", "ECDH", "ECDHE", "EECDH":
		return true
	case "aRSA", "aECDSA":
		return s.auth == word
	case "ECDSA":
		return s.auth == "aECDSA"
	case "AES":
		return s.enc != "CHACHA20"
	case "AES128", "AES256", "CHACHA20":
		return s.enc == word
	case "AESGCM":
		return !s.cbc && s.enc != "CHACHA20"
	case "SHA1", "SHA", "TLSv1", "TLSv1.0":
		return s.cbc
	case "TLSv1.2":
		return !s.cbc
	}
	return false
}

// Parse reads an OpenSSL cipher list and returns the suites it leaves,
// or nil when it leaves none or is empty; nil means Go's defaults, as the
// patch keeps OpenSSL's default when SSL_set_cipher_list fails.
func Parse(list string) []uint16 {
	in := make([]bool, len(suites))
	banned := make([]bool, len(suites))
	for _, field := range strings.FieldsFunc(list, isSeparator) {
		op, words := opOf(field)
		for i, s := range suites {
			if !all(s, words) {
				continue
			}
			switch op {
			case '!':
				banned[i], in[i] = true, false
			case '-':
				in[i] = false
			case 0:
				in[i] = in[i] || !banned[i]
			}
		}
	}
	var ids []uint16
	for i, s := range suites {
		if in[i] {
			ids = append(ids, s.id)
		}
	}
	return ids
}

func isSeparator(r rune) bool { return r == ':' || r == ',' || r == ' ' }

// opOf splits a field into its operator ('!', '-', '+' or 0) and the
// words its '+' joins.
func opOf(field string) (byte, []string) {
	var op byte
	if strings.ContainsRune("!-+", rune(field[0])) {
		op, field = field[0], field[1:]
	}
	return op, strings.Split(field, "+")
}

// all says whether s matches every word; a command such as @STRENGTH
// matches nothing.
func all(s suite, words []string) bool {
	for _, w := range words {
		if !s.matches(w) {
			return false
		}
	}
	return true
}
