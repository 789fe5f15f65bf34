package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quail-mta/quail/pkg/control"
	"github.com/quail-mta/quail/pkg/tlsciphers"
)

// STARTTLS (RFC 3207) as the widespread qmail TLS patch offers it: only
// when control/servercert.pem (certificate chain and private key in one
// PEM file) exists. Without that file qmail-smtpd is the plain one, and
// STARTTLS is "502 unimplemented" as in notqmail. With SMTPS set in the
// environment the whole session is TLS from the first byte (port 465).
// A client naming a server (SNI) with its own
// control/servercerts/<name>/servercert.pem gets that certificate.
// Relaying by client certificate is in tlsclient.go.

const (
	replyTLSReady  = "220 ready for tls\r\n"
	replyTLSParams = "501 Syntax error (no parameters allowed) (#5.5.4)\r\n"
)

// errTLSFailed ends a session whose handshake failed: nothing more can be
// said to the client.
var errTLSFailed = errors.New("TLS handshake failed")

// tlsOffered says whether EHLO lists STARTTLS: there is a certificate, the
// session is not encrypted yet, and DENY_TLS does not forbid it.
func (s *session) tlsOffered() bool {
	return !s.tlsOn && !s.cfg.DenyTLS && s.certificateExists()
}

func (s *session) certificateExists() bool {
	if s.cfg.ServerCert == "" {
		return false
	}
	_, err := os.Stat(s.cfg.ServerCert)
	return err == nil
}

// startTLS answers STARTTLS.
func (s *session) startTLS(arg string) error {
	if !s.tlsOffered() {
		reply := replyUnimpl
		if s.cfg.DenyTLS && !s.tlsOn && s.certificateExists() {
			reply = replyTLSDenied
		}
		s.c.reply(reply)
		return s.c.flush()
	}
	if arg != "" {
		s.c.reply(replyTLSParams)
		return s.c.flush()
	}
	cert, err := tls.LoadX509KeyPair(s.cfg.ServerCert, s.cfg.ServerCert)
	if err != nil {
		s.c.reply(tlsTrouble("missing certificate", err))
		return s.c.flush()
	}
	ciphers, err := s.cipherSuites() // before the 220, as the patch does
	if err != nil {
		return err
	}
	s.c.reply(replyTLSReady)
	if err := s.c.flush(); err != nil {
		return err
	}
	return s.encrypt(cert, ciphers)
}

// smtps starts the TLS of an SMTPS session, before the greeting.
func (s *session) smtps() error {
	cert, err := tls.LoadX509KeyPair(s.cfg.ServerCert, s.cfg.ServerCert)
	if err != nil {
		io.WriteString(s.w, tlsTrouble("missing certificate", err))
		return errTLSFailed
	}
	ciphers, err := s.cipherSuites()
	if err != nil {
		return err
	}
	return s.encrypt(cert, ciphers)
}

// encrypt runs the handshake on the raw connection, with ciphers as the
// TLS 1.2 suites (nil: Go's defaults), and puts the session on top of
// TLS. Whatever the client sent after STARTTLS and before the
// handshake is thrown away with the old buffers, so no plaintext command
// can be smuggled into the encrypted session (CVE-2011-0411). As RFC 3207
// asks, the session forgets what it learnt before: the HELO name and any
// MAIL.
func (s *session) encrypt(cert tls.Certificate, ciphers []uint16) error {
	s.c.close()
	raw := duplex{r: s.r, w: s.w}
	var sniName string
	config := &tls.Config{
		CipherSuites: ciphers,
		Certificates: []tls.Certificate{cert},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.sniCertificate(hello.ServerName, &sniName)
		},
	}
	s.askForClientCert(config)
	conn := tls.Server(raw, config)
	raw.SetDeadline(time.Now().Add(s.cfg.Timeout))
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		// in clear text, as the patch does: no reply is standard here
		io.WriteString(s.w, tlsTrouble("connection failed", err))
		return errTLSFailed
	}
	raw.SetDeadline(time.Time{})
	s.c = newConn(conn, conn, s.cfg.Timeout)
	s.tlsOn = true
	state := conn.ConnectionState()
	s.tlsPeer.chain = state.PeerCertificates
	s.protocol = "ESMTPS (" + tls.CipherSuiteName(state.CipherSuite) + " encrypted)"
	if sniName != "" {
		s.cfg.Greeting = sniName // as the patch does for a name it has a certificate for
	}
	s.seenMail = false
	s.setHelo(s.cfg.RemoteHost)
	return nil
}

// cipherSuites are the TLS 1.2 suites $TLSCIPHERS or
// control/tlsserverciphers (its lines joined by ':') allows, as the patch
// hands them to SSL_set_cipher_list; nil, Go's defaults, when neither
// names any. Read only when a handshake is to happen.
func (s *session) cipherSuites() ([]uint16, error) {
	if s.cfg.HasTLSCiphers {
		return tlsciphers.Parse(s.cfg.TLSCiphers), nil
	}
	if s.cfg.ControlDir == "" {
		return nil, nil
	}
	lines, _, err := control.Open(s.cfg.ControlDir).Lines("tlsserverciphers")
	if err != nil {
		return nil, &ControlError{Err: err}
	}
	return tlsciphers.Parse(strings.Join(lines, ":")), nil
}

// sniCertificate is the certificate for the name the client asked for
// (SNI), from control/servercerts/<name>/servercert.pem, or nil for the
// default one. It notes the name in used.
func (s *session) sniCertificate(name string, used *string) (*tls.Certificate, error) {
	if name == "" || strings.ContainsRune(name, '/') || name[0] == '.' || s.cfg.ControlDir == "" {
		return nil, nil
	}
	path := filepath.Join(s.cfg.ControlDir, "servercerts", name, "servercert.pem")
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(path, path)
	if err != nil {
		return nil, err
	}
	*used = name
	return &cert, nil
}

// tlsTrouble is the patch's "454 TLS ..." reply, with the reason on one
// line.
func tlsTrouble(what string, err error) string {
	reason := strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, err.Error())
	return "454 TLS " + what + ": " + reason + " (#4.3.0)\r\n"
}

// duplex joins the client's input and output, descriptors 0 and 1 under
// tcpserver, into the one connection crypto/tls works on. Deadlines pass
// through to the descriptors that take them.
type duplex struct {
	r io.Reader
	w io.Writer
}

var errNoDeadline = errors.New("no deadlines on this descriptor")

func (d duplex) Read(p []byte) (int, error)  { return d.r.Read(p) }
func (d duplex) Write(p []byte) (int, error) { return d.w.Write(p) }

// Close closes both sides; crypto/tls uses it to end a handshake that ran
// out of time.
func (d duplex) Close() error {
	if c, ok := d.r.(io.Closer); ok {
		c.Close()
	}
	if c, ok := d.w.(io.Closer); ok {
		c.Close()
	}
	return nil
}

func (d duplex) LocalAddr() net.Addr  { return stdioAddr{} }
func (d duplex) RemoteAddr() net.Addr { return stdioAddr{} }

func (d duplex) SetDeadline(t time.Time) error {
	return errors.Join(d.SetReadDeadline(t), d.SetWriteDeadline(t))
}

func (d duplex) SetReadDeadline(t time.Time) error {
	if r, ok := d.r.(readDeadliner); ok {
		return r.SetReadDeadline(t)
	}
	return errNoDeadline
}

func (d duplex) SetWriteDeadline(t time.Time) error {
	if w, ok := d.w.(writeDeadliner); ok {
		return w.SetWriteDeadline(t)
	}
	return errNoDeadline
}

// stdioAddr is the address of a connection known only by its descriptors.
type stdioAddr struct{}

func (stdioAddr) Network() string { return "stdio" }
func (stdioAddr) String() string  { return "stdio" }
