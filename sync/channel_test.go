package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

func TestSiteIdentityIsTheSiteKey(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	a1, err := newSiteIdentity(a.priv)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := newSiteIdentity(a.priv)
	other, _ := newSiteIdentity(b.priv)
	if !bytes.Equal(a1.cert.Certificate[0], a2.cert.Certificate[0]) {
		t.Error("the same key made two different certificates")
	}
	if !a1.pub.Equal(a.priv.Public()) || a1.pub.Equal(other.pub) {
		t.Error("the identity is not the site's key")
	}
	cert, err := x509.ParseCertificate(a1.cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != certName || cert.NotAfter.Year() != 2100 {
		t.Errorf("certificate %q valid until %v", cert.Subject.CommonName, cert.NotAfter)
	}
	if _, err := newSiteIdentity([]byte("short")); err == nil {
		t.Error("accepted a 5-byte key")
	}
}

// TestChannelRefusesSitesNotEnrolled: a node whose key a site does not
// count as enrolled (a laptop with the cluster key but no enrollment), or
// counts as revoked, gets nothing from it and brings nothing in, whichever
// side dials.
func TestChannelRefusesSitesNotEnrolled(t *testing.T) {
	for _, how := range []string{"not enrolled", "revoked"} {
		t.Run(how, func(t *testing.T) {
			a, intruder := newMemLog("a-"+how), newMemLog("intruder-"+how)
			if how == "revoked" {
				a.revoke(intruder.site)
			} else {
				a.unenroll(intruder.site)
			}
			a.commit(5)
			intruder.commit(5)
			na, ni := mustNode(t, a), mustNode(t, intruder)

			if _, err := ni.SyncWith(context.Background(), na.Addr()); err == nil {
				t.Error("intruder dialling a: session succeeded")
			}
			if _, err := na.SyncWith(context.Background(), ni.Addr()); !errors.Is(err, errNotEnrolled) {
				t.Errorf("a dialling the intruder: %v; want errNotEnrolled", err)
			}
			if err := ni.RequestTokens(context.Background(), na.Addr(), []string{"t"}); err == nil {
				t.Error("intruder's token request answered")
			}
			if a.count() != 5 || a.applyCalls != 0 || intruder.count() != 5 || intruder.applyCalls != 0 {
				t.Errorf("ops crossed: a holds %d (%d applies), intruder %d (%d applies)",
					a.count(), a.applyCalls, intruder.count(), intruder.applyCalls)
			}
		})
	}
}

// TestHelloMustNameTheKeysSite: a stolen key speaks for its own site only.
func TestHelloMustNameTheKeysSite(t *testing.T) {
	a, b, mallory := newMemLog("a"), newMemLog("b"), newMemLog("mallory")
	a.unenroll("mallory")
	mallory.commit(3)
	na := mustNode(t, a)
	nm := mustNode(t, mallory, func(c *Config) { c.Identity = b.priv })
	if _, err := nm.SyncWith(context.Background(), na.Addr()); err == nil {
		t.Error("a session with b's key and mallory's name succeeded")
	}
	if a.count() != 0 {
		t.Errorf("a took %d ops", a.count())
	}
}

// TestChannelRefusesStrangers dials with TLS clients that do not hold the
// cluster key: no certificate, and a certificate of their own.
func TestChannelRefusesStrangers(t *testing.T) {
	a := newMemLog("a")
	na := mustNode(t, a)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]*tls.Config{
		"no certificate":  {InsecureSkipVerify: true, MinVersion: tls.VersionTLS13, NextProtos: []string{alpnProto}},
		"own certificate": {InsecureSkipVerify: true, MinVersion: tls.VersionTLS13, NextProtos: []string{alpnProto}, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: priv}}},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := tls.Dial("tcp", na.Addr(), cfg)
			if err == nil {
				// TLS 1.3: the server checks the client's certificate after
				// the client's handshake is done; its refusal arrives as the
				// first read.
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err = c.Read(make([]byte, 1))
				c.Close()
			}
			if err == nil {
				t.Fatal("a stranger read from the channel")
			}
		})
	}
	if a.applyCalls != 0 {
		t.Error("a stranger reached the log")
	}
}

func TestFrameOverLimitIsRefused(t *testing.T) {
	a := newMemLog("a")
	id, _ := newSiteIdentity(newMemLog("big").priv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	result := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			result <- err
			return
		}
		tc := tls.Server(c, id.tlsConfig())
		if err := handshake(context.Background(), tc, 5*time.Second); err != nil {
			result <- err
			return
		}
		_, err = runSession(context.Background(), newFrameConn(tc, 5*time.Second), tc, nil, a,
			sessionConfig{batch: 10, idle: 5 * time.Second, logger: quietLogger()}, nil)
		result <- err
	}()

	c, err := tls.Dial("tcp", ln.Addr().String(), id.tlsConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fc := newFrameConn(c, 5*time.Second)
	if err := fc.writeFrame([]byte(`{"t":"hello","v":1,"site":"big"}`)); err != nil {
		t.Fatal(err)
	}
	// A header announcing one byte more than allowed; the body never needs
	// to come.
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], maxFrame+1)
	c.Write(hdr[:])

	if err := <-result; !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("session ended with %v; want ErrFrameTooLarge", err)
	}
	if a.applyCalls != 0 {
		t.Error("the log was written")
	}
	if err := fc.writeFrame(make([]byte, maxFrame+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("writing an oversized frame: %v; want ErrFrameTooLarge", err)
	}
}
