package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pforte/app"
)

func mustServerTLS(t *testing.T, opts app.TLSOptions) app.ServerCert {
	t.Helper()
	sc, err := app.ServerTLS(opts, quietLogger())
	if err != nil {
		t.Fatalf("ServerTLS: %v", err)
	}
	return sc
}

func TestSelfSignedCertificate(t *testing.T) {
	dir := t.TempDir()
	opts := app.TLSOptions{DataDir: dir, Listen: "192.0.2.7:8443", PublicNames: []string{"pforte.rathaus.test,empfang.test:443"}, Site: "r1"}
	first := mustServerTLS(t, opts)
	if !first.SelfSigned || !first.Created {
		t.Errorf("first start: self-signed %v, created %v; want both", first.SelfSigned, first.Created)
	}
	leaf := first.Config.Certificates[0].Leaf
	if key, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || key.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", leaf.PublicKey)
	}
	for _, name := range []string{"192.0.2.7", "pforte.rathaus.test", "empfang.test"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("certificate does not name %s: %v (names %v)", name, err, first.Names)
		}
	}
	if err := leaf.VerifyHostname("evil.example"); err == nil {
		t.Error("certificate names evil.example")
	}
	sum := sha256.Sum256(leaf.Raw)
	if first.Fingerprint != app.Fingerprint(sum[:]) || len(first.Fingerprint) != 32*3-1 || strings.ToUpper(first.Fingerprint) != first.Fingerprint {
		t.Errorf("fingerprint %q, want the SHA-256 of the certificate as AB:CD:…", first.Fingerprint)
	}
	for _, f := range []string{"tls-cert.pem", "tls-key.pem"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	if leaf.NotAfter.Sub(time.Now()) > 825*24*time.Hour {
		t.Errorf("valid until %v: longer than Apple's systems accept", leaf.NotAfter)
	}

	// The next start keeps it: browsers that accepted it go on doing so.
	again := mustServerTLS(t, opts)
	if again.Created || again.Fingerprint != first.Fingerprint {
		t.Errorf("second start: created %v, fingerprint %s; want the kept %s", again.Created, again.Fingerprint, first.Fingerprint)
	}
	// A new public name, another listen address: a new one that names it.
	more := opts
	more.PublicNames = append(more.PublicNames, "pforte2.rathaus.test")
	renamed := mustServerTLS(t, more)
	if !renamed.Created || renamed.Fingerprint == first.Fingerprint ||
		renamed.Config.Certificates[0].Leaf.VerifyHostname("pforte2.rathaus.test") != nil {
		t.Errorf("with a new public name: created %v, names %v; want a new certificate naming it", renamed.Created, renamed.Names)
	}
	// Near its end: replaced.
	late := more
	late.Now = func() time.Time { return time.Now().Add(820 * 24 * time.Hour) }
	if renewed := mustServerTLS(t, late); !renewed.Created {
		t.Error("a certificate 5 days from its end was kept")
	}
}

func TestSelfSignedOnWildcard(t *testing.T) {
	sc := mustServerTLS(t, app.TLSOptions{DataDir: t.TempDir(), Listen: "0.0.0.0:8443"})
	leaf := sc.Config.Certificates[0].Leaf
	want := []string{"127.0.0.1", "localhost", "::1"}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ip := a.(*net.IPNet).IP; !ip.IsLinkLocalUnicast() {
			want = append(want, ip.String())
		}
	}
	for _, name := range want {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("certificate does not name %s (names %v)", name, sc.Names)
		}
	}
	if slices.Contains(sc.Names, "0.0.0.0") {
		t.Errorf("certificate names the wildcard address: %v", sc.Names)
	}
}

func TestCertificateFromFiles(t *testing.T) {
	// A "CA" certificate: one made as Pforte makes its own, copied elsewhere.
	made := mustServerTLS(t, app.TLSOptions{DataDir: t.TempDir(), Listen: "192.0.2.7:443", PublicNames: []string{"pforte.rathaus.test"}})
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "ca-cert.pem"), filepath.Join(dir, "ca-key.pem")
	c := made.Config.Certificates[0]
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o600)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)

	data := t.TempDir()
	sc := mustServerTLS(t, app.TLSOptions{CertFile: certFile, KeyFile: keyFile, DataDir: data, Listen: "0.0.0.0:443"})
	if sc.SelfSigned || sc.Created || sc.Fingerprint != made.Fingerprint {
		t.Errorf("from files: self-signed %v, created %v, fingerprint %s; want the file's %s", sc.SelfSigned, sc.Created, sc.Fingerprint, made.Fingerprint)
	}
	if _, err := os.Stat(filepath.Join(data, "tls-key.pem")); err == nil {
		t.Error("a self-signed key was made beside the given certificate")
	}

	for _, opts := range []app.TLSOptions{
		{CertFile: certFile, DataDir: data, Listen: "0.0.0.0:443"},
		{KeyFile: keyFile, DataDir: data, Listen: "0.0.0.0:443"},
	} {
		if _, err := app.ServerTLS(opts, quietLogger()); err == nil || !strings.Contains(err.Error(), "--tls-key") {
			t.Errorf("only one of the files: err %v, want one naming --tls-cert and --tls-key", err)
		}
	}
	if _, err := app.ServerTLS(app.TLSOptions{CertFile: keyFile, KeyFile: certFile, Listen: "0.0.0.0:443"}, quietLogger()); err == nil {
		t.Error("the files swapped: no error")
	}
}

// TestGuardOverTLS serves a site over TLS with its self-signed certificate:
// a client that trusts exactly that certificate reaches it by the listen
// address, the guard sees TLS (the session cookie's Secure flag follows
// r.TLS) and takes https as the own origin's scheme.
func TestGuardOverTLS(t *testing.T) {
	sc := mustServerTLS(t, app.TLSOptions{DataDir: t.TempDir(), Listen: "127.0.0.1:0"})
	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{}, func(srv *http.Server) { srv.TLSConfig = sc.Config })
	port := s.port

	pool := x509.NewCertPool()
	pool.AddCert(sc.Config.Certificates[0].Leaf)
	client := &http.Client{Jar: s.auth.jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	base := "https://127.0.0.1:" + port

	res, err := client.Get(base + "/api/health")
	if err != nil {
		t.Fatalf("GET over TLS trusting the self-signed certificate: %v", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Fatalf("status %d, TLS %v", res.StatusCode, res.TLS != nil)
	}

	post := func(origin string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/visits", strings.NewReader(mariaJSON))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := post(base); got != http.StatusCreated {
		t.Errorf("POST with Origin %s: %d, want 201", base, got)
	}
	if got := post("http://127.0.0.1:" + port); got != http.StatusForbidden {
		t.Errorf("POST with the http origin on TLS: %d, want 403", got)
	}
	// Under TLS the session cookie is Secure: the guard leaves r.TLS set.
	req, _ := http.NewRequest(http.MethodPost, base+"/api/session", strings.NewReader(`{"user":"demo","password":"demo"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	if res, err := (&http.Client{Transport: client.Transport}).Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
		var c *http.Cookie
		for _, rc := range res.Cookies() {
			if rc.Name == s.app.SessionCookieForTest() {
				c = rc
			}
		}
		if res.StatusCode != http.StatusOK || c == nil || !c.Secure {
			t.Errorf("sign-in over TLS: status %d, cookie %v; want 200 and a Secure session cookie", res.StatusCode, c)
		}
	}

	// Host without a port means 443 under TLS: not this server.
	req, _ = http.NewRequest(http.MethodGet, base+"/api/health", nil)
	req.Host = "127.0.0.1"
	if res, err := client.Do(req); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host 127.0.0.1 (port 443) on TLS: %d, want 421", res.StatusCode)
	}
}
