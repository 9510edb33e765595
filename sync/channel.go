package sync

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync/atomic"
	"time"
)

// The data channel is TLS 1.3 over TCP, each site with its own identity:
// the ed25519 key its ops are signed with, in a self-signed certificate.
// Both sides present theirs; the handshake proves each holds its key
// (CertificateVerify), and the listener then looks the key up among the
// enrolled sites (Log.PeerKeys): a key that is not enrolled, or whose site
// is revoked, gets no session, no token and no op. The only thing a
// stranger may send is an enrollment with an invitation's secret. The
// cluster key is no longer part of the data channel: it encrypts Serf's
// gossip, and a site that missed a rotation of it still syncs (and fetches
// the new one) with its own identity.

const (
	// certName is the certificate's common name and the TLS server name.
	certName = "pforte-site"
	// alpnProto names the wire protocol, so a future version is refused
	// in the handshake rather than misread.
	alpnProto = "pforte-sync/2"
)

// siteIdentity is a site's TLS identity on the data channel.
type siteIdentity struct {
	cert tls.Certificate
	pub  ed25519.PublicKey
}

// newSiteIdentity makes the self-signed certificate of a site's key.
// Everything in it is fixed (serial, validity 2020–2100, name) and ed25519
// signatures are deterministic, so a site presents the same one each time.
func newSiteIdentity(key ed25519.PrivateKey) (*siteIdentity, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sync: identity has %d bytes, want an ed25519 private key", len(key))
	}
	pub := key.Public().(ed25519.PublicKey)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: certName},
		DNSNames:              []string{certName},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return nil, fmt.Errorf("sync: site certificate: %w", err)
	}
	return &siteIdentity{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pub: pub}, nil
}

// errNotEnrolled is the error for a peer whose key is not an enrolled
// site's.
var errNotEnrolled = errors.New("peer is not an enrolled site")

// verifyShape accepts exactly one certificate with an ed25519 key. Whose
// key it is, is decided after the handshake (peerKey, Log.PeerKeys).
func verifyShape(rawCerts [][]byte, _ [][]*x509.Certificate) error {
	if len(rawCerts) != 1 {
		return fmt.Errorf("%w: %d certificates", errNotEnrolled, len(rawCerts))
	}
	cert, err := x509.ParseCertificate(rawCerts[0])
	if err != nil {
		return fmt.Errorf("%w: %v", errNotEnrolled, err)
	}
	if _, ok := cert.PublicKey.(ed25519.PublicKey); !ok {
		return fmt.Errorf("%w: not an ed25519 key", errNotEnrolled)
	}
	return nil
}

// tlsConfig is the configuration of both ends: the server requires a
// client certificate; neither verifies a chain (InsecureSkipVerify only
// turns that off): verifyShape runs in its place, and the key is looked
// up among the enrolled sites after the handshake.
func (id *siteIdentity) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:             tls.VersionTLS13,
		Certificates:           []tls.Certificate{id.cert},
		ClientAuth:             tls.RequireAnyClientCert,
		InsecureSkipVerify:     true,
		VerifyPeerCertificate:  verifyShape,
		ServerName:             certName,
		NextProtos:             []string{alpnProto},
		SessionTicketsDisabled: true, // every session proves the key again
	}
}

// peerKey returns the key the peer proved in the handshake.
func peerKey(c *tls.Conn) ed25519.PublicKey {
	certs := c.ConnectionState().PeerCertificates
	if len(certs) != 1 {
		return nil
	}
	pub, _ := certs[0].PublicKey.(ed25519.PublicKey)
	return pub
}

// handshake runs the TLS handshake within timeout and checks the protocol.
func handshake(ctx context.Context, c *tls.Conn, timeout time.Duration) error {
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.HandshakeContext(hctx); err != nil {
		return fmt.Errorf("tls handshake: %w", err)
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != alpnProto {
		return fmt.Errorf("tls handshake: peer speaks %q, want %q", p, alpnProto)
	}
	return nil
}

// maxFrame bounds one message on the wire. A batch is split until it fits;
// a larger frame from a peer ends the session before anything is read
// into memory.
const maxFrame = 4 << 20

// ErrFrameTooLarge is returned for a frame over the size limit.
var ErrFrameTooLarge = errors.New("sync: frame over the size limit")

// frameConn reads and writes length-prefixed frames: a 4-byte big-endian
// length and that many bytes. One goroutine may read while another
// writes; each direction has its own idle deadline.
type frameConn struct {
	conn  net.Conn
	r     *bufio.Reader
	idle  time.Duration
	limit int
}

func newFrameConn(c net.Conn, idle time.Duration) *frameConn {
	return &frameConn{conn: c, r: bufio.NewReaderSize(c, 64<<10), idle: idle, limit: maxFrame}
}

// readFrame returns the next frame; the peer has idle to start sending it.
func (f *frameConn) readFrame() ([]byte, error) {
	f.conn.SetReadDeadline(time.Now().Add(f.idle))
	var hdr [4]byte
	if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if int64(n) > int64(f.limit) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, f.limit)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(f.r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// writeFrame sends one frame, refusing one the peer would refuse.
func (f *frameConn) writeFrame(p []byte) error {
	if len(p) > f.limit {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, len(p), f.limit)
	}
	f.conn.SetWriteDeadline(time.Now().Add(f.idle))
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(p)))
	// One write per frame: TLS makes a record per Write call.
	buf := make([]byte, 0, len(hdr)+len(p))
	buf = append(append(buf, hdr[:]...), p...)
	_, err := f.conn.Write(buf)
	return err
}

// countingConn counts the bytes that cross the wire (TLS overhead
// included) for the session report.
type countingConn struct {
	net.Conn
	read, written atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}
