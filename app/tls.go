package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The headless server on a LAN address speaks HTTPS: sign-in passwords and
// visitors' personal data cross the network. The town's CA signs the
// certificate best (--tls-cert, --tls-key); without one Pforte makes its own
// at the first start, keeps it in the data directory and prints its
// fingerprint, which staff compare once with the one their browser shows.

// Files of the self-signed certificate in the data directory.
const (
	tlsCertFile = "tls-cert.pem"
	tlsKeyFile  = "tls-key.pem"
)

// selfSignedValidity is 825 days, the longest Apple's systems accept for a
// server certificate; a certificate 30 days from its end is replaced at
// the next start.
const (
	selfSignedValidity = 825 * 24 * time.Hour
	renewBefore        = 30 * 24 * time.Hour
)

// TLSOptions say where the server's certificate comes from.
type TLSOptions struct {
	// CertFile and KeyFile are PEM files of a certificate (its chain
	// after it) and its key, from the town's CA. Both or neither.
	CertFile, KeyFile string
	// DataDir keeps the self-signed certificate made when there are none.
	DataDir string
	// Listen and PublicNames are GuardOptions': the self-signed
	// certificate names what the Host check accepts.
	Listen      string
	PublicNames []string
	// Site names the certificate's subject ("Pforte <site>").
	Site string
	// Now is the clock for validity; nil is time.Now.
	Now func() time.Time
}

// ServerCert is the server's TLS configuration and what to tell about it.
type ServerCert struct {
	Config *tls.Config
	// Fingerprint is the SHA-256 of the certificate (DER), in upper-case
	// hex pairs joined by colons, as browsers show it.
	Fingerprint string
	// SelfSigned: made by Pforte; Created: made at this start.
	SelfSigned, Created bool
	// Names are the DNS names and addresses the certificate is for.
	Names []string
}

// ServerTLS loads the certificate named in opts or, without one, the
// self-signed one in the data directory, making it first when there is
// none, when it is near its end, or when it does not name the listen host
// or a public name. Warnings (a CA certificate or a kept one that does not
// name an address of the machine) go to log.
func ServerTLS(opts TLSOptions, log *slog.Logger) (ServerCert, error) {
	if (opts.CertFile == "") != (opts.KeyFile == "") {
		return ServerCert{}, errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	host, _, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return ServerCert{}, fmt.Errorf("listen address %q: %w", opts.Listen, err)
	}
	names, wildcard := serverNames(host, opts.PublicNames)
	// What the certificate must name; the rest of names (the machine's
	// other addresses, its host name) it should.
	var must []string
	if !wildcard {
		must = append(must, normHost(host))
	}
	for _, p := range opts.PublicNames {
		for _, n := range splitNames(p) {
			if h, _, err := net.SplitHostPort(n); err == nil {
				n = h
			}
			must = append(must, normHost(n))
		}
	}

	var sc ServerCert
	var cert tls.Certificate
	if opts.CertFile != "" {
		cert, err = tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return sc, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
	} else {
		certPath, keyPath := filepath.Join(opts.DataDir, tlsCertFile), filepath.Join(opts.DataDir, tlsKeyFile)
		var why string
		cert, why = keptCert(certPath, keyPath, must, now())
		if why != "" {
			if why != "none" {
				log.Warn("making a new self-signed TLS certificate", "reason", why)
			}
			cert, err = newSelfSigned(names, opts.Site, now())
			if err != nil {
				return sc, fmt.Errorf("make a self-signed TLS certificate: %w", err)
			}
			if err := writeCert(cert, certPath, keyPath); err != nil {
				return sc, fmt.Errorf("keep the self-signed TLS certificate in %s (or give --tls-cert and --tls-key, or --insecure-http for plain HTTP): %w", opts.DataDir, err)
			}
			sc.Created = true
		}
		sc.SelfSigned = true
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return sc, err
		}
		cert.Leaf = leaf
	}
	sc.Names = certNames(leaf)
	for _, n := range names {
		if leaf.VerifyHostname(n) != nil {
			if slices.Contains(must, n) {
				log.Warn("the TLS certificate does not name the address or name the server is reached by", "name", n)
			} else {
				log.Info("the TLS certificate does not name this address of the machine", "name", n)
			}
		}
	}
	if !leaf.NotAfter.After(now()) {
		log.Warn("the TLS certificate has expired", "not_after", leaf.NotAfter)
	}
	sum := sha256.Sum256(leaf.Raw)
	sc.Fingerprint = Fingerprint(sum[:])
	sc.Config = &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	}
	return sc, nil
}

// Fingerprint writes a digest as browsers show it: "AB:CD:…".
func Fingerprint(sum []byte) string {
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// keptCert is the self-signed certificate of an earlier start, if it is
// still good; else why not ("none" when there is none).
func keptCert(certPath, keyPath string, must []string, now time.Time) (tls.Certificate, string) {
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, "none"
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return cert, fmt.Sprintf("the kept one is unreadable: %v", err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return cert, fmt.Sprintf("the kept one is unreadable: %v", err)
	}
	cert.Leaf = leaf
	if now.Add(renewBefore).After(leaf.NotAfter) {
		return cert, fmt.Sprintf("the kept one ends %s", leaf.NotAfter.Format(time.DateOnly))
	}
	for _, n := range must {
		if leaf.VerifyHostname(n) != nil {
			return cert, fmt.Sprintf("the kept one does not name %s", n)
		}
	}
	// Its files are made 0600 again at every start (privateDataDir).
	return cert, ""
}

// newSelfSigned makes an ECDSA P-256 certificate for names, valid from an
// hour ago (a client's clock a little behind) for selfSignedValidity.
func newSelfSigned(names []string, site string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, err
	}
	cn := "Pforte"
	if site != "" {
		cn += " " + site
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Pforte (selbst signiert)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, n := range names {
		if ip, err := netip.ParseAddr(n); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(ip.AsSlice()))
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// writeCert writes the certificate and its key, 0600 each (the key is the
// server's identity), each to a temporary file renamed into place.
func writeCert(cert tls.Certificate, certPath, keyPath string) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	if err := writePrivate(keyPath, keyPEM); err != nil {
		return err
	}
	return writePrivate(certPath, certPEM)
}

func writePrivate(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// certNames lists the DNS names and addresses a certificate is for.
func certNames(c *x509.Certificate) []string {
	out := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}
