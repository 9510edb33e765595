package app_test

import (
	"bytes"
	"context"
	"io"
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
		{"empty database without demo or building", app.Config{DataDir: t.TempDir(), Site: "test"}, []string{"--demo", "--building"}},
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
	s := (&site{app: a, url: srv.URL}).as(t, "demo")

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
