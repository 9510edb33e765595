package app_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"pforte/app"
	"pforte/engine"
)

// guardedSite is a demo site behind the guard, as `pforte serve` runs it:
// a real server on a real socket.
type guardedSite struct {
	*site
	port string
	srv  *http.Server
}

// openGuarded opens a demo site and serves it on listen (":0" ports) behind
// Guard with opts (Listen filled in) and the server limits of app.Server,
// changed by adjust if given; over TLS if adjust sets a TLSConfig.
func openGuarded(t *testing.T, listen string, opts app.GuardOptions, adjust func(*http.Server)) *guardedSite {
	t.Helper()
	clock := engine.NewFixedClock(wednesdayMorning)
	cfg := demoConfig(t.TempDir())
	cfg.Clock = clock
	a, err := app.Open(context.Background(), cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	opts.Listen = ln.Addr().String()
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Pforte-Test</title>")}}
	srv := app.Server(app.Guard(app.WithFrontend(a.Handler(), assets), opts))
	if adjust != nil {
		adjust(srv)
	}
	scheme := "http"
	if srv.TLSConfig != nil {
		scheme = "https"
		go srv.ServeTLS(ln, "", "")
	} else {
		go srv.Serve(ln)
	}
	t.Cleanup(func() { srv.Close() }) // runs first: no request is in flight when the app closes
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s := (&site{app: a, url: scheme + "://127.0.0.1:" + port, clock: clock, cfg: cfg}).as(t, "demo")
	return &guardedSite{site: s, port: port, srv: srv}
}

// send makes one request to the site, signed in as demo, with the Host
// header host ("" for the URL's) and the headers given as name, value pairs.
func (s *guardedSite) send(t *testing.T, method, path, host, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// The session cookie goes along whatever the Host header says (a
	// client's jar would keep it to the host it was set for).
	if s.auth != nil {
		s.signIn()
		for _, c := range s.auth.jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
	}
	client := *s.client
	client.Jar = nil
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %s): %v", method, path, host, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), header: res.Header, body: b}
}

func TestGuardHostOnLoopback(t *testing.T) {
	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{PublicNames: []string{"pforte.rathaus.test", "empfang.test:8443,other.test"}}, nil)
	p := s.port
	tests := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:" + p, true},
		{"localhost:" + p, true},
		{"LocalHost.:" + p, true},
		{"[::1]:" + p, true},
		{"[0:0:0:0:0:0:0:1]:" + p, true},
		{"pforte.rathaus.test:" + p, true},
		{"other.test:" + p, true},
		{"empfang.test:8443", true}, // a public name with its own port: behind a port forward
		{"empfang.test:" + p, true},
		{"empfang.test:8444", false},
		{"evil.example:" + p, false}, // DNS rebinding: the attacker's name, this machine's address
		{"127.0.0.1", false},         // port 80
		{"127.0.0.1:1", false},
		{"localhost.evil.example:" + p, false},
		{"192.0.2.99:" + p, false},
		{"[::2]:" + p, false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			for _, path := range []string{"/api/health", "/"} {
				res := s.send(t, http.MethodGet, path, tt.host, "")
				switch {
				case tt.ok && res.status != http.StatusOK:
					t.Errorf("GET %s: status %d, want 200; body %s", path, res.status, res.body)
				case !tt.ok:
					res.wantError(t, http.StatusMisdirectedRequest, "misdirected_request", "")
					if bytes.Contains(res.body, []byte("rathaus")) || bytes.Contains(res.body, []byte("Pforte-Test")) {
						t.Errorf("GET %s: the refusal shows the site's data: %s", path, res.body)
					}
				}
			}
		})
	}

	// HTTP/1.0 without a Host header names no server.
	conn, err := net.Dial("tcp", "127.0.0.1:"+p)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /api/health HTTP/1.0\r\n\r\n")
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.Contains(line, " 421 ") {
		t.Errorf("HTTP/1.0 without Host: got %q, want 421", line)
	}
}

// TestGuardHostOnWildcard: listening on every address, the server goes by
// the loopback names, the machine's addresses and its host name.
func TestGuardHostOnWildcard(t *testing.T) {
	s := openGuarded(t, "0.0.0.0:0", app.GuardOptions{PublicNames: []string{"pforte.rathaus.test"}}, nil)
	p := s.port
	good := []string{"127.0.0.1:" + p, "localhost:" + p, "[::1]:" + p, "pforte.rathaus.test:" + p}
	if h, err := os.Hostname(); err == nil {
		good = append(good, net.JoinHostPort(h, p))
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.(*net.IPNet).IP); ok && !ip.IsLinkLocalUnicast() {
			good = append(good, net.JoinHostPort(ip.Unmap().String(), p))
		}
	}
	for _, host := range good {
		if res := s.send(t, http.MethodGet, "/api/health", host, ""); res.status != http.StatusOK {
			t.Errorf("Host %s: status %d, want 200", host, res.status)
		}
	}
	for _, host := range []string{"evil.example:" + p, "192.0.2.254:" + p, "127.0.0.1:1", "localhost"} {
		s.send(t, http.MethodGet, "/api/health", host, "").wantError(t, http.StatusMisdirectedRequest, "misdirected_request", "")
	}
}

// TestGuardWantsJSON: an HTML form on any page can post text/plain,
// urlencoded and multipart bodies to Pforte without asking; none of them
// may change anything.
func TestGuardWantsJSON(t *testing.T) {
	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{}, nil)
	for _, ct := range []string{"", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=xyz", "application/jsonx", "application/json-patch+json"} {
		t.Run(ct, func(t *testing.T) {
			// The JSON itself is good: only the type is wrong.
			for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
				s.send(t, method, "/api/visits", "", mariaJSON, "Content-Type", ct).
					wantError(t, http.StatusUnsupportedMediaType, "unsupported_media_type", "")
			}
			s.send(t, http.MethodPost, "/api/visits/x/leave", "", "", "Content-Type", ct).
				wantError(t, http.StatusUnsupportedMediaType, "unsupported_media_type", "")
		})
	}
	if got := s.mustVisits(t, ""); len(got) != 0 {
		t.Fatalf("refused requests registered visits: %v", visitIDs(got))
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
		s.send(t, http.MethodPost, "/api/visits", "", mariaJSON, "Content-Type", ct).want(t, http.StatusCreated, nil)
	}
	if got := s.mustVisits(t, ""); len(got) != 3 {
		t.Errorf("got %d visits after three JSON registrations, want 3", len(got))
	}
	// A DELETE without a body may leave the type out (a browser asks
	// before it sends another origin a DELETE, and is told no).
	s.send(t, http.MethodDelete, "/api/print/jobs/no-such-job", "", "").wantError(t, http.StatusNotFound, "not_found", anyField)
}

func TestGuardOrigin(t *testing.T) {
	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{PublicNames: []string{"pforte.rathaus.test"}}, nil)
	self := "http://127.0.0.1:" + s.port
	tests := []struct {
		name    string
		host    string // "" for 127.0.0.1:PORT
		headers []string
		ok      bool
	}{
		{"no Origin (curl, scripts)", "", nil, true},
		{"own origin", "", []string{"Origin", self}, true},
		{"own origin, same-origin fetch", "", []string{"Origin", self, "Sec-Fetch-Site", "same-origin"}, true},
		{"own origin under a public name", "pforte.rathaus.test:" + s.port, []string{"Origin", "http://pforte.rathaus.test:" + s.port}, true},
		{"another site", "", []string{"Origin", "https://evil.example"}, false},
		{"another site, fetch metadata", "", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, false},
		{"cross-site without Origin", "", []string{"Sec-Fetch-Site", "cross-site"}, false},
		{"same-site, another port", "", []string{"Sec-Fetch-Site", "same-site"}, false},
		{"another port of this host", "", []string{"Origin", "http://127.0.0.1:1"}, false},
		{"another name of this server", "", []string{"Origin", "http://localhost:" + s.port}, false},
		{"https scheme on a plain server", "", []string{"Origin", "https://127.0.0.1:" + s.port}, false},
		{"opaque origin (sandboxed frame, data: URL)", "", []string{"Origin", "null"}, false},
		{"own origin but fetch metadata says cross-site", "", []string{"Origin", self, "Sec-Fetch-Site", "cross-site"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := append([]string{"Content-Type", "application/json"}, tt.headers...)
			res := s.send(t, http.MethodPost, "/api/visits", tt.host, mariaJSON, h...)
			if tt.ok {
				res.want(t, http.StatusCreated, nil)
			} else {
				res.wantError(t, http.StatusForbidden, "forbidden", "")
			}
		})
	}
	// Signing in is a state change too: a page elsewhere must not sign
	// the desk's browser in as someone else.
	signIn := `{"user":"demo","password":"demo"}`
	nobody := &guardedSite{site: s.as(t, ""), port: s.port, srv: s.srv}
	nobody.send(t, http.MethodPost, "/api/session", "", signIn, "Content-Type", "text/plain").
		wantError(t, http.StatusUnsupportedMediaType, "unsupported_media_type", "")
	nobody.send(t, http.MethodPost, "/api/session", "", signIn, "Content-Type", "application/json", "Origin", "https://evil.example").
		wantError(t, http.StatusForbidden, "forbidden", "")
	res := nobody.send(t, http.MethodPost, "/api/session", "", signIn, "Content-Type", "application/json", "Origin", self, "Sec-Fetch-Site", "same-origin")
	res.want(t, http.StatusOK, nil)
	if !strings.Contains(res.header.Get("Set-Cookie"), s.app.SessionCookieForTest()+"=") {
		t.Errorf("signed in from the own origin, but no session cookie: %v", res.header)
	}

	if got := len(s.mustVisits(t, "")); got != 4 {
		t.Errorf("%d visits registered, want 4 (the allowed requests only)", got)
	}
	// Reading is not refused: an <img> or a link from elsewhere gets
	// nothing a script of that page could read (no CORS).
	if res := s.send(t, http.MethodGet, "/api/health", "", "", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); res.status != http.StatusOK {
		t.Errorf("cross-site GET: status %d, want 200", res.status)
	}
}

func TestGuardSecurityHeaders(t *testing.T) {
	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{}, nil)
	for _, path := range []string{"/", "/index.html", "/api/health", "/api/no-such-thing", "/no-such-file.js"} {
		t.Run(path, func(t *testing.T) {
			h := s.send(t, http.MethodGet, path, "", "").header
			want := map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			csp := h.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'self'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, d)
				}
			}
			if strings.HasPrefix(path, "/api") && h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", h.Get("Cache-Control"))
			}
		})
	}
	// The refusals carry them too.
	h := s.send(t, http.MethodGet, "/", "evil.example:"+s.port, "").header
	if h.Get("Content-Security-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("421 answer without the security headers: %v", h)
	}
}

// openStreamFrom opens an event stream from the local address from
// (127.0.0.x: a client of its own) and returns the status, and for 200 a
// function that closes the stream.
func openStreamFrom(t *testing.T, s *guardedSite, from, path string) (status int, body string, close func()) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).DialContext,
	}}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+path, nil)
	for _, c := range s.auth.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open %s from %s: %v", path, from, err)
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		return res.StatusCode, string(b), func() {}
	}
	// The hello comment: the stream stands.
	if _, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil {
		t.Fatalf("stream from %s: %v", from, err)
	}
	closed := false
	close = func() {
		if !closed {
			closed = true
			cancel()
			res.Body.Close()
		}
	}
	t.Cleanup(close)
	return res.StatusCode, "", close
}

// TestGuardCapsStreams: a client may hold only so many event streams, and
// the server only so many in all; the one over gets 429.
func TestGuardCapsStreams(t *testing.T) {
	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{MaxStreamsPerClient: 2, MaxStreams: 3}, nil)
	visits, calls := "/api/visits/stream?building=rathaus-1", "/api/calls/stream?building=rathaus-1"

	_, _, closeA1 := openStreamFrom(t, s, "127.0.0.1", visits)
	openStreamFrom(t, s, "127.0.0.1", calls)
	status, body, _ := openStreamFrom(t, s, "127.0.0.1", visits)
	if status != http.StatusTooManyRequests || !strings.Contains(body, `"too_many_streams"`) {
		t.Fatalf("third stream of one client: %d %s, want 429 too_many_streams", status, body)
	}
	// Another client (127.0.0.2 is this machine too) gets one: the third in all.
	if status, body, _ := openStreamFrom(t, s, "127.0.0.2", calls); status != http.StatusOK {
		t.Fatalf("first stream of another client: %d %s, want 200", status, body)
	}
	if status, body, _ := openStreamFrom(t, s, "127.0.0.3", calls); status != http.StatusTooManyRequests {
		t.Fatalf("fourth stream in all: %d %s, want 429", status, body)
	}
	// Other requests are not capped.
	if res := s.send(t, http.MethodGet, "/api/health", "", ""); res.status != http.StatusOK {
		t.Errorf("health beside the streams: %d", res.status)
	}
	// A bad stream request is bad input, and takes no place.
	s.send(t, http.MethodGet, "/api/visits/stream?host=staff-nobody", "", "").wantError(t, http.StatusBadRequest, "invalid_field", "host")

	// A closed stream gives its place back (when the server notices).
	closeA1()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _, _ := openStreamFrom(t, s, "127.0.0.1", visits)
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stream place again 10 s after a stream closed: %d", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGuardStreamsOutliveTimeouts: the server's read and write timeouts end
// ordinary requests that take too long, but not an event stream.
func TestGuardStreamsOutliveTimeouts(t *testing.T) {
	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{}, func(srv *http.Server) {
		srv.ReadTimeout = 300 * time.Millisecond
		srv.WriteTimeout = 300 * time.Millisecond
	})
	next := sseLines(t, s.site, s.url+"/api/visits/stream?building=rathaus-1")
	time.Sleep(time.Second)
	v := s.mustRegister(t, mariaJSON)
	next("the visit, after the timeouts", 5*time.Second, func(l string) bool {
		return strings.HasPrefix(l, "data:") && strings.Contains(l, v.ID)
	})
}

func TestServerLimits(t *testing.T) {
	srv := app.Server(http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("timeouts: header %v, read %v, write %v, idle %v; want all set",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes %d, want set below the default 1 MiB", srv.MaxHeaderBytes)
	}

	s := openGuarded(t, "127.0.0.1:0", app.GuardOptions{}, func(srv *http.Server) {
		srv.ReadHeaderTimeout = 300 * time.Millisecond
	})
	// Oversized headers: 431.
	if res := s.send(t, http.MethodGet, "/api/health", "", "", "X-Padding", strings.Repeat("x", 200<<10)); res.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("200 KiB of headers: status %d, want 431", res.status)
	}
	// A client that sends its headers slowly is cut off.
	conn, err := net.Dial("tcp", "127.0.0.1:"+s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:"+s.port+"\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if n, err := conn.Read(make([]byte, 512)); err == nil && n > 0 {
		// net/http may answer 408 before closing; either ends it.
		if _, err := conn.Read(make([]byte, 512)); err == nil {
			t.Error("connection still open after the header timeout")
		}
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("the server kept a half-sent request open for 5 s")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cut off after %v, want about the header timeout", d)
	}
}
