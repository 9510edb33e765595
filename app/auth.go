package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// Sign-in, sessions, locks and devices: who is asking. What each of them
// may do is the route table's business (routes.go); nothing here decides a
// right.

const (
	// The cookies are named after the site (cookieName): browsers keep
	// cookies per host, not per port, and two sites on one machine (a
	// test cluster, a desk that opens two) must not take each other's.
	sessionCookie = "pforte_session"
	deviceCookie  = "pforte_device"
	// sessionMaxAge ends a session however busy it is: a working day.
	sessionMaxAge = 12 * time.Hour
	// deviceMaxAge: a paired kiosk keeps its credential until revoked;
	// the cookie only needs to outlive the hardware.
	deviceMaxAge = 5 * 365 * 24 * time.Hour
	// pairingValid: how long an unused pairing code works.
	pairingValid = 24 * time.Hour
	// backgroundHeader marks a request a timer made (polls, badges), not a
	// person: it does not keep a session from locking.
	backgroundHeader = "X-Pforte-Background"
)

// principal is who is asking: a person's session, or a paired device.
type principal struct {
	account engine.Account // ID "" for a device
	device  engine.Device  // ID "" for a person
	session *session       // nil for a device
}

func (p *principal) isDevice() bool { return p.device.ID != "" }

// author names who made a change: the account, or the device.
func (p *principal) author() string {
	if p.isDevice() {
		return "device:" + p.device.ID
	}
	return p.account.ID
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalOf returns who asked, or nil (an open route, nobody signed in).
func principalOf(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// author names who made a change: the person or device that asked, else
// (scheduled jobs, the site's own housekeeping) the site.
func (a *App) author(ctx context.Context) string {
	if p := principalOf(ctx); p != nil {
		return p.author()
	}
	return a.cfg.Site
}

// session is one person signed in at one browser or window. Sessions live
// in memory: a restart signs everybody out, and nothing about them is on
// disk or replicated.
type session struct {
	key      string // the SHA-256 of the cookie value
	user     string
	started  time.Time
	lastSeen atomic.Int64 // Unix ms of the person's last request
	locked   atomic.Bool
}

type sessionTable struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessionTable() *sessionTable { return &sessionTable{m: map[string]*session{}} }

func (t *sessionTable) create(user string, now time.Time) (string, *session) {
	token := randomToken(32)
	s := &session{key: store.HashSecret(token), user: user, started: now}
	s.lastSeen.Store(now.UnixMilli())
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, old := range t.m { // the table never grows with dead sessions
		if now.Sub(old.started) > sessionMaxAge {
			delete(t.m, k)
		}
	}
	t.m[s.key] = s
	return token, s
}

// get returns the live session of a cookie value, or nil.
func (t *sessionTable) get(token string, now time.Time) *session {
	if token == "" {
		return nil
	}
	key := store.HashSecret(token)
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m[key]
	if s != nil && now.Sub(s.started) > sessionMaxAge {
		delete(t.m, key)
		return nil
	}
	return s
}

func (t *sessionTable) drop(s *session) {
	t.mu.Lock()
	delete(t.m, s.key)
	t.mu.Unlock()
}

// randomToken returns n random bytes, base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// codeAlphabet: what a person reads off one screen and types into
// another: no 0/O, 1/I/L.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newCode returns a code like K7Q2-M9XD (8 of 31 symbols, 39 bits; the
// throttle makes guessing it hopeless).
func newCode() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	out := make([]byte, 0, 9)
	for i, x := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return string(out)
}

// normalizeCode reads a typed code: case, spaces and dashes do not matter.
func normalizeCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
	if len(s) == 8 {
		s = s[:4] + "-" + s[4:]
	}
	return s
}

// throttle slows down guessing: after free failures for a key, every
// further one blocks the key for base·2^k, at most max. A success clears
// the key; a key without failures for an hour is forgotten.
type throttle struct {
	mu        sync.Mutex
	m         map[string]*strikes
	free      int
	base, max time.Duration
}

type strikes struct {
	n     int
	until time.Time
	last  time.Time
}

func newThrottle(free int, base, max time.Duration) *throttle {
	return &throttle{m: map[string]*strikes{}, free: free, base: base, max: max}
}

// wait returns how long key must wait before its next attempt (0: now).
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.m[key]; s != nil && now.Before(s.until) {
		return s.until.Sub(now)
	}
	return 0
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) > 10_000 {
		for k, s := range t.m {
			if now.Sub(s.last) > time.Hour {
				delete(t.m, k)
			}
		}
	}
	s := t.m[key]
	if s == nil || now.Sub(s.last) > time.Hour {
		s = &strikes{}
		t.m[key] = s
	}
	s.n++
	s.last = now
	if over := s.n - t.free + 1; over > 0 {
		d := t.max
		if over < 20 {
			d = min(t.base<<(over-1), t.max)
		}
		s.until = now.Add(d)
	}
}

func (t *throttle) ok(key string) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}

// tooMany answers 429 with Retry-After.
func (a *App) tooMany(w http.ResponseWriter, r *http.Request, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())+1))
	a.fail(w, r, &engine.Error{Code: engine.CodeTooMany, Detail: "too many failed attempts"})
}

// clientAddr is the address a request came from, for the throttles: the
// desktop window (in-process) has none.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || host == "" {
		return "local"
	}
	return host
}

// identify finds who a request comes from: a session cookie (a person) or
// a device cookie (a kiosk or monitor). A disabled account, an unknown or
// revoked device and an expired session are nobody.
func (a *App) identify(r *http.Request) *principal {
	now := a.clock.Now()
	if c, err := r.Cookie(a.cookieName(sessionCookie)); err == nil {
		if s := a.sessions.get(c.Value, now); s != nil {
			if acc, ok := a.store.Principals().Accounts[s.user]; ok && !acc.Disabled {
				return &principal{account: acc, session: s}
			}
		}
	}
	if c, err := r.Cookie(a.cookieName(deviceCookie)); err == nil && c.Value != "" {
		if d, ok := a.store.Principals().DeviceByCredential(store.HashSecret(c.Value)); ok {
			return &principal{device: d}
		}
	}
	return nil
}

// idleLock is how long the site's desks stay open without their person.
func (a *App) idleLock() time.Duration {
	if b, ok := a.store.Catalog().Buildings[a.building.ID]; ok {
		return b.IdleLock()
	}
	return engine.Building{}.IdleLock()
}

// touch records a person's request; a session idle for longer than the
// idle lock is locked first. It reports whether the session is locked.
func (a *App) touch(s *session, r *http.Request) bool {
	now := a.clock.Now()
	if now.Sub(time.UnixMilli(s.lastSeen.Load())) > a.idleLock() {
		s.locked.Store(true)
	}
	if s.locked.Load() {
		return true
	}
	if r.Header.Get(backgroundHeader) == "" {
		s.lastSeen.Store(now.UnixMilli())
	}
	return false
}

// cookieName is a cookie's name at this site: "pforte_session_rathaus-1".
func (a *App) cookieName(base string) string {
	name := []byte(base + "_")
	for _, c := range []byte(a.cfg.Site) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' {
			name = append(name, c)
		} else {
			name = append(name, '_')
		}
	}
	return string(name)
}

func (a *App) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil}
	switch {
	case value == "":
		c.MaxAge = -1
	case maxAge > 0:
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

// sessionView is the answer of the session routes.
type sessionView struct {
	User            *userView   `json:"user,omitempty"`
	Device          *deviceView `json:"device,omitempty"`
	Locked          bool        `json:"locked"`
	IdleLockMinutes int         `json:"idle_lock_minutes,omitempty"`
}

type userView struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	Buildings []string `json:"buildings"`
	HasPIN    bool     `json:"has_pin"`
}

func (a *App) sessionJSON(p *principal) sessionView {
	if p.isDevice() {
		return sessionView{Device: &deviceView{ID: p.device.ID, Name: p.device.Name, Kind: p.device.Kind, Building: p.device.Building}}
	}
	acc := p.account
	return sessionView{
		User:            &userView{ID: acc.ID, Name: acc.Name, Roles: nonNil(acc.Roles), Buildings: nonNil(acc.Buildings), HasPIN: acc.PINHash != ""},
		Locked:          p.session.locked.Load(),
		IdleLockMinutes: int(a.idleLock() / time.Minute),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// dummyHash is verified against when the user name is unknown, so that a
// wrong user name takes as long as a wrong password.
// (engine.HashPasswordWithSalt("pforte-no-such-user", "pforte-dummy-salt"),
// kept as its result so that no start pays for it.)
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=4$cGZvcnRlLWR1bW15LXNhbHQ$xxyr26DvtMlKrh/He478Q65w9QgSy8gCcLNNw1zfKyQ"

// signIn serves POST /api/session.
func (a *App) signIn(w http.ResponseWriter, r *http.Request) {
	var body struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.clock.Now()
	user := engine.NormalizeUser(body.User)
	ip := clientAddr(r)
	if d := max(a.signIns.wait(ip+"|"+user, now), a.signInsByAddr.wait(ip, now)); d > 0 {
		a.tooMany(w, r, d)
		return
	}
	acc, known := a.store.Principals().Accounts[user]
	hash := dummyHash
	if known {
		hash = acc.PasswordHash
	}
	good := engine.VerifyPassword(hash, body.Password) && known && !acc.Disabled && len(body.Password) > 0
	if !good {
		a.signIns.fail(ip+"|"+user, now)
		a.signInsByAddr.fail(ip, now)
		who := "(unbekannt)" // what was typed may be a password: recorded only when it names an account
		if known {
			who = user
		}
		a.audit(r, engine.AuditEntry{User: who, Action: engine.AuditSignInFailed, Route: "POST /api/session"})
		a.fail(w, r, &engine.Error{Code: engine.CodeUnauthenticated, Detail: "wrong user or password"})
		return
	}
	a.signIns.ok(ip + "|" + user)
	a.startSession(w, r, acc, engine.AuditSignIn)
}

// startSession signs acc in: a new session replaces the request's old one
// (switching person at a shared desk is one sign-in).
func (a *App) startSession(w http.ResponseWriter, r *http.Request, acc engine.Account, action string) {
	if c, err := r.Cookie(a.cookieName(sessionCookie)); err == nil {
		if old := a.sessions.get(c.Value, a.clock.Now()); old != nil {
			a.sessions.drop(old)
		}
	}
	token, s := a.sessions.create(acc.ID, a.clock.Now())
	p := &principal{account: acc, session: s}
	if err := a.audit(r.WithContext(withPrincipal(r.Context(), p)), engine.AuditEntry{Action: action, Route: r.Method + " " + r.URL.Path}); err != nil {
		a.sessions.drop(s)
		a.fail(w, r, err)
		return
	}
	a.setCookie(w, r, a.cookieName(sessionCookie), token, 0)
	writeJSON(w, http.StatusOK, a.sessionJSON(p))
}

// currentSession serves GET /api/session: who is signed in here, locked or
// not, or which device this is.
func (a *App) currentSession(w http.ResponseWriter, r *http.Request) {
	p := a.identify(r)
	if p == nil {
		a.fail(w, r, &engine.Error{Code: engine.CodeUnauthenticated, Detail: "nobody signed in"})
		return
	}
	if p.session != nil {
		a.touch(p.session, r)
	}
	writeJSON(w, http.StatusOK, a.sessionJSON(p))
}

// signOut serves DELETE /api/session.
func (a *App) signOut(w http.ResponseWriter, r *http.Request) {
	if p := a.identify(r); p != nil && p.session != nil {
		a.sessions.drop(p.session)
	}
	a.setCookie(w, r, a.cookieName(sessionCookie), "", 0)
	w.WriteHeader(http.StatusNoContent)
}

// lock serves POST /api/session/lock: the desk shows nothing until its
// person unlocks it.
func (a *App) lock(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	p.session.locked.Store(true)
	writeJSON(w, http.StatusOK, a.sessionJSON(p))
}

// unlock serves POST /api/session/unlock {"password"} or {"pin"}.
func (a *App) unlock(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Password string `json:"password"`
		PIN      string `json:"pin"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	p := principalOf(r.Context())
	now := a.clock.Now()
	key := p.session.key
	if d := a.unlocks.wait(key, now); d > 0 {
		a.tooMany(w, r, d)
		return
	}
	var good bool
	switch {
	case body.PIN != "" && p.account.PINHash != "":
		good = engine.VerifyPassword(p.account.PINHash, body.PIN)
	case body.Password != "":
		good = engine.VerifyPassword(p.account.PasswordHash, body.Password)
	}
	if !good {
		a.unlocks.fail(key, now)
		a.audit(r, engine.AuditEntry{Action: engine.AuditUnlockFailed, Route: "POST /api/session/unlock"})
		a.fail(w, r, &engine.Error{Code: engine.CodeUnauthenticated, Field: "unlock", Detail: "wrong password or PIN"})
		return
	}
	a.unlocks.ok(key)
	p.session.lastSeen.Store(now.UnixMilli())
	p.session.locked.Store(false)
	writeJSON(w, http.StatusOK, a.sessionJSON(p))
}

// setPIN serves PUT /api/session/pin {"pin"}: the signed-in person's PIN
// for unlocking ("" removes it).
func (a *App) setPIN(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PIN string `json:"pin"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	hash := ""
	if body.PIN != "" {
		if err := engine.CheckPIN("pin", body.PIN); err != nil {
			a.fail(w, r, err)
			return
		}
		var err error
		if hash, err = engine.HashPassword(body.PIN); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	p := principalOf(r.Context())
	if err := a.store.SetPIN(r.Context(), p.author(), p.account.ID, hash); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// setupState serves GET /api/setup: whether the first admin is still to
// be created (then the setup page asks for the code from the console).
func (a *App) setupState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"required": len(a.store.Principals().Accounts) == 0})
}

// setup serves POST /api/setup {"code","user","name","password"}: the
// one-time code printed at the first start creates the first admin.
func (a *App) setup(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Code     string `json:"code"`
		User     string `json:"user"`
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.clock.Now()
	ip := clientAddr(r)
	if d := a.signInsByAddr.wait(ip, now); d > 0 {
		a.tooMany(w, r, d)
		return
	}
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	if len(a.store.Principals().Accounts) > 0 || a.setupCode == "" {
		a.fail(w, r, engine.Conflict("", "set up already"))
		return
	}
	if subtle.ConstantTimeCompare([]byte(normalizeCode(body.Code)), []byte(a.setupCode)) != 1 {
		a.signInsByAddr.fail(ip, now)
		a.fail(w, r, &engine.Error{Code: engine.CodeForbidden, Field: "code", Detail: "wrong setup code"})
		return
	}
	if err := engine.CheckPassword("password", body.Password); err != nil {
		a.fail(w, r, err)
		return
	}
	hash, err := engine.HashPassword(body.Password)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	acc, err := a.store.CreateFirstAdmin(r.Context(), engine.AccountSpec{User: body.User, Name: body.Name}, hash)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.setupCode = ""
	a.log.Info("first admin created with the setup code", "user", acc.ID)
	a.startSession(w, r, acc, engine.AuditSetup)
}

// SetupCode returns the one-time code that creates the first admin, or ""
// when accounts exist (or arrived from another site).
func (a *App) SetupCode() string {
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	if len(a.store.Principals().Accounts) > 0 {
		return ""
	}
	return a.setupCode
}
