package app

import (
	"context"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// The guard is what stands between the LAN and the handler of `pforte
// serve`: browsers on other machines reach Pforte, and so do the pages
// they have open on other sites. It answers, before the API sees a request:
//
//   - 421 misdirected_request when the Host header names another server:
//     a page of evil.example whose name an attacker re-pointed at this
//     machine (DNS rebinding) is then still not this server's origin;
//   - 403 forbidden when a state-changing request comes from another origin
//     (Origin, Sec-Fetch-Site);
//   - 415 unsupported_media_type when a state-changing request is not JSON:
//     an HTML form can post text/plain, urlencoded or multipart to any
//     server without asking, JSON only with the server's consent (CORS),
//     which Pforte never gives.
//
// It sets the browser's security headers on every answer and caps the
// event streams (openStream). The desktop window does not go through it:
// Wails hands requests to the handler in-process, with no socket and no
// other origin.
//
// The request the handler sees is the one the server read, so r.TLS is
// set exactly when it came over TLS: the session cookie's Secure flag
// follows r.TLS != nil.

// GuardOptions configure Guard. Only Listen is required.
type GuardOptions struct {
	// Listen is the address the server listens on, as bound
	// (listener.Addr().String(), the real port after :0). A Host header
	// must name it: its host, or for a wildcard address (0.0.0.0, ::)
	// the loopback names, the machine's addresses and its host name; and
	// its port (a Host without one means the scheme's default port).
	Listen string
	// PublicNames are further names the server is reached by (DNS names
	// of the machine, a name on the town's CA certificate), with the
	// listen port; one given with a port ("pforte.rathaus.local:443",
	// behind a port forward) with that port too.
	PublicNames []string
	// MaxStreamsPerClient and MaxStreams cap the open event streams
	// (/api/visits/stream, /api/calls/stream) per client address and in
	// all; the stream over either gets 429. Zero: 16 and 256.
	MaxStreamsPerClient, MaxStreams int
	// StreamWriteTimeout is how long one write to an event stream may
	// block before the stream is dropped (a client that stopped reading).
	// The server's WriteTimeout does not apply to streams. Zero: 1 minute;
	// streams send a keepalive every 15 s, so a live one never hits it.
	StreamWriteTimeout time.Duration
}

// Default stream limits. A desk has a handful of screens open, each with
// at most two streams; a browser over HTTP/1.1 opens no more than six
// connections to a server anyway.
const (
	defaultMaxStreamsPerClient = 16
	defaultMaxStreams          = 256
	defaultStreamWriteTimeout  = time.Minute
)

// ContentSecurityPolicy is the policy every answer of the headless server
// carries. The UI is one bundle of scripts and one style sheet from this
// origin, it talks to /api only and opens PDFs in a new tab (Chromium's
// PDF viewer works under this policy); nothing of it may run in a frame,
// nor frame anything. No inline styles either: Svelte sets its dynamic
// styles through the CSSOM (element.style), which the policy does not
// govern, so a style="…" written into a component's markup is refused;
// use a class. (Checked in headless Chromium on every screen: no
// violations.)
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// Guard wraps h, the headless server's whole handler (WithFrontend), in
// the checks described above. It panics on a Listen address it cannot
// read: that is a programming error in main, not input.
func Guard(h http.Handler, opts GuardOptions) http.Handler {
	g, err := newGuard(opts)
	if err != nil {
		panic("app.Guard: " + err.Error())
	}
	g.next = h
	return g
}

type guard struct {
	next http.Handler
	// names are the hosts (normalized, see normHost) a Host header may
	// name with the listen port; named the hosts with their own ports
	// ("host:port", from PublicNames).
	names    map[string]bool
	named    map[string]bool
	port     string
	wildcard bool
	streams  *streamGate
	// interfaceAddrs lists the machine's addresses; on a wildcard listen
	// address a Host that is an address not known at start is looked up
	// afresh (a lease renewed, a cable plugged in).
	interfaceAddrs func() ([]net.Addr, error)
	streamWrite    time.Duration
}

func newGuard(opts GuardOptions) (*guard, error) {
	host, port, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return nil, err
	}
	g := &guard{
		names: map[string]bool{}, named: map[string]bool{}, port: port,
		interfaceAddrs: net.InterfaceAddrs,
		streams:        newStreamGate(opts.MaxStreamsPerClient, opts.MaxStreams),
		streamWrite:    opts.StreamWriteTimeout,
	}
	if g.streamWrite <= 0 {
		g.streamWrite = defaultStreamWriteTimeout
	}
	names, wildcard := serverNames(host, opts.PublicNames)
	g.wildcard = wildcard
	for _, n := range names {
		g.names[n] = true
	}
	for _, n := range opts.PublicNames {
		for _, n := range splitNames(n) {
			if h, p, err := net.SplitHostPort(n); err == nil {
				g.named[net.JoinHostPort(normHost(h), p)] = true
			}
		}
	}
	return g, nil
}

// serverNames are the names this server goes by when it listens on host,
// normalized: the host itself, or for a wildcard host the loopback names,
// the machine's addresses and its host name; a loopback host also goes by
// the other loopback names; and the public names (without their ports).
// The Host check accepts them, and the self-signed certificate names them.
func serverNames(host string, public []string) (names []string, wildcard bool) {
	add := func(n string) {
		if n = normHost(n); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	ip, ipErr := netip.ParseAddr(host)
	wildcard = host == "" || (ipErr == nil && ip.IsUnspecified())
	switch {
	case wildcard:
		for _, n := range loopbackNames {
			add(n)
		}
		for _, ip := range machineAddrs(net.InterfaceAddrs) {
			add(ip)
		}
		if h, err := os.Hostname(); err == nil {
			add(h)
		}
	case IsLoopback(host):
		add(host)
		for _, n := range loopbackNames {
			add(n)
		}
	default:
		add(host)
	}
	for _, p := range public {
		for _, n := range splitNames(p) {
			if h, _, err := net.SplitHostPort(n); err == nil {
				n = h
			}
			add(n)
		}
	}
	return names, wildcard
}

var loopbackNames = []string{"127.0.0.1", "localhost", "::1"}

// IsLoopback reports whether a listen host reaches only this machine:
// localhost, 127.0.0.0/8 and ::1. Everything else, the wildcard addresses
// included, is the LAN.
func IsLoopback(host string) bool {
	if normHost(host) == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.Unmap().IsLoopback()
}

// machineAddrs are the machine's interface addresses, normalized; link-local
// IPv6 addresses are left out (a browser cannot name them without a zone).
func machineAddrs(list func() ([]net.Addr, error)) []string {
	addrs, err := list()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok || (ip.Unmap().Is6() && ip.IsLinkLocalUnicast()) {
			continue
		}
		out = append(out, ip.Unmap().String())
	}
	return out
}

// splitNames reads one --public-name value: a name or a comma list.
func splitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// normHost makes host names comparable: lower case, without brackets and
// a trailing dot, addresses in their canonical form ("::1", not
// "0:0:0:0:0:0:0:1"; "127.0.0.1", not "::ffff:127.0.0.1").
func normHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().String()
	}
	return h
}

// guardKey carries a *guarded in the request context, for openStream.
type guardKey struct{}

type guarded struct {
	g      *guard
	client string
	rc     *http.ResponseController
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")

	if !g.hostAllowed(r) {
		writeJSON(w, http.StatusMisdirectedRequest, errorBody(codeMisdirected, "", msgMisdirected))
		return
	}
	if stateChanging(r.Method) {
		if !g.sameOrigin(r) {
			writeJSON(w, http.StatusForbidden, errorBody(codeForbidden, "", msgCrossOrigin))
			return
		}
		if !isJSON(r) {
			writeJSON(w, http.StatusUnsupportedMediaType, errorBody(codeUnsupportedMedia, "", msgNotJSON))
			return
		}
	}
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	ctx := context.WithValue(r.Context(), guardKey{}, &guarded{g: g, client: client, rc: http.NewResponseController(w)})
	g.next.ServeHTTP(w, r.WithContext(ctx))
}

// Error codes and German messages of the guard.
const (
	codeMisdirected      = "misdirected_request"
	codeForbidden        = "forbidden"
	codeUnsupportedMedia = "unsupported_media_type"
	codeTooManyStreams   = "too_many_streams"

	msgMisdirected = "Diese Adresse gehört nicht zu diesem Pforte-Server. Bitte die Adresse verwenden, unter der Pforte eingerichtet ist."
	msgCrossOrigin = "Anfragen von anderen Webseiten werden abgelehnt."
	msgNotJSON     = "Die Anfrage muss JSON senden (Content-Type: application/json)."
	msgTooMany     = "Zu viele offene Live-Verbindungen. Bitte nicht benötigte Fenster schließen."
)

// stateChanging: every method but the safe ones, unknown methods too.
func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func (g *guard) hostAllowed(r *http.Request) bool {
	if r.Host == "" {
		return false
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		// No port: the scheme's default.
		host, port = r.Host, "80"
		if r.TLS != nil {
			port = "443"
		}
	}
	host = normHost(host)
	if g.named[net.JoinHostPort(host, port)] {
		return true
	}
	if port != g.port {
		return false
	}
	if g.names[host] {
		return true
	}
	if g.wildcard {
		if _, err := netip.ParseAddr(host); err == nil {
			return slices.Contains(machineAddrs(g.interfaceAddrs), host)
		}
	}
	return false
}

// sameOrigin: a browser names the page's origin in Origin and tells in
// Sec-Fetch-Site how it relates to the target. Where it says either, it
// must be this server (the Host is checked already, so this server's
// origin is the scheme and the Host). Tools that send neither (curl,
// tests) pass: they are not a victim's browser.
func (g *guard) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default: // cross-site, same-site (another port or subdomain)
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	host, ok := strings.CutPrefix(strings.ToLower(origin), scheme)
	return ok && sameHostPort(host, r.Host, r.TLS != nil)
}

// sameHostPort compares two host[:port] with the default port filled in.
func sameHostPort(a, b string, tls bool) bool {
	norm := func(s string) string {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			h, p = s, "80"
			if tls {
				p = "443"
			}
		}
		return net.JoinHostPort(normHost(h), p)
	}
	return norm(a) == norm(b)
}

// isJSON: the body is declared application/json. A DELETE without a body
// may leave it out (the UI sends none): a browser never sends a DELETE
// to another origin without asking first (CORS preflight), and Pforte
// never says yes. A POST without a body may not: that one a page of any
// origin can send unasked.
func isJSON(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.Method == http.MethodDelete && r.ContentLength == 0
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// streamGate counts the open event streams.
type streamGate struct {
	mu           sync.Mutex
	perClient    map[string]int
	total        int
	maxPerClient int
	maxTotal     int
}

func newStreamGate(perClient, total int) *streamGate {
	if perClient <= 0 {
		perClient = defaultMaxStreamsPerClient
	}
	if total <= 0 {
		total = defaultMaxStreams
	}
	return &streamGate{perClient: map[string]int{}, maxPerClient: perClient, maxTotal: total}
}

func (s *streamGate) enter(client string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= s.maxTotal || s.perClient[client] >= s.maxPerClient {
		return false
	}
	s.total++
	s.perClient[client]++
	return true
}

func (s *streamGate) leave(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.perClient[client]--; s.perClient[client] <= 0 {
		delete(s.perClient, client)
	}
}

// openStream is called by an event-stream handler before it streams. Behind
// the guard it takes one of the client's stream places, or answers 429
// and returns ok false; it lifts the server's read and write timeouts for
// the connection, which would end every stream after a minute, and
// returns the writer to stream to: each flush gives the next write
// StreamWriteTimeout, so a client that stops reading is dropped. Without
// the guard (the desktop window, tests of the handler) it changes nothing.
// close gives the place back.
func openStream(w http.ResponseWriter, r *http.Request) (sw http.ResponseWriter, close func(), ok bool) {
	gr, _ := r.Context().Value(guardKey{}).(*guarded)
	if gr == nil {
		return w, func() {}, true
	}
	if !gr.g.streams.enter(gr.client) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusTooManyRequests, errorBody(codeTooManyStreams, "", msgTooMany))
		return w, nil, false
	}
	// Not every connection can (an HTTP/2 one over h2c, a test's
	// recorder): then the server's timeouts stay, and the stream is
	// reconnected by the browser when they end it.
	gr.rc.SetReadDeadline(time.Time{})
	s := &streamWriter{ResponseWriter: w, rc: gr.rc, timeout: gr.g.streamWrite}
	s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	return s, func() { gr.g.streams.leave(gr.client) }, true
}

// streamWriter gives every flush of an event stream a fresh write deadline.
type streamWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (s *streamWriter) Flush() {
	s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Server returns the headless server for h (Guard around WithFrontend)
// with Pforte's limits: a client has 10 s for the request headers (64 KiB
// at most) and 30 s for the whole request, an answer 60 s, and an idle
// keep-alive connection is closed after 2 minutes. Request bodies are
// capped at 64 KiB where they are read (decode). Event streams are exempt
// from the read and write timeouts (openStream).
func Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
