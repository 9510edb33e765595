package sync

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
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

// The data channel is TLS 1.3 over TCP with one identity for the whole
// cluster: an ed25519 key derived from the cluster key and a self-signed
// certificate made from it, the same on every site. Both sides present it
// and accept only a peer that proves it holds the same key, so a node with
// another cluster key fails the handshake: it can neither read nor inject.
// No CA, no per-site certificates to hand out; the cluster key file is the
// only secret an installation carries.

const (
	// clusterName is the certificate's common name and the TLS server name.
	clusterName = "pforte-cluster"
	// alpnProto names the wire protocol, so a future version is refused
	// in the handshake rather than misread.
	alpnProto = "pforte-sync/1"
	// hkdfInfo separates the channel's key from the gossip key (Serf uses
	// the cluster key itself) and from any later use of the same secret.
	hkdfInfo = "pforte sync channel ed25519 v1"
)

// clusterIdentity is the TLS identity every site of a cluster shares.
type clusterIdentity struct {
	cert tls.Certificate
	pub  ed25519.PublicKey
}

// newClusterIdentity derives the cluster's ed25519 key from the cluster key
// (HKDF-SHA256) and makes its self-signed certificate. Everything in the
// certificate is fixed (serial, validity 2020–2100, name), and ed25519
// signatures are deterministic, so every site makes the very same one.
func newClusterIdentity(key []byte) (*clusterIdentity, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("sync: cluster key has %d bytes, want %d", len(key), KeySize)
	}
	seed, err := hkdf.Key(sha256.New, key, nil, hkdfInfo, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: clusterName},
		DNSNames:              []string{clusterName},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	// rand is not used for an ed25519 signature with a fixed serial; it is
	// passed because the API wants a reader.
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		return nil, fmt.Errorf("sync: cluster certificate: %w", err)
	}
	return &clusterIdentity{
		cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv},
		pub:  pub,
	}, nil
}

// errNotCluster is the handshake error for a peer without the cluster key.
var errNotCluster = errors.New("peer does not hold the cluster key")

// verifyPeer accepts exactly one certificate carrying the cluster's public
// key. TLS 1.3's CertificateVerify has already proved the peer holds the
// matching private key, so pinning the public key is enough; comparing the
// raw certificate would also refuse a site whose Go version encodes the
// same certificate differently.
func (id *clusterIdentity) verifyPeer(rawCerts [][]byte, _ [][]*x509.Certificate) error {
	if len(rawCerts) != 1 {
		return fmt.Errorf("%w: %d certificates", errNotCluster, len(rawCerts))
	}
	cert, err := x509.ParseCertificate(rawCerts[0])
	if err != nil {
		return fmt.Errorf("%w: %v", errNotCluster, err)
	}
	pub, ok := cert.PublicKey.(ed25519.PublicKey)
	if !ok || !bytes.Equal(pub, id.pub) {
		return errNotCluster
	}
	return nil
}

// tlsConfig is the configuration of both ends: the server requires a
// client certificate, and both pin the cluster key instead of verifying a
// chain (InsecureSkipVerify only turns off the chain check; verifyPeer
// runs in its place).
func (id *clusterIdentity) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:             tls.VersionTLS13,
		Certificates:           []tls.Certificate{id.cert},
		ClientAuth:             tls.RequireAnyClientCert,
		InsecureSkipVerify:     true,
		VerifyPeerCertificate:  id.verifyPeer,
		ServerName:             clusterName,
		NextProtos:             []string{alpnProto},
		SessionTicketsDisabled: true, // every session proves the key again
	}
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
