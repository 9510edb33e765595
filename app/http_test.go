package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
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
	return &site{app: a, url: srv.URL, clock: clock}
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
	res, err := http.DefaultClient.Do(req)
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

func TestHealth(t *testing.T) {
	s := openDemo(t)
	var got map[string]string
	s.get(t, "/api/health").want(t, http.StatusOK, &got)
	want := map[string]string{"site": "test", "building": "rathaus-1", "version": "1.2.3-test"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("health %s: got %q, want %q", k, got[k], w)
		}
	}
}

func TestDemoBuildings(t *testing.T) {
	s := openDemo(t)
	var buildings []engine.Building
	s.get(t, "/api/buildings").want(t, http.StatusOK, &buildings)

	byID := map[string]engine.Building{}
	for _, b := range buildings {
		byID[b.ID] = b
		if b.Name == "" || b.Address == "" || b.Entrance == "" {
			t.Errorf("building %s: name %q, address %q, entrance %q; want all three", b.ID, b.Name, b.Address, b.Entrance)
		}
	}
	var got []string
	for id := range byID {
		got = append(got, id)
	}
	slices.Sort(got)
	if !slices.Equal(got, demoBuildingIDs) || len(buildings) != len(demoBuildingIDs) {
		t.Fatalf("building ids: got %v, want %v", got, demoBuildingIDs)
	}

	townHall := map[int]string{
		1: "08:30-12:30 13:00-16:00", 2: "08:30-12:30 13:00-16:00", 3: "08:30-12:30 13:00-16:00",
		4: "08:30-12:30 13:00-17:30", 5: "08:30-12:30", 6: "", 7: "",
	}
	tests := []struct {
		building string
		hours    map[int]string // ISO weekday → intervals
	}{
		{"rathaus-1", townHall},
		{"rathaus-2", townHall},
		{"propst-nuebel-strasse", townHall},
		{"buergerbuero", map[int]string{
			1: "08:00-16:00", 2: "08:00-16:00", 3: "08:00-12:30", 4: "08:00-18:00", 5: "08:00-12:30", 6: "", 7: "",
		}},
	}
	weekdays := []string{"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	for _, tt := range tests {
		for day, want := range tt.hours {
			var ivs []string
			for _, iv := range byID[tt.building].Hours {
				if iv.Weekday == day {
					ivs = append(ivs, iv.Open+"-"+iv.Close)
				}
			}
			slices.Sort(ivs)
			if got := strings.Join(ivs, " "); got != want {
				t.Errorf("%s on %s: got %q, want %q", tt.building, weekdays[day], got, want)
			}
		}
	}
}

func TestDemoServices(t *testing.T) {
	s := openDemo(t)
	var services []engine.Service
	s.get(t, "/api/services").want(t, http.StatusOK, &services)
	if n := len(services); n < 8 || n > 14 {
		t.Errorf("got %d services, want about 10", n)
	}
	seen := map[string]bool{}
	for _, sv := range services {
		if seen[sv.ID] {
			t.Errorf("service %s listed twice", sv.ID)
		}
		seen[sv.ID] = true
		if sv.Name == "" || sv.DurationMin <= 0 || len(sv.Documents) == 0 || len(sv.Buildings) == 0 {
			t.Errorf("service %s: name %q, %d min, documents %v, buildings %v; want a name, a duration, documents and buildings",
				sv.ID, sv.Name, sv.DurationMin, sv.Documents, sv.Buildings)
		}
		for _, b := range sv.Buildings {
			if !slices.Contains(demoBuildingIDs, b) {
				t.Errorf("service %s offered in unknown building %q", sv.ID, b)
			}
		}
	}
}

func TestStaffByBuilding(t *testing.T) {
	s := openDemo(t)
	var all []engine.Staff
	s.get(t, "/api/staff").want(t, http.StatusOK, &all)

	total := 0
	for _, b := range demoBuildingIDs {
		t.Run(b, func(t *testing.T) {
			var staff []engine.Staff
			s.get(t, "/api/staff?building="+b).want(t, http.StatusOK, &staff)
			if len(staff) == 0 {
				t.Errorf("nobody works in %s", b)
			}
			for _, p := range staff {
				if p.Building != b || p.Name == "" || p.Department == "" {
					t.Errorf("staff of %s lists %+v", b, p)
				}
			}
			total += len(staff)
		})
	}
	if total != len(all) {
		t.Errorf("staff per building add up to %d, all staff are %d", total, len(all))
	}
	s.get(t, "/api/staff?building=rathaus-9").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "building")
}

var rfc3339Berlin = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00$`)

func TestRegisterVisit(t *testing.T) {
	s := openDemo(t)
	res := s.post(t, "/api/visits", mariaJSON)
	var v visit
	res.want(t, http.StatusCreated, &v)

	tests := []struct{ what, got, want string }{
		{"status", v.Status, "waiting"},
		{"building (this site's)", v.Building, "rathaus-1"},
		{"name", v.Name, "Maria Schneider"},
		{"host", v.Host, "staff-mueller"},
		{"host_name", v.HostName, "Anna Müller"},
		{"arrived_at", v.ArrivedAt, "2026-11-18T09:14:00+01:00"},
		{"picked_up_at", v.PickedUpAt, ""},
		{"left_at", v.LeftAt, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	if !rfc3339Berlin.MatchString(v.ArrivedAt) {
		t.Errorf("arrived_at %q is not RFC 3339 with +01:00", v.ArrivedAt)
	}
	if v.ID == "" {
		t.Fatal("no id")
	}

	var one visit
	s.get(t, "/api/visits/"+v.ID).want(t, http.StatusOK, &one)
	if one != v {
		t.Errorf("GET /api/visits/%s: got %+v, want %+v", v.ID, one, v)
	}
	if got := visitIDs(s.mustVisits(t, "?day="+today)); !slices.Equal(got, []string{v.ID}) {
		t.Errorf("visits of today: got %v, want [%s]", got, v.ID)
	}
	if got := visitIDs(s.mustVisits(t, "")); !slices.Equal(got, []string{v.ID}) {
		t.Errorf("visits without a day (today): got %v, want [%s]", got, v.ID)
	}
	if got := visitIDs(s.mustPresent(t, "")); !slices.Equal(got, []string{v.ID}) {
		t.Errorf("present: got %v, want [%s]", got, v.ID)
	}
	if got := s.mustPresent(t, "?building=rathaus-2"); len(got) != 0 {
		t.Errorf("present in rathaus-2: got %v, want nobody", visitIDs(got))
	}
	if got := s.mustVisits(t, "?day=2026-11-17"); len(got) != 0 {
		t.Errorf("visits of yesterday: got %v, want none", visitIDs(got))
	}
}

func TestRegisterVisitInAnotherBuilding(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, `{"building":"buergerbuero","name":"Jonas Weber","email":"jonas@example.org","host":"staff-aydin"}`)
	if v.Building != "buergerbuero" || v.HostName != "Deniz Aydin" {
		t.Errorf("got building %q host %q, want buergerbuero, Deniz Aydin", v.Building, v.HostName)
	}
	if got := visitIDs(s.mustPresent(t, "?building=buergerbuero")); !slices.Equal(got, []string{v.ID}) {
		t.Errorf("present in buergerbuero: got %v, want [%s]", got, v.ID)
	}
	if got := s.mustPresent(t, ""); len(got) != 0 {
		t.Errorf("present in this site's building: got %v, want nobody", visitIDs(got))
	}
}

func TestRegisterVisitRefusesBadInput(t *testing.T) {
	// Bodies that would be fine but for the one thing each case breaks.
	huge := `{"name":"` + strings.Repeat("a", 1<<20) + `","phone":"123","host":"staff-mueller"}`
	tests := []struct {
		name  string
		body  string
		field string
		says  string // part of the German message
	}{
		{"no contact", `{"name":"Maria Schneider","host":"staff-mueller","reason":"x"}`, "contact", "Telefon, E-Mail oder Anschrift"},
		{"no name", `{"phone":"123","host":"staff-mueller"}`, "name", "Bitte Name angeben"},
		{"no host", `{"name":"Maria Schneider","phone":"123"}`, "host", "Bitte Gastgeber angeben"},
		{"unknown host", `{"name":"Maria Schneider","phone":"123","host":"staff-nobody"}`, "host", "Gastgeber ist unbekannt"},
		{"unknown building", `{"building":"rathaus-9","name":"Maria Schneider","phone":"123","host":"staff-mueller"}`, "building", "Gebäude ist unbekannt"},
		{"2,000-character name", `{"name":"` + strings.Repeat("Maria ", 334)[:2000] + `","phone":"123","host":"staff-mueller"}`,
			"name", "höchstens 120 Zeichen"},
		{"bell in name", `{"name":"Maria\u0007Schneider","phone":"123","host":"staff-mueller"}`, "name", "Steuerzeichen"},
		{"line separator in name", `{"name":"Maria\u2028Schneider","phone":"123","host":"staff-mueller"}`, "name", "Steuerzeichen"},
		{"newline in name", `{"name":"Maria\nSchneider","phone":"123","host":"staff-mueller"}`, "name", "Steuerzeichen"},
		{"invalid e-mail", `{"name":"Maria Schneider","email":"maria(at)example.org","host":"staff-mueller"}`, "email", "E-Mail"},
		{"appointment that does not exist", `{"name":"Maria Schneider","phone":"123","host":"staff-mueller","appointment_id":"appt-1"}`,
			"appointment_id", "Termin ist unbekannt"},
		{"unknown JSON field", `{"name":"Maria Schneider","phone":"123","host":"staff-mueller","colour":"rot"}`, "colour", "Unbekanntes Feld"},
		{"wrong type", `{"name":5,"phone":"123","host":"staff-mueller"}`, "name", "Name"},
		{"invalid JSON", `{"name":"Maria Schneider","phone":"123","host":"staff-mueller"`, "body", "JSON"},
		{"trailing garbage", mariaJSON + ` xyz`, "body", "JSON"},
		{"two objects", mariaJSON + mariaJSON, "body", "JSON"},
		{"an array", `[` + mariaJSON + `]`, "body", "JSON"},
		{"empty body", ``, "body", "JSON"},
		{"1 MB body", huge, "body", "Anfrage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openDemo(t)
			s.mustRegister(t, mariaJSON) // something that must stay as it is
			before := s.listings(t)

			e := s.post(t, "/api/visits", tt.body).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
			if !strings.Contains(e.Error.Message, tt.says) {
				t.Errorf("message %q, want it to say %q", e.Error.Message, tt.says)
			}
			if after := s.listings(t); after != before {
				t.Errorf("refused registration changed the lists:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestPickUpAndLeave(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, mariaJSON)
	other := s.mustRegister(t, `{"name":"Jonas Weber","phone":"0170 1234567","host":"staff-schmidt","reason":"Termin vergessen"}`)

	visitPath := "/api/visits/" + v.ID
	steps := []struct {
		name    string
		advance time.Duration
		method  string
		path    string
		body    string
		status  int
		code    string // of an error answer
		field   string
		check   func(t *testing.T, got visit)
	}{
		{name: "pick up by the host (no body)", advance: 6 * time.Minute, method: "POST", path: visitPath + "/pickup",
			status: http.StatusOK, check: func(t *testing.T, got visit) {
				wantVisit(t, got, "escorted", "2026-11-18T09:20:00+01:00", "staff-mueller", "")
			}},
		{name: "pick up again", advance: time.Minute, method: "POST", path: visitPath + "/pickup",
			status: http.StatusConflict, code: engine.CodeInvalidState},
		{name: "pick up again by a colleague", method: "POST", path: visitPath + "/pickup", body: `{"by":"staff-schmidt"}`,
			status: http.StatusConflict, code: engine.CodeInvalidState},
		{name: "still escorted", method: "GET", path: visitPath, status: http.StatusOK,
			check: func(t *testing.T, got visit) {
				wantVisit(t, got, "escorted", "2026-11-18T09:20:00+01:00", "staff-mueller", "")
			}},
		{name: "leave", advance: 40 * time.Minute, method: "POST", path: visitPath + "/leave",
			status: http.StatusOK, check: func(t *testing.T, got visit) {
				wantVisit(t, got, "left", "2026-11-18T09:20:00+01:00", "staff-mueller", "2026-11-18T10:01:00+01:00")
			}},
		{name: "leave again", advance: time.Minute, method: "POST", path: visitPath + "/leave",
			status: http.StatusConflict, code: engine.CodeInvalidState},
		{name: "pick up after leaving", method: "POST", path: visitPath + "/pickup",
			status: http.StatusConflict, code: engine.CodeInvalidState},
		{name: "pick up by someone unknown", method: "POST", path: "/api/visits/" + other.ID + "/pickup", body: `{"by":"staff-nobody"}`,
			status: http.StatusBadRequest, code: engine.CodeInvalidField, field: "by"},
		{name: "pick up with an unknown field", method: "POST", path: "/api/visits/" + other.ID + "/pickup", body: `{"who":"staff-schmidt"}`,
			status: http.StatusBadRequest, code: engine.CodeInvalidField, field: "who"},
		{name: "pick up by a colleague", method: "POST", path: "/api/visits/" + other.ID + "/pickup", body: `{"by":"staff-wagner"}`,
			status: http.StatusOK, check: func(t *testing.T, got visit) {
				wantVisit(t, got, "escorted", "2026-11-18T10:02:00+01:00", "staff-wagner", "")
			}},
		{name: "the colleague's visitor leaves", method: "POST", path: "/api/visits/" + other.ID + "/leave",
			status: http.StatusOK, check: func(t *testing.T, got visit) {
				wantVisit(t, got, "left", "2026-11-18T10:02:00+01:00", "staff-wagner", "2026-11-18T10:02:00+01:00")
			}},
	}
	for _, st := range steps {
		s.clock.Add(st.advance)
		var body io.Reader
		if st.body != "" {
			body = strings.NewReader(st.body)
		}
		before := s.listings(t)
		res := s.do(t, st.method, st.path, body)
		if st.code != "" {
			t.Run(st.name, func(t *testing.T) { res.wantError(t, st.status, st.code, st.field) })
			if after := s.listings(t); after != before {
				t.Errorf("%s: a refused change altered the lists", st.name)
			}
			continue
		}
		t.Run(st.name, func(t *testing.T) {
			var got visit
			res.want(t, st.status, &got)
			st.check(t, got)
		})
	}

	if got := s.mustPresent(t, ""); len(got) != 0 {
		t.Errorf("present after both left: got %v, want nobody", visitIDs(got))
	}
	day := s.mustVisits(t, "?day="+today)
	if len(day) != 2 || day[0].ID != v.ID || day[0].Status != "left" || day[1].Status != "left" {
		t.Errorf("visits of the day: got %+v, want both, in order of arrival, left", day)
	}
}

func wantVisit(t *testing.T, got visit, status, pickedUpAt, by, leftAt string) {
	t.Helper()
	if got.Status != status || got.PickedUpAt != pickedUpAt || got.PickedUpBy != by || got.LeftAt != leftAt {
		t.Errorf("got status %q picked up %q by %q left %q, want %q %q %q %q",
			got.Status, got.PickedUpAt, got.PickedUpBy, got.LeftAt, status, pickedUpAt, by, leftAt)
	}
}

func TestNotFound(t *testing.T) {
	s := openDemo(t)
	tests := []struct {
		name, method, path string
	}{
		{"visit", "GET", "/api/visits/no-such-visit"},
		{"pick up", "POST", "/api/visits/no-such-visit/pickup"},
		{"leave", "POST", "/api/visits/no-such-visit/leave"},
		{"badge", "GET", "/api/print/badge/no-such-visit.pdf"},
		{"unknown API path", "GET", "/api/no-such-thing"},
		{"API root", "GET", "/api/"},
		{"unknown API path, POST", "POST", "/api/no-such-thing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A not-found answer may name the id or nothing; both are fine.
			s.do(t, tt.method, tt.path, nil).wantError(t, http.StatusNotFound, engine.CodeNotFound, anyField)
		})
	}
}

func TestVisitListQueryErrors(t *testing.T) {
	s := openDemo(t)
	tests := []struct {
		name, path, field string
	}{
		{"unknown building", "/api/visits?building=rathaus-9&day=" + today, "building"},
		{"day in German order", "/api/visits?day=18.11.2026", "day"},
		{"day that does not exist", "/api/visits?day=2026-02-30", "day"},
		{"day with time", "/api/visits?day=2026-11-18T09:00:00Z", "day"},
		{"present in an unknown building", "/api/visits/present?building=rathaus-9", "building"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.get(t, tt.path).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
		})
	}
}

func TestBadgePDF(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, mariaJSON)
	res := s.get(t, "/api/print/badge/"+v.ID+".pdf")
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %.300s", res.status, res.body)
	}
	if res.contentType != "application/pdf" {
		t.Errorf("Content-Type %q, want application/pdf", res.contentType)
	}
	if !bytes.HasPrefix(res.body, []byte("%PDF-")) {
		t.Errorf("body starts with %q, want %%PDF-", res.body[:min(len(res.body), 16)])
	}
	s.get(t, "/api/print/badge/"+v.ID).wantError(t, http.StatusNotFound, "not_found", "")
}

func TestVisitSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clock := engine.NewFixedClock(wednesdayMorning)
	cfg := demoConfig(dir)
	first := openSite(t, cfg, clock)
	v := first.mustRegister(t, mariaJSON)
	if err := first.app.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	cfg.Demo = false
	clock.Add(2 * time.Hour)
	s := openSite(t, cfg, clock)
	if got := s.mustPresent(t, ""); len(got) != 1 || got[0] != v {
		t.Fatalf("present after restart: got %+v, want [%+v]", got, v)
	}
	var buildings []engine.Building
	s.get(t, "/api/buildings").want(t, http.StatusOK, &buildings)
	if len(buildings) != len(demoBuildingIDs) {
		t.Errorf("after restart %d buildings, want %d (seeded once, kept)", len(buildings), len(demoBuildingIDs))
	}
	var left visit
	s.post(t, "/api/visits/"+v.ID+"/leave", "").want(t, http.StatusOK, &left)
	if left.LeftAt != "2026-11-18T11:14:00+01:00" {
		t.Errorf("left at %q, want 2026-11-18T11:14:00+01:00", left.LeftAt)
	}
}

func TestRestartWithDemoDoesNotReseed(t *testing.T) {
	dir := t.TempDir()
	clock := engine.NewFixedClock(wednesdayMorning)
	first := openSite(t, demoConfig(dir), clock)
	v := first.mustRegister(t, mariaJSON)
	first.app.Close()

	s := openSite(t, demoConfig(dir), clock)
	if got := s.mustVisits(t, "?day="+today); len(got) != 1 || got[0].ID != v.ID {
		t.Errorf("visits after a second --demo start: got %v, want [%s]", visitIDs(got), v.ID)
	}
}

func TestOpenRefuses(t *testing.T) {
	clock := engine.NewFixedClock(wednesdayMorning)
	seeded := t.TempDir()
	openSite(t, demoConfig(seeded), clock).app.Close()

	tests := []struct {
		name string
		cfg  app.Config
		says []string
	}{
		{"unknown building", app.Config{DataDir: t.TempDir(), Site: "test", Building: "nope", Demo: true},
			append([]string{`"nope"`}, demoBuildingIDs...)},
		{"no building named", app.Config{DataDir: t.TempDir(), Site: "test", Demo: true}, demoBuildingIDs},
		{"no site name", app.Config{DataDir: t.TempDir(), Building: "rathaus-1", Demo: true}, []string{"site"}},
		{"empty database without demo", app.Config{DataDir: t.TempDir(), Site: "test", Building: "rathaus-1"}, []string{"--demo"}},
		{"another site's data", app.Config{DataDir: seeded, Site: "other", Building: "rathaus-1"}, []string{"site", "test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Clock = clock
			a, err := app.Open(context.Background(), tt.cfg, quietLogger())
			if err == nil {
				a.Close()
				t.Fatal("opened, want an error")
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %s", err, s)
				}
			}
		})
	}
}

func TestWithFrontend(t *testing.T) {
	dir := t.TempDir()
	a, err := app.Open(context.Background(), demoConfig(dir), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	assets := fstest.MapFS{
		"index.html":        {Data: []byte("<!doctype html><title>Pforte-Test</title>")},
		"assets/index-1.js": {Data: []byte("console.log('pforte')")},
	}
	srv := httptest.NewServer(app.WithFrontend(a.Handler(), assets))
	t.Cleanup(srv.Close)
	s := &site{app: a, url: srv.URL}

	tests := []struct {
		name, path  string
		status      int
		contentType string
		contains    string
	}{
		{"index at /", "/", http.StatusOK, "text/html", "Pforte-Test"},
		{"a bundle", "/assets/index-1.js", http.StatusOK, "text/javascript", "console.log"},
		{"the API", "/api/health", http.StatusOK, "application/json", `"site":"test"`},
		{"the API's not found", "/api/no-such-thing", http.StatusNotFound, "application/json", `"not_found"`},
		{"a missing file", "/no-such-file.js", http.StatusNotFound, "text/plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.get(t, tt.path)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d; body %.200s", res.status, tt.status, res.body)
			}
			if mt, _, _ := mime.ParseMediaType(res.contentType); mt != tt.contentType {
				t.Errorf("Content-Type %q, want %s", res.contentType, tt.contentType)
			}
			if !bytes.Contains(res.body, []byte(tt.contains)) {
				t.Errorf("body %.200s does not contain %q", res.body, tt.contains)
			}
		})
	}
	if got := s.get(t, "/").header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("index.html Cache-Control %q, want no-cache (it names the hashed bundles)", got)
	}
}
