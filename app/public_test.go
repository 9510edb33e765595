package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/frontend"
)

// citizen is someone on the public listener: no session, no cookie, only
// what the page and the mail give.
type citizen struct {
	url    string
	client *http.Client
}

// openPublic serves s's citizens' listener.
func openPublic(t *testing.T, s *site) *citizen {
	t.Helper()
	srv := httptest.NewServer(s.app.PublicHandler(frontend.Assets()))
	t.Cleanup(srv.Close)
	return &citizen{url: srv.URL, client: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *citizen) do(t *testing.T, method, path, contentType, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), header: res.Header, body: b}
}

func (c *citizen) get(t *testing.T, path string) response { return c.do(t, "GET", path, "", "") }
func (c *citizen) post(t *testing.T, path, body string) response {
	return c.do(t, "POST", path, "application/json", body)
}

// solve does the proof of work the widget does in the browser.
func (c *citizen) solve(t *testing.T) string {
	t.Helper()
	var ch struct {
		Algorithm, Challenge, Salt, Signature string
		MaxNumber                             int64 `json:"maxnumber"`
	}
	c.get(t, "/api/public/challenge").want(t, http.StatusOK, &ch)
	if ch.Algorithm != "SHA-256" || ch.MaxNumber <= 0 || ch.Signature == "" || !strings.Contains(ch.Salt, "?expires=") {
		t.Fatalf("challenge %+v is not ALTCHA's format", ch)
	}
	for n := int64(0); n <= ch.MaxNumber; n++ {
		h := sha256.Sum256([]byte(ch.Salt + strconv.FormatInt(n, 10)))
		if hex.EncodeToString(h[:]) == ch.Challenge {
			p, _ := json.Marshal(map[string]any{"algorithm": ch.Algorithm, "challenge": ch.Challenge, "number": n,
				"salt": ch.Salt, "signature": ch.Signature})
			return base64.StdEncoding.EncodeToString(p)
		}
	}
	t.Fatalf("no solution up to %d", ch.MaxNumber)
	return ""
}

type publicSlot struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	DayTicket bool   `json:"day_ticket"`
}

func (c *citizen) slots(t *testing.T, query string) []publicSlot {
	t.Helper()
	var ss []publicSlot
	c.get(t, "/api/public/slots?"+query).want(t, http.StatusOK, &ss)
	return ss
}

type publicBooking struct {
	Status    string `json:"status"`
	Code      string `json:"code"`
	Start     string `json:"start"`
	ExpiresAt string `json:"expires_at"`
	Building  struct {
		Name, Entrance string
	} `json:"building"`
	Services []struct {
		Name      string   `json:"name"`
		Documents []string `json:"documents"`
	} `json:"services"`
}

func bookingBody(start, email, altcha string) string {
	return fmt.Sprintf(`{"building":"buergerbuero","services":["personalausweis","meldebescheinigung"],"start":%q,
		"citizen":{"name":"Erika Mustermann","birth_date":"1964-08-12","email":%q},"privacy_accepted":true,"altcha":%q}`,
		start, email, altcha)
}

// bookOnline books the earliest slot of the week after today as a citizen
// and returns the slot and the booking's id at the staff desk.
func bookOnline(t *testing.T, s *site, c *citizen, email string) (publicSlot, string) {
	t.Helper()
	ss := c.slots(t, "building=buergerbuero&services=personalausweis,meldebescheinigung&from=2026-11-23&days=5")
	if len(ss) == 0 {
		t.Fatal("no free slot next week")
	}
	var got struct {
		Status    string `json:"status"`
		ExpiresAt string `json:"expires_at"`
	}
	c.post(t, "/api/public/bookings", bookingBody(ss[0].Start, email, c.solve(t))).want(t, http.StatusAccepted, &got)
	if got.Status != engine.ApptPreconfirmed || got.ExpiresAt == "" {
		t.Fatalf("booking answered %+v, want preconfirmed with expires_at", got)
	}
	return ss[0], staffAppointmentAt(t, s, ss[0].Start).ID
}

// staffAppointmentAt is what the desk shows at start (the day view).
func staffAppointmentAt(t *testing.T, s *site, start string) appointmentJSONForTest {
	t.Helper()
	var as []appointmentJSONForTest
	s.get(t, "/api/appointments?building=buergerbuero&day="+start[:10]).want(t, http.StatusOK, &as)
	for _, a := range as {
		if a.Start == start && a.Channel == engine.ChannelOnline && a.Status != engine.ApptCancelled {
			return a
		}
	}
	t.Fatalf("no online appointment at %s in the day view: %+v", start, as)
	return appointmentJSONForTest{}
}

type appointmentJSONForTest struct {
	ID, Code, Start, Status, Channel, ExpiresAt string
	Citizen                                     struct{ Name, Email string }
}

func (a *appointmentJSONForTest) UnmarshalJSON(b []byte) error {
	var v struct {
		ID        string `json:"id"`
		Code      string `json:"code"`
		Start     string `json:"start"`
		Status    string `json:"status"`
		Channel   string `json:"channel"`
		ExpiresAt string `json:"expires_at"`
		Citizen   struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"citizen"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	a.ID, a.Code, a.Start, a.Status, a.Channel, a.ExpiresAt = v.ID, v.Code, v.Start, v.Status, v.Channel, v.ExpiresAt
	a.Citizen.Name, a.Citizen.Email = v.Citizen.Name, v.Citizen.Email
	return nil
}

func publicOffered(ss []publicSlot, start string) bool {
	for _, s := range ss {
		if s.Start == start {
			return true
		}
	}
	return false
}

func TestCitizenBooksConfirmsAndCancels(t *testing.T) {
	s := openDemo(t)
	c := openPublic(t, s)
	week := "building=buergerbuero&services=personalausweis,meldebescheinigung&from=2026-11-23&days=5"

	var bs []struct {
		ID            string `json:"id"`
		PrivacyNotice string `json:"privacy_notice"`
		DayTickets    bool   `json:"day_tickets"`
	}
	c.get(t, "/api/public/buildings").want(t, http.StatusOK, &bs)
	if len(bs) == 0 || bs[0].PrivacyNotice == "" {
		t.Fatalf("buildings %+v: want each with its privacy notice", bs)
	}

	slot, id := bookOnline(t, s, c, "erika@example.org")
	desk := staffAppointmentAt(t, s, slot.Start)
	if desk.Status != engine.ApptPreconfirmed || desk.ExpiresAt == "" {
		t.Errorf("the desk sees %+v, want preconfirmed with its expiry", desk)
	}
	if publicOffered(c.slots(t, week), slot.Start) {
		// The counters of the Bürger Büro serve both services: the slot
		// may stay offered at another counter, but not at every one.
		t.Logf("slot %s still offered at another counter", slot.Start)
	}
	token, err := s.app.LinkTokenForTest(context.Background(), id)
	if err != nil || len(token) < 22 {
		t.Fatalf("link token %q (%v): want 128 random bits", token, err)
	}

	var got publicBooking
	c.get(t, "/api/public/bookings/"+token).want(t, http.StatusOK, &got)
	if got.Status != engine.ApptPreconfirmed || got.Building.Entrance == "" || len(got.Services) != 2 ||
		len(got.Services[0].Documents) == 0 {
		t.Errorf("the link shows %+v: want preconfirmed, entrance, both services and their documents", got)
	}
	if strings.Contains(string(c.get(t, "/api/public/bookings/"+token).body), "Mustermann") {
		t.Error("the link's page shows the citizen's name: a forwarded link must not")
	}

	c.post(t, "/api/public/bookings/"+token+"/confirm", "{}").want(t, http.StatusOK, &got)
	if got.Status != engine.ApptBooked {
		t.Fatalf("after confirm: %q, want booked", got.Status)
	}
	if st := staffAppointmentAt(t, s, slot.Start).Status; st != engine.ApptBooked {
		t.Errorf("the desk sees %q after the confirm, want booked", st)
	}
	// A second click on the link (or a mail scanner's) is no error.
	c.post(t, "/api/public/bookings/"+token+"/confirm", "{}").want(t, http.StatusOK, &got)

	free := len(c.slots(t, week))
	c.post(t, "/api/public/bookings/"+token+"/cancel", "{}").want(t, http.StatusOK, &got)
	if got.Status != engine.ApptCancelled {
		t.Fatalf("after cancel: %q, want cancelled", got.Status)
	}
	if after := c.slots(t, week); !publicOffered(after, slot.Start) || len(after) <= free-1 {
		t.Errorf("slot %s not free again after the cancel", slot.Start)
	}
	c.post(t, "/api/public/bookings/"+token+"/confirm", "{}").wantError(t, http.StatusConflict, "appointment_cancelled", anyField)
}

func TestUnconfirmedBookingExpires(t *testing.T) {
	s := openDemo(t)
	c := openPublic(t, s)
	slot, id := bookOnline(t, s, c, "max@example.org")
	token, _ := s.app.LinkTokenForTest(context.Background(), id)

	s.clock.Add(29 * time.Minute)
	s.app.ExpireForTest(context.Background())
	if st := staffAppointmentAt(t, s, slot.Start).Status; st != engine.ApptPreconfirmed {
		t.Fatalf("after 29 minutes: %q, want still preconfirmed", st)
	}
	s.clock.Add(time.Minute)
	s.app.ExpireForTest(context.Background())
	var as []appointmentJSONForTest
	s.get(t, "/api/appointments?building=buergerbuero&day="+slot.Start[:10]).want(t, http.StatusOK, &as)
	for _, a := range as {
		if a.ID == id && a.Status != engine.ApptCancelled {
			t.Errorf("after 30 minutes: %q, want cancelled (expired)", a.Status)
		}
	}
	var got publicBooking
	c.get(t, "/api/public/bookings/"+token).want(t, http.StatusOK, &got)
	if got.Status != "expired" {
		t.Errorf("the link shows %q, want expired", got.Status)
	}
	c.post(t, "/api/public/bookings/"+token+"/confirm", "{}").wantError(t, http.StatusConflict, "expired", anyField)
}

func TestPublicBookingRefusesBadInput(t *testing.T) {
	s := openDemo(t)
	c := openPublic(t, s)
	ss := c.slots(t, "building=buergerbuero&services=personalausweis&from=2026-11-23&days=1")
	start := ss[0].Start
	before := len(opsOf(t, s))
	for _, tc := range []struct {
		name, body, code, field string
		status                  int
	}{
		{"no privacy consent", strings.Replace(bookingBody(start, "a@example.org", c.solve(t)), `"privacy_accepted":true`, `"privacy_accepted":false`, 1),
			engine.CodeInvalidField, "privacy_accepted", 400},
		{"no e-mail", bookingBody(start, "", c.solve(t)), engine.CodeInvalidField, "citizen.email", 400},
		{"not an e-mail", bookingBody(start, "erika at home", c.solve(t)), engine.CodeInvalidField, "citizen.email", 400},
		{"birth date in the future", strings.Replace(bookingBody(start, "a@example.org", c.solve(t)), "1964-08-12", "2030-01-01", 1),
			engine.CodeInvalidField, "citizen.birth_date", 400},
		{"five services", strings.Replace(bookingBody(start, "a@example.org", c.solve(t)), `"services":["personalausweis","meldebescheinigung"]`,
			`"services":["personalausweis","meldebescheinigung","reisepass","anmeldung","beglaubigung"]`, 1), engine.CodeInvalidField, "services", 400},
		{"no proof of work", bookingBody(start, "a@example.org", ""), engine.CodeInvalidField, "altcha", 400},
		{"a forged proof of work", bookingBody(start, "a@example.org", forge(c.solve(t))), engine.CodeInvalidField, "altcha", 400},
		{"a start that is no slot", bookingBody("2026-11-23T03:00:00+01:00", "a@example.org", c.solve(t)), engine.CodeInvalidField, "start", 400},
		{"a channel of its own", strings.Replace(bookingBody(start, "a@example.org", c.solve(t)), `"altcha"`, `"channel":"desk","altcha"`, 1),
			engine.CodeInvalidField, "channel", 400},
	} {
		s.clock.Add(time.Minute) // one address's pace
		t.Run(tc.name, func(t *testing.T) {
			c.post(t, "/api/public/bookings", tc.body).wantError(t, tc.status, tc.code, tc.field)
		})
	}
	// A proof of work counts once.
	p := c.solve(t)
	c.post(t, "/api/public/bookings", bookingBody(start, "once@example.org", p)).want(t, http.StatusAccepted, nil)
	c.post(t, "/api/public/bookings", bookingBody(ss[1].Start, "once@example.org", p)).wantError(t, 400, engine.CodeInvalidField, "altcha")
	// A form of another site cannot post here without asking first.
	if r := c.do(t, "POST", "/api/public/bookings", "text/plain", bookingBody(start, "a@example.org", c.solve(t))); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain post: %d, want 415", r.status)
	}
	if got := len(opsOf(t, s)); got != before+2 {
		t.Errorf("%d ops written, want 2 (the one good booking and its mail)", got-before)
	}
}

// forge turns a solved proof of work into one for a challenge of its own.
func forge(payload string) string {
	raw, _ := base64.StdEncoding.DecodeString(payload)
	var p map[string]any
	json.Unmarshal(raw, &p)
	p["salt"] = "00?expires=9999999999"
	h := sha256.Sum256([]byte(p["salt"].(string) + "1"))
	p["challenge"], p["number"] = hex.EncodeToString(h[:]), 1
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}

func opsOf(t *testing.T, s *site) []engine.Op {
	t.Helper()
	ops, err := s.app.OpsForTest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func TestPublicLimits(t *testing.T) {
	s := openDemo(t)
	c := openPublic(t, s)
	ss := c.slots(t, "building=buergerbuero&services=personalausweis,meldebescheinigung&from=2026-11-23&days=5")
	for i := range engine.DefaultMaxActivePerEmail {
		c.post(t, "/api/public/bookings", bookingBody(ss[i*6].Start, "Viel@Example.org", c.solve(t))).want(t, http.StatusAccepted, nil)
	}
	c.post(t, "/api/public/bookings", bookingBody(ss[40].Start, "viel@example.org", c.solve(t))).
		wantError(t, http.StatusTooManyRequests, "too_many", "citizen.email")

	// One address: a burst, then one challenge every 20 seconds.
	n429 := 0
	for i := range 40 {
		r := c.get(t, "/api/public/challenge")
		if r.status == http.StatusTooManyRequests {
			n429++
			if r.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			continue
		}
		_ = i
	}
	if n429 == 0 {
		t.Error("no 429 after a burst of challenges from one address")
	}
	s.clock.Add(10 * time.Minute)
	c.get(t, "/api/public/challenge").want(t, http.StatusOK, nil)

	// Guessing link tokens is slowed down.
	blocked := false
	for i := range 15 {
		r := c.get(t, fmt.Sprintf("/api/public/bookings/guess%d", i))
		if r.status == http.StatusTooManyRequests {
			blocked = true
			break
		}
	}
	if !blocked {
		t.Error("15 wrong link tokens from one address, never slowed down")
	}
}

// The citizens' listener has the public routes and pages and nothing else:
// every route of the staff table answers 404 there, whatever the request
// tries, even with a signed-in desk's cookie.
func TestPublicListenerServesNoStaffRoute(t *testing.T) {
	s := openDemo(t)
	c := openPublic(t, s)
	cookie := s.app.SessionCookieForTest() + "=" + s.app.SessionForTest("demo")
	try := func(t *testing.T, method, path string) {
		t.Helper()
		req, _ := http.NewRequest(method, c.url+path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", cookie)
		res, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s on the public listener: %d %s, want 404", method, path, res.StatusCode, body)
		}
	}
	rules := s.app.RouteTableForTest()
	if len(rules) < 50 {
		t.Fatalf("route table has %d routes: the test would prove little", len(rules))
	}
	for _, rule := range rules {
		method, pattern, _ := strings.Cut(rule.Pattern, " ")
		path := fillPattern(pattern)
		try(t, method, path)
		try(t, method, "/buchen/.."+path)
		try(t, method, "/api/public/.."+strings.TrimPrefix(path, "/api"))
		try(t, method, "/buchen/%2e%2e"+path)
		try(t, method, strings.ToUpper(path))
	}
	// Nor the staff screens: their page and bundle.
	try(t, "GET", "/index.html")
	staff, _ := fs.Glob(frontend.Assets(), "assets/*.js")
	for _, f := range staff {
		try(t, "GET", "/"+f)
	}
	// The public pages themselves are there.
	if r := c.get(t, "/"); r.status != http.StatusFound || r.header.Get("Location") != "/buchen/" {
		t.Errorf("GET / answered %d → %q, want 302 to /buchen/", r.status, r.header.Get("Location"))
	}
	if csp := c.get(t, "/buchen/").header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("public pages without a strict CSP: %q", csp)
	}
}

// fillPattern turns "/api/visits/{id}/leave" into a path.
func fillPattern(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		j := strings.IndexByte(p[i:], '}')
		b.WriteString(p[:i] + "x")
		p = p[i+j+1:]
	}
}

func TestOnlineRulesOfABuilding(t *testing.T) {
	s := openDemo(t)
	var got struct {
		ConfirmMinutes    int    `json:"confirm_minutes"`
		MaxActivePerEmail int    `json:"max_active_per_email"`
		PrivacyNotice     string `json:"privacy_notice"`
	}
	s.get(t, "/api/buildings/buergerbuero/online").want(t, http.StatusOK, &got)
	if got.ConfirmMinutes != engine.DefaultConfirmMinutes || got.MaxActivePerEmail != engine.DefaultMaxActivePerEmail || got.PrivacyNotice == "" {
		t.Errorf("defaults %+v", got)
	}
	before := len(opsOf(t, s))
	for _, tc := range []struct{ body, field string }{
		{`{"confirm_minutes":-1}`, "booking.confirm_minutes"},
		{`{"confirm_minutes":100000}`, "booking.confirm_minutes"},
		{`{"max_active_per_email":-2}`, "booking.max_active_per_email"},
		{`{"privacy_notice":"Hinweis\u202e"}`, "privacy_notice"},
		{`{"confirm_minutes":"ten"}`, "confirm_minutes"},
	} {
		r := s.do(t, "PUT", "/api/buildings/buergerbuero/online", strings.NewReader(tc.body))
		r.wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tc.field)
	}
	if n := len(opsOf(t, s)) - before; n != 0 {
		t.Errorf("%d ops written by refused input", n)
	}
	r := s.do(t, "PUT", "/api/buildings/buergerbuero/online", strings.NewReader(`{"confirm_minutes":10,"privacy_notice":"Absatz eins.\n\nAbsatz zwei."}`))
	r.want(t, http.StatusOK, &got)
	if got.ConfirmMinutes != 10 || !strings.Contains(got.PrivacyNotice, "\n\nAbsatz zwei") || got.MaxActivePerEmail != engine.DefaultMaxActivePerEmail {
		t.Errorf("after PUT: %+v", got)
	}
	c := openPublic(t, s)
	var answer struct {
		ExpiresAt string `json:"expires_at"`
	}
	ss := c.slots(t, "building=buergerbuero&services=personalausweis&from=2026-11-23&days=1")
	c.post(t, "/api/public/bookings", bookingBody(ss[0].Start, "zehn@example.org", c.solve(t))).want(t, http.StatusAccepted, &answer)
	if want := wednesdayMorning.Add(10 * time.Minute).Format(time.RFC3339); answer.ExpiresAt != want {
		t.Errorf("expires_at %s, want %s (10 minutes)", answer.ExpiresAt, want)
	}
	s.as(t, "sachbearbeitung").do(t, "PUT", "/api/buildings/buergerbuero/online", strings.NewReader(`{"confirm_minutes":5}`)).
		wantError(t, http.StatusForbidden, engine.CodeForbidden, anyField)
}
