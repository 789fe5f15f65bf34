// Package dkim signs messages with DomainKeys Identified Mail (RFC 6376)
// as they leave: relaxed/relaxed canonicalization, rsa-sha256 or
// ed25519-sha256 (RFC 8463), the whole body hashed. It reads a message as
// qmail queues it (LF line ends; a line already ending in CR LF counts
// once, as qmail-remote sends it) and returns the DKIM-Signature field to
// put on top. The body streams through the hash; only the header is held,
// and only up to MaxHeader bytes.
package dkim

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"
)

// MaxHeader bounds the header a signer reads into memory.
const MaxHeader = 1 << 20

// Errors for messages that are not signed.
var (
	ErrNoFrom     = errors.New("the message has no From field to sign")
	ErrHeaderSize = errors.New("the message header is larger than the signer reads")
)

// SignedFields are the header fields signed when present, every
// instance of each. From is also signed once more than it occurs, so that
// a From added on the way breaks the signature.
var SignedFields = []string{
	"from", "reply-to", "subject", "date", "to", "cc", "message-id", "in-reply-to",
	"references", "mime-version", "content-type", "content-transfer-encoding",
	"list-id", "list-unsubscribe", "list-unsubscribe-post",
}

// Signer signs for one domain with one key.
type Signer struct {
	Domain   string // d=
	Selector string // s=: the key is at <selector>._domainkey.<domain>
	Key      crypto.Signer
	Now      func() time.Time // t=; nil means time.Now
}

// ParseKey reads a private key from PEM: RSA (PKCS #1 or #8) or Ed25519
// (PKCS #8).
func ParseKey(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", key)
}

// field is one header field as it stands in the message, without its
// final line end.
type field struct {
	name string // lower case
	raw  []byte
}

// Sign reads msg to its end and returns the DKIM-Signature field, folded
// with LF line ends and ending in LF.
func (s *Signer) Sign(msg io.Reader) (string, error) {
	algorithm, err := s.algorithm()
	if err != nil {
		return "", err
	}
	in := bufio.NewReaderSize(msg, 64<<10)
	fields, err := readHeader(in)
	if err != nil {
		return "", err
	}
	body := sha256.New()
	if err := canonicalBody(in, body); err != nil {
		return "", err
	}
	names, signed := selectFields(fields)
	if names == "" {
		return "", ErrNoFrom
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	value := "v=1; a=" + algorithm + "; c=relaxed/relaxed; d=" + s.Domain + "; s=" + s.Selector + ";\n" +
		"\tt=" + strconv.FormatInt(now().Unix(), 10) + "; h=" + names + ";\n" +
		"\tbh=" + base64.StdEncoding.EncodeToString(body.Sum(nil)) + ";\n" +
		"\tb="
	digest := sha256.New()
	for _, f := range signed {
		digest.Write(relaxedField(f.raw))
		digest.Write([]byte("\r\n"))
	}
	digest.Write(relaxedField([]byte("DKIM-Signature: " + value)))
	sig, err := s.sign(digest)
	if err != nil {
		return "", err
	}
	return "DKIM-Signature: " + value + base64.StdEncoding.EncodeToString(sig) + "\n", nil
}

func (s *Signer) algorithm() (string, error) {
	switch s.Key.(type) {
	case *rsa.PrivateKey:
		return "rsa-sha256", nil
	case ed25519.PrivateKey:
		return "ed25519-sha256", nil
	}
	return "", fmt.Errorf("unsupported key type %T", s.Key)
}

// sign signs the SHA-256 of the signed data: PKCS #1 v1.5 for RSA, and
// for Ed25519 PureEdDSA over that hash, as RFC 8463 says.
func (s *Signer) sign(digest hash.Hash) ([]byte, error) {
	sum := digest.Sum(nil)
	if key, ok := s.Key.(ed25519.PrivateKey); ok {
		return ed25519.Sign(key, sum), nil
	}
	return s.Key.Sign(rand.Reader, sum, crypto.SHA256)
}

// readHeader reads the header fields up to the empty line (or the end of
// the message), a line starting with a space or tab continuing a field.
func readHeader(in *bufio.Reader) ([]field, error) {
	var fields []field
	size := 0
	for {
		line, err := in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, ErrHeaderSize
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if size += len(line); size > MaxHeader {
			return nil, ErrHeaderSize
		}
		text := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		switch {
		case len(text) == 0:
			return fields, nil // the empty line (or the end of the message)
		case (text[0] == ' ' || text[0] == '\t') && len(fields) > 0:
			last := &fields[len(fields)-1]
			last.raw = append(append(last.raw, "\r\n"...), text...)
		default:
			name, _, _ := bytes.Cut(text, []byte(":"))
			fields = append(fields, field{
				name: strings.ToLower(string(bytes.TrimRight(name, " \t"))),
				raw:  append([]byte(nil), text...),
			})
		}
		if err == io.EOF {
			return fields, nil
		}
	}
}

// selectFields picks the fields to sign: for every name of SignedFields
// each instance, listed bottom up as verifiers take them, and "from"
// once more. names is empty when there is no From.
func selectFields(fields []field) (names string, signed []field) {
	var list []string
	for _, want := range SignedFields {
		found := 0
		for i := len(fields) - 1; i >= 0; i-- {
			if fields[i].name == want {
				signed = append(signed, fields[i])
				list = append(list, want)
				found++
			}
		}
		if want == "from" {
			if found == 0 {
				return "", nil
			}
			list = append(list, want)
		}
	}
	return strings.Join(list, ":"), signed
}

// relaxedField is the relaxed canonical form of a field without its line
// end: the name in lower case, the value unfolded, runs of spaces and
// tabs made one space, and none around the colon or at the end.
func relaxedField(raw []byte) []byte {
	name, value, _ := bytes.Cut(raw, []byte(":"))
	out := append(bytes.ToLower(bytes.TrimRight(name, " \t")), ':')
	space := false
	for _, c := range bytes.TrimLeft(value, " \t\r\n") {
		switch c {
		case '\r', '\n':
			continue
		case ' ', '\t':
			space = true
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, c)
	}
	return out
}

// canonicalBody writes the relaxed canonical body to w: each line with
// runs of spaces and tabs made one space and none at its end, CR LF
// after it, and no empty lines at the end.
func canonicalBody(in *bufio.Reader, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var (
		emptyLines int  // empty lines not yet written: they may be the last
		started    bool // the line has a character other than space or tab
		space      bool // a run of spaces or tabs waits
		cr         bool // a CR waits: before LF it is the line end
	)
	char := func(c byte) {
		if !started {
			for ; emptyLines > 0; emptyLines-- {
				bw.WriteString("\r\n")
			}
			started = true
		}
		if space {
			bw.WriteByte(' ')
			space = false
		}
		bw.WriteByte(c)
	}
	endLine := func() {
		if started {
			bw.WriteString("\r\n")
		} else {
			emptyLines++
		}
		started, space = false, false
	}
	for {
		chunk, err := in.ReadSlice('\n')
		for _, c := range chunk {
			if cr {
				cr = false
				if c == '\n' {
					endLine()
					continue
				}
				char('\r')
			}
			switch c {
			case '\n':
				endLine()
			case '\r':
				cr = true
			case ' ', '\t':
				space = true
			default:
				char(c)
			}
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != io.EOF:
			return err
		}
		break
	}
	if cr {
		char('\r')
	}
	if started {
		bw.WriteString("\r\n") // a last line without its line end gets one
	}
	return bw.Flush()
}
