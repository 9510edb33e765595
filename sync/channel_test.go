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

func TestClusterIdentityIsDerivedFromTheKey(t *testing.T) {
	a1, err := newClusterIdentity(testKey)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := newClusterIdentity(bytes.Clone(testKey))
	other, _ := newClusterIdentity(bytes.Repeat([]byte{8}, KeySize))
	if !bytes.Equal(a1.cert.Certificate[0], a2.cert.Certificate[0]) {
		t.Error("the same key made two different certificates")
	}
	if a1.pub.Equal(other.pub) {
		t.Error("another key made the same identity")
	}
	cert, err := x509.ParseCertificate(a1.cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != clusterName || cert.NotAfter.Year() != 2100 {
		t.Errorf("certificate %q valid until %v", cert.Subject.CommonName, cert.NotAfter)
	}
	if _, err := newClusterIdentity([]byte("short")); err == nil {
		t.Error("accepted a 5-byte key")
	}
}

func TestChannelRefusesAnotherClusterKey(t *testing.T) {
	a, intruder := newMemLog("a"), newMemLog("intruder")
	a.commit(5)
	intruder.commit(5)
	na := mustNode(t, a)
	ni := mustNode(t, intruder, func(c *Config) { c.Key = bytes.Repeat([]byte{9}, KeySize) })

	if _, err := ni.SyncWith(context.Background(), na.Addr()); err == nil {
		t.Error("intruder dialling a: session succeeded")
	}
	if _, err := na.SyncWith(context.Background(), ni.Addr()); err == nil {
		t.Error("a dialling the intruder: session succeeded")
	}
	if a.count() != 5 || a.applyCalls != 0 || intruder.count() != 5 || intruder.applyCalls != 0 {
		t.Errorf("ops crossed: a holds %d (%d applies), intruder %d (%d applies)",
			a.count(), a.applyCalls, intruder.count(), intruder.applyCalls)
	}
	if keys, _ := a.SiteKeys(context.Background()); len(keys) != 1 {
		t.Errorf("a learnt keys from the intruder: %v", keys)
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
	id, _ := newClusterIdentity(testKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a := newMemLog("a")
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
		_, err = runSession(context.Background(), tc, nil, a, sessionConfig{batch: 10, idle: 5 * time.Second, logger: quietLogger()})
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
