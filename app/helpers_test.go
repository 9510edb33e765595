package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"pforte/app"
	"pforte/engine"
)

// wednesdayMorning is 09:14 in Berlin (CET, UTC+1) on an ordinary weekday.
var wednesdayMorning = time.Date(2026, 11, 18, 9, 14, 0, 0, engine.Berlin)

const today = "2026-11-18"

var demoBuildingIDs = []string{"buergerbuero", "propst-nuebel-strasse", "rathaus-1", "rathaus-2"}

// site is one running Pforte behind a real HTTP server.
type site struct {
	app   *app.App
	url   string
	clock *engine.FixedClock
	cfg   app.Config // as opened, for tests that join a site's cluster
	// client carries the session of whoever the test acts as ("demo",
	// every role, unless as says otherwise); no cookie jar: nobody.
	client *http.Client
	auth   *signedIn // nil: nobody signed in
}

// signedIn is the session a test site's requests carry. Tests move the
// clock by hours, past the idle lock and the end of a session: a request
// after the clock moved signs in again, as the person at the desk would.
type signedIn struct {
	user string
	at   time.Time
	jar  http.CookieJar
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openSite opens a site on dir with cfg's site and building, its clock
// standing at wednesdayMorning, and serves its API; both close when the
// test ends.
func openSite(t *testing.T, cfg app.Config, clock *engine.FixedClock) *site {
	t.Helper()
	cfg.Clock = clock
	a, err := app.Open(context.Background(), cfg, quietLogger())
	if err != nil {
		t.Fatalf("open site %s on %s: %v", cfg.Site, cfg.DataDir, err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { a.Close() })
	t.Cleanup(srv.Close) // runs first: no request is in flight when the app closes
	checkOpsAtEnd(t, a)  // runs before both
	return (&site{app: a, url: srv.URL, clock: clock, cfg: cfg}).as(t, "demo")
}

// as returns the site as seen by user signed in (a new session); "" is
// nobody signed in.
func (s *site) as(t *testing.T, user string) *site {
	t.Helper()
	c := *s
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c.client = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	c.auth = nil
	if user != "" {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		c.client.Jar = jar
		c.auth = &signedIn{user: user, jar: jar}
		c.signIn()
	}
	return &c
}

// signIn gives the site's client a fresh session when the clock moved.
func (s *site) signIn() {
	if s.auth == nil {
		return
	}
	now := time.Now()
	if s.clock != nil {
		now = s.clock.Now()
	}
	if !s.auth.at.IsZero() && now.Sub(s.auth.at).Abs() < time.Minute {
		return
	}
	s.auth.at = now
	u, _ := url.Parse(s.url)
	s.auth.jar.SetCookies(u, []*http.Cookie{{Name: s.app.SessionCookieForTest(), Value: s.app.SessionForTest(s.auth.user)}})
}

// openDemo opens a fresh demo site "test" standing in rathaus-1.
func openDemo(t *testing.T) *site {
	t.Helper()
	return openSite(t, demoConfig(t.TempDir()), engine.NewFixedClock(wednesdayMorning))
}

func demoConfig(dir string) app.Config {
	return app.Config{DataDir: dir, Site: "test", Building: "rathaus-1", Demo: true, Version: "1.2.3-test"}
}

// response is what a request got back.
type response struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

func (s *site) do(t *testing.T, method, path string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	s.signIn()
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), header: res.Header, body: b}
}

func (s *site) get(t *testing.T, path string) response {
	t.Helper()
	return s.do(t, http.MethodGet, path, nil)
}

func (s *site) post(t *testing.T, path, body string) response {
	t.Helper()
	return s.do(t, http.MethodPost, path, strings.NewReader(body))
}

// want checks status and a JSON content type and decodes the body into v
// (if not nil).
func (r response) want(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if mt, _, err := mime.ParseMediaType(r.contentType); err != nil || mt != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", r.contentType)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// apiError is the one error shape of the API.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"error"`
}

// anyField accepts whatever field an error answer names.
const anyField = "\x00any"

// wantError checks an error answer: status, code, field ("" for none,
// anyField for any) and a German message.
func (r response) wantError(t *testing.T, status int, code, field string) apiError {
	t.Helper()
	var e apiError
	r.want(t, status, &e)
	if e.Error.Code != code || (field != anyField && e.Error.Field != field) {
		t.Fatalf("error code %q field %q, want %q %q; body %s", e.Error.Code, e.Error.Field, code, field, r.body)
	}
	if !looksGerman(e.Error.Message) {
		t.Errorf("message %q does not read like German UI text", e.Error.Message)
	}
	return e
}

// looksGerman is a rough check that a message was written for people: a
// sentence, and not a Go or JSON error leaking through.
func looksGerman(msg string) bool {
	if msg == "" || !strings.ContainsAny(msg[len(msg)-1:], ".!?") {
		return false
	}
	for _, leak := range []string{"json:", "invalid_field", "not_found", "sql", "unexpected", "want ", "got "} {
		if strings.Contains(msg, leak) {
			return false
		}
	}
	return true
}

// visit is a visit as the API shows it.
type visit struct {
	ID            string `json:"id"`
	Building      string `json:"building"`
	Name          string `json:"name"`
	Phone         string `json:"phone"`
	Email         string `json:"email"`
	Address       string `json:"address"`
	Host          string `json:"host"`
	HostName      string `json:"host_name"`
	AppointmentID string `json:"appointment_id"`
	Reason        string `json:"reason"`
	ArrivedAt     string `json:"arrived_at"`
	PickedUpAt    string `json:"picked_up_at"`
	PickedUpBy    string `json:"picked_up_by"`
	LeftAt        string `json:"left_at"`
	Status        string `json:"status"`
}

const mariaJSON = `{"name":"Maria Schneider","phone":"02921 103-0","host":"staff-mueller","reason":"Rückfrage zum Bescheid"}`

// mustRegister registers a visitor through the API and returns the visit.
func (s *site) mustRegister(t *testing.T, body string) visit {
	t.Helper()
	var v visit
	s.post(t, "/api/visits", body).want(t, http.StatusCreated, &v)
	return v
}

func (s *site) mustVisits(t *testing.T, query string) []visit {
	t.Helper()
	var vs []visit
	s.get(t, "/api/visits"+query).want(t, http.StatusOK, &vs)
	return vs
}

func (s *site) mustPresent(t *testing.T, query string) []visit {
	t.Helper()
	var vs []visit
	s.get(t, "/api/visits/present"+query).want(t, http.StatusOK, &vs)
	return vs
}

func visitIDs(vs []visit) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// listings is everything the visit lists show, for every building.
func (s *site) listings(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, id := range demoBuildingIDs {
		b.Write(s.get(t, "/api/visits?building="+id+"&day="+today).body)
		b.Write(s.get(t, "/api/visits/present?building="+id).body)
	}
	return b.String()
}

func cookiejarNew() (http.CookieJar, error) { return cookiejar.New(nil) }
