package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lanAddress is a non-loopback address of this machine to listen on, or
// "" when it has none (a sandbox): then the tests listen on 0.0.0.0 and
// connect over loopback. 127.0.0.2 does not count: 127.0.0.0/8 is
// loopback, which stays plain HTTP.
func lanAddress(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Log("no LAN address: listening on 0.0.0.0")
	return ""
}

// served is one `pforte serve` started for a test.
type served struct {
	cmd         *exec.Cmd
	stdout      *lockedBuffer
	stderr      *lockedBuffer
	url         string // as the listening line says
	fingerprint string // as printed, "" for none
	done        chan struct{}
}

// startServe starts the binary with args and waits for its listening
// line; it is killed when the test ends.
func startServe(t *testing.T, bin string, args ...string) *served {
	t.Helper()
	s := &served{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		}
	})
	deadline := time.After(30 * time.Second)
	for s.url == "" {
		for _, l := range strings.Split(s.stdout.String(), "\n") {
			if u, ok := strings.CutPrefix(l, "listening on "); ok {
				s.url = u
			}
			if f, ok := strings.CutPrefix(l, "TLS certificate fingerprint (SHA-256): "); ok {
				if s.url != "" {
					t.Errorf("the fingerprint came after the listening line")
				}
				s.fingerprint = f
			}
		}
		select {
		case <-s.done:
			t.Fatalf("serve exited during start-up:\n%s", s.stderr)
		case <-deadline:
			t.Fatal("no listening line within 30 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
	return s
}

func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of SIGTERM")
	}
}

// TestServeTLSOnLAN: on a LAN address serve makes a self-signed
// certificate, prints its fingerprint and speaks only HTTPS with it; the
// next start keeps it.
func TestServeTLSOnLAN(t *testing.T) {
	dir := t.TempDir()
	bin := buildHeadless(t, dir)
	data := filepath.Join(dir, "data")
	lan := lanAddress(t)
	listen, connect := "0.0.0.0", "127.0.0.1"
	if lan != "" {
		listen, connect = lan, lan
	}
	args := []string{"--demo", "--data", data, "--listen", listen + ":0", "--site", "x", "--building", "rathaus-1",
		"--public-name", "pforte.rathaus.test"}
	s := startServe(t, bin, args...)

	if !strings.HasPrefix(s.url, "https://"+listen+":") {
		t.Fatalf("listening on %s, want https://%s:PORT", s.url, listen)
	}
	if len(s.fingerprint) != 32*3-1 {
		t.Fatalf("fingerprint %q, want 32 hex pairs", s.fingerprint)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.url, "https://"))
	addr := net.JoinHostPort(connect, port)

	// The client pins the printed fingerprint, as a person does who
	// compares it with the one the browser shows.
	var seen *x509.Certificate
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			seen = cs.PeerCertificates[0]
			sum := sha256.Sum256(seen.Raw)
			if got := fingerprint(sum[:]); got != s.fingerprint {
				return fmt.Errorf("certificate fingerprint %s, printed %s", got, s.fingerprint)
			}
			return nil
		},
	}}}
	get := func(host string) int {
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/api/health", nil)
		if host != "" {
			req.Host = host
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET https://%s (Host %s): %v", addr, host, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if got := get(""); got != http.StatusOK {
		t.Fatalf("GET /api/health over TLS: %d", got)
	}
	if key, ok := seen.PublicKey.(*ecdsa.PublicKey); !ok || key.Curve != elliptic.P256() {
		t.Errorf("certificate key %T, want ECDSA P-256", seen.PublicKey)
	}
	for _, name := range []string{connect, "pforte.rathaus.test"} {
		if err := seen.VerifyHostname(name); err != nil {
			t.Errorf("certificate does not name %s: %v", name, err)
		}
	}
	if got := get("pforte.rathaus.test:" + port); got != http.StatusOK {
		t.Errorf("Host pforte.rathaus.test:%s: %d, want 200", port, got)
	}
	if got := get("evil.example:" + port); got != http.StatusMisdirectedRequest {
		t.Errorf("Host evil.example:%s: %d, want 421", port, got)
	}

	// Plain HTTP to the same port gets nothing of the site.
	if res, err := httpClient.Get("http://" + addr + "/api/health"); err == nil {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK || strings.Contains(string(body), "rathaus-1") {
			t.Errorf("plain HTTP on the TLS port: %d %s", res.StatusCode, body)
		}
	}

	// The next start keeps the certificate.
	s.stop(t)
	again := startServe(t, bin, args...)
	if again.fingerprint != s.fingerprint {
		t.Errorf("second start: fingerprint %s, want the kept %s", again.fingerprint, s.fingerprint)
	}
	again.stop(t)

	// Plain HTTP on the LAN only when asked for.
	plain := startServe(t, bin, append(args, "--insecure-http")...)
	if !strings.HasPrefix(plain.url, "http://") || plain.fingerprint != "" {
		t.Errorf("--insecure-http: listening on %s, fingerprint %q; want http:// and none", plain.url, plain.fingerprint)
	}
	_, port, _ = net.SplitHostPort(strings.TrimPrefix(plain.url, "http://"))
	var health map[string]string
	if err := getJSON("http://"+net.JoinHostPort(connect, port)+"/api/health", &health); err != nil {
		t.Errorf("--insecure-http: %v", err)
	}
	if !strings.Contains(plain.stderr.String(), "--insecure-http") {
		t.Errorf("no warning in the log about plain HTTP on the LAN:\n%s", plain.stderr)
	}
}

func fingerprint(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// TestServeRefusesTLSMistakes: what serve refuses at start.
func TestServeRefusesTLSMistakes(t *testing.T) {
	base := func(data string, extra ...string) []string {
		return append([]string{"serve", "--demo", "--data", data, "--site", "x", "--building", "rathaus-1"}, extra...)
	}
	dir := t.TempDir()
	// A data directory where the self-signed key cannot be written.
	blocked := t.TempDir()
	if err := os.Mkdir(filepath.Join(blocked, "tls-key.pem"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		says []string
	}{
		{"a certificate without its key", base(t.TempDir(), "--listen", "127.0.0.1:0", "--tls-cert", filepath.Join(dir, "c.pem")),
			[]string{"--tls-cert", "--tls-key"}},
		{"a key without its certificate", base(t.TempDir(), "--listen", "0.0.0.0:0", "--tls-key", filepath.Join(dir, "k.pem")),
			[]string{"--tls-cert", "--tls-key"}},
		{"TLS and plain HTTP at once", base(t.TempDir(), "--listen", "0.0.0.0:0", "--tls-cert", "c", "--tls-key", "k", "--insecure-http"),
			[]string{"--insecure-http"}},
		{"certificate files that are not there", base(t.TempDir(), "--listen", "127.0.0.1:0",
			"--tls-cert", filepath.Join(dir, "missing.pem"), "--tls-key", filepath.Join(dir, "missing-key.pem")),
			[]string{"--tls-cert", "missing.pem"}},
		// On the LAN it is HTTPS or nothing, unless plain HTTP is asked for.
		{"no certificate can be kept for the LAN", base(blocked, "--listen", "0.0.0.0:0"),
			[]string{"self-signed", "--tls-cert", "--insecure-http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut := mustRun(t, 1, tt.args...)
			for _, s := range tt.says {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr does not mention %s:\n%s", s, errOut)
				}
			}
		})
	}
}

func TestUsageNamesTheNetworkFlags(t *testing.T) {
	out, _ := mustRun(t, 0, "help")
	for _, f := range []string{"--tls-cert", "--tls-key", "--public-name", "--insecure-http", "fingerprint"} {
		if !strings.Contains(out, f) {
			t.Errorf("usage does not mention %s", f)
		}
	}
}
