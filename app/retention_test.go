package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pforte/app"
	"pforte/engine"
)

// ottilie is a citizen no other test uses: her name, phone and birth date
// are looked for byte by byte in the data directory.
var ottilie = apiCitizen{Name: "Ottilie Purgel", BirthDate: "1933-03-03", Phone: "0299 123987", Email: "ottilie.purgel@example.org"}

// personalBytes lists which of needles some file under dir holds.
func personalBytes(t *testing.T, dir string, needles ...string) []string {
	t.Helper()
	var found []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
			return nil
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = append(found, filepath.Base(path)+": "+n)
			}
		}
		return nil
	})
	return found
}

func TestRetentionPurgeErasesTheBytes(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, `{"name":"Ottilie Purgel","phone":"0299 123987","host":"staff-mueller","reason":"Abholung"}`)
	ap := s.mustBook(t, bookBody("2026-11-25T10:00:00+01:00", ottilie, "meldebescheinigung"))
	needles := []string{ottilie.Name, ottilie.Phone, ottilie.BirthDate, ottilie.Email}
	if found := personalBytes(t, s.cfg.DataDir, needles...); len(found) == 0 {
		t.Fatal("the personal data is not in the data directory to begin with: the test looks in the wrong place")
	}

	// Not yet: the visit is kept 28 days, the appointment 14 after its day.
	s.clock.Set(time.Date(2026, 12, 8, 23, 0, 0, 0, engine.Berlin))
	var run struct{ Erased map[string]int }
	s.post(t, "/api/retention/run", `{}`).want(t, http.StatusOK, &run)
	if run.Erased["visits"] != 0 || run.Erased["appointments"] != 0 {
		t.Fatalf("erased too early: %v", run.Erased)
	}
	s.clock.Set(time.Date(2026, 12, 9, 0, 5, 0, 0, engine.Berlin))
	s.post(t, "/api/retention/run", `{}`).want(t, http.StatusOK, &run)
	if run.Erased["appointments"] != 1 || run.Erased["visits"] != 0 {
		t.Fatalf("on 2026-12-09: erased %v, want the appointment only", run.Erased)
	}
	var got apiAppointment
	s.get(t, "/api/appointments/"+ap.ID).want(t, http.StatusOK, &got)
	if got.Citizen.Name != "" || got.Citizen.BirthDate != "" || got.Status != "booked" || got.Start != ap.Start {
		t.Errorf("appointment after the purge: %+v, want its services, time and status without the citizen", got)
	}
	s.clock.Set(time.Date(2026, 12, 16, 3, 10, 0, 0, engine.Berlin))
	s.post(t, "/api/retention/run", `{}`).want(t, http.StatusOK, &run)
	if run.Erased["visits"] != 1 {
		t.Fatalf("on 2026-12-16: erased %v, want the visit", run.Erased)
	}
	var gotV visit
	s.get(t, "/api/visits/"+v.ID).want(t, http.StatusOK, &gotV)
	if gotV.Name != "" || gotV.Phone != "" || gotV.Reason != "" || gotV.Host != "staff-mueller" {
		t.Errorf("visit after the purge: %+v", gotV)
	}
	if found := personalBytes(t, s.cfg.DataDir, needles...); len(found) > 0 {
		t.Errorf("after the purge, still on disk (while running): %v", found)
	}
	s.app.Close()
	if found := personalBytes(t, s.cfg.DataDir, needles...); len(found) > 0 {
		t.Errorf("after the purge, still on disk: %v", found)
	}
}

func TestHoldKeepsRecordsUntilLifted(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, `{"name":"Ottilie Purgel","phone":"0299 123987","host":"staff-mueller","reason":"Abholung"}`)
	dpo := s.as(t, "datenschutz")
	dpo.post(t, "/api/holds", `{"building":"rathaus-1","from":"2026-11-18","to":"2026-11-10","reason":"Gesundheitsamt"}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "to")
	var h struct {
		ID     string `json:"id"`
		Until  string `json:"until"`
		Active bool   `json:"active"`
	}
	dpo.post(t, "/api/holds", `{"building":"rathaus-1","from":"2026-11-17","to":"2026-11-19","reason":"Anfrage Gesundheitsamt vom 18.11."}`).
		want(t, http.StatusCreated, &h)
	if !h.Active || h.Until != "2027-02-16" {
		t.Fatalf("hold %+v, want active until 90 days from today", h)
	}
	s.as(t, "leitung").post(t, "/api/holds", `{}`).wantError(t, http.StatusForbidden, engine.CodeForbidden, "")

	s.clock.Set(time.Date(2026, 12, 20, 9, 0, 0, 0, engine.Berlin))
	var run struct{ Erased map[string]int }
	s.post(t, "/api/retention/run", `{}`).want(t, http.StatusOK, &run)
	var gotV visit
	s.get(t, "/api/visits/"+v.ID).want(t, http.StatusOK, &gotV)
	if run.Erased["visits"] != 0 || gotV.Name != ottilie.Name {
		t.Fatalf("held visit erased: %v, %+v", run.Erased, gotV)
	}
	dpo.post(t, "/api/holds/"+h.ID+"/lift", `{}`).want(t, http.StatusOK, nil)
	s.post(t, "/api/retention/run", `{}`).want(t, http.StatusOK, &run)
	s.get(t, "/api/visits/"+v.ID).want(t, http.StatusOK, &gotV)
	if run.Erased["visits"] != 1 || gotV.Name != "" {
		t.Fatalf("lifted hold: erased %v, visit %+v", run.Erased, gotV)
	}
	var es []struct{ Action, Route string }
	dpo.get(t, "/api/audit?entity=hold:"+h.ID).want(t, http.StatusOK, &es)
	if len(es) == 0 {
		t.Error("placing the hold is not in the audit log")
	}
}

func TestErasureOnRequest(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, `{"name":"Ottilie Purgel","phone":"0299 123987","host":"staff-mueller","reason":"Abholung"}`)
	ap := s.mustBook(t, bookBody("2026-11-25T10:00:00+01:00", ottilie, "meldebescheinigung"))
	dpo := s.as(t, "datenschutz")
	dpo.post(t, "/api/personal-data/erase", `{"ids":["no-such-id"],"reason":"Antrag vom 18.11."}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "ids")
	dpo.post(t, "/api/personal-data/erase", `{"ids":["`+v.ID+`"]}`).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "reason")
	var res struct{ Erased map[string]int }
	dpo.post(t, "/api/personal-data/erase", `{"ids":["`+v.ID+`","`+ap.ID+`"],"reason":"Antrag auf Löschung vom 18.11."}`).
		want(t, http.StatusOK, &res)
	if res.Erased["visits"] != 1 || res.Erased["appointments"] != 1 {
		t.Errorf("erased %v", res.Erased)
	}
	var gotV visit
	s.get(t, "/api/visits/"+v.ID).want(t, http.StatusOK, &gotV)
	var got apiAppointment
	s.get(t, "/api/appointments/"+ap.ID).want(t, http.StatusOK, &got)
	if gotV.Name != "" || got.Citizen.Name != "" {
		t.Errorf("after erasure: visit %q, appointment %q", gotV.Name, got.Citizen.Name)
	}
	s.app.Close()
	if found := personalBytes(t, s.cfg.DataDir, ottilie.Name, ottilie.Phone, ottilie.BirthDate); len(found) > 0 {
		t.Errorf("after erasure, still on disk: %v", found)
	}
}

func TestRetentionRules(t *testing.T) {
	s := openDemo(t)
	var r map[string]int
	s.get(t, "/api/buildings/rathaus-1/retention").want(t, http.StatusOK, &r)
	if r["visit_days"] != 28 || r["appointment_days"] != 14 || r["audit_days"] != 365 || r["tracing_margin_minutes"] != 15 {
		t.Errorf("default rules %v", r)
	}
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":0,"appointment_days":14,"audit_days":365}`)).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "visit_days")
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":21,"appointment_days":7,"audit_days":180}`)).
		want(t, http.StatusOK, nil)
	s.get(t, "/api/buildings/rathaus-1/retention").want(t, http.StatusOK, &r)
	if r["visit_days"] != 21 || r["appointment_days"] != 7 || r["tracing_margin_minutes"] != 15 {
		t.Errorf("rules after a PUT without the margin %v", r)
	}
	// The tracing margin: up to four hours; a wrong one changes nothing.
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":30,"appointment_days":7,"audit_days":180,"tracing_margin_minutes":241}`)).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "tracing_margin_minutes")
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":21,"appointment_days":7,"audit_days":180,"tracing_margin_minutes":-1}`)).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "tracing_margin_minutes")
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":21,"appointment_days":7,"audit_days":180,"tracing_margin_minutes":"30"}`)).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "tracing_margin_minutes")
	s.get(t, "/api/buildings/rathaus-1/retention").want(t, http.StatusOK, &r)
	if r["visit_days"] != 21 || r["tracing_margin_minutes"] != 15 {
		t.Errorf("a refused PUT changed the rules: %v", r)
	}
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":21,"appointment_days":7,"audit_days":180,"tracing_margin_minutes":30}`)).
		want(t, http.StatusOK, &r)
	if r["tracing_margin_minutes"] != 30 {
		t.Errorf("answer to the margin's PUT %v", r)
	}
	// 0 is the default again.
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":21,"appointment_days":7,"audit_days":180,"tracing_margin_minutes":0}`)).
		want(t, http.StatusOK, &r)
	if r["tracing_margin_minutes"] != 15 {
		t.Errorf("margin 0 answers %v, want the default 15", r)
	}
	// The desks' idle lock: 10 minutes by default, at most two hours.
	if r["idle_lock_minutes"] != 10 {
		t.Errorf("default idle lock %v", r)
	}
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":21,"appointment_days":7,"audit_days":180,"idle_lock_minutes":121}`)).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "idle_lock_minutes")
	s.do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{"visit_days":21,"appointment_days":7,"audit_days":180,"idle_lock_minutes":5}`)).
		want(t, http.StatusOK, &r)
	if r["idle_lock_minutes"] != 5 || r["tracing_margin_minutes"] != 15 {
		t.Errorf("after setting the idle lock %v", r)
	}
	var sess map[string]any
	s.get(t, "/api/session").want(t, http.StatusOK, &sess)
	if sess["idle_lock_minutes"] != float64(5) {
		t.Errorf("the desk's session says idle lock %v, want the building's 5", sess["idle_lock_minutes"])
	}
	s.as(t, "sachbearbeitung").do(t, http.MethodPut, "/api/buildings/rathaus-1/retention", strings.NewReader(`{}`)).
		wantError(t, http.StatusForbidden, engine.CodeForbidden, "")
}

// TestNothingPersonalInTheLog: the log (console, journal) is not purged,
// so nothing a visitor or citizen said may be in it: not when registered,
// booked, searched for by name, traced, erased or purged.
func TestNothingPersonalInTheLog(t *testing.T) {
	var logs bytes.Buffer
	cfg := demoConfig(t.TempDir())
	clock := engine.NewFixedClock(wednesdayMorning)
	cfg.Clock = clock
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	s := (&site{app: a, url: serve(t, a), clock: clock, cfg: cfg}).as(t, "demo")
	v := s.mustRegister(t, `{"name":"Ottilie Purgel","phone":"0299 123987","host":"staff-mueller","reason":"Abholung"}`)
	s.mustBook(t, bookBody("2026-11-25T10:00:00+01:00", ottilie, "meldebescheinigung"))
	s.get(t, "/api/visits/recent?name=Ottilie%20Purgel")
	s.get(t, "/api/contact-tracing?name=Ottilie%20Purgel&day=2026-11-18&building=rathaus-1")
	s.get(t, "/api/personal-data?name=Ottilie%20Purgel")
	s.post(t, "/api/visits", `{"name":"Ottilie Purgel","phone":"0299 123987","host":"niemand"}`) // a bad request
	s.post(t, "/api/personal-data/erase", `{"ids":["`+v.ID+`"],"reason":"Antrag"}`)
	s.clock.Set(time.Date(2026, 12, 31, 9, 0, 0, 0, engine.Berlin))
	s.post(t, "/api/retention/run", `{}`)
	for _, n := range []string{ottilie.Name, "Ottilie", "Purgel", ottilie.Phone, ottilie.BirthDate, ottilie.Email} {
		if strings.Contains(logs.String(), n) {
			t.Errorf("the log holds %q", n)
		}
	}
	if !strings.Contains(logs.String(), "retention purge") {
		t.Errorf("the log does not say what the purge did (counts):\n%s", logs.String())
	}
}

// TestAuditLogHasItsOwnRetention: who looked at what is kept for the
// building's audit_days (365 by default), then erased like the rest.
func TestAuditLogHasItsOwnRetention(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, mariaJSON)
	s.as(t, "empfang").get(t, "/api/visits/"+v.ID).want(t, http.StatusOK, nil)
	dpo := s.as(t, "datenschutz")
	var es []struct{ User, Route string }
	dpo.get(t, "/api/audit?user=empfang").want(t, http.StatusOK, &es)
	if len(es) != 1 {
		t.Fatalf("audit before: %+v", es)
	}
	s.clock.Set(time.Date(2027, 11, 17, 23, 0, 0, 0, engine.Berlin)) // 364 days on: kept
	s.post(t, "/api/retention/run", `{}`).want(t, http.StatusOK, nil)
	dpo.get(t, "/api/audit?user=empfang").want(t, http.StatusOK, &es)
	if len(es) != 1 {
		t.Fatalf("audit a day early: %+v", es)
	}
	s.clock.Set(time.Date(2027, 11, 18, 0, 30, 0, 0, engine.Berlin))
	var run struct{ Erased map[string]int }
	s.post(t, "/api/retention/run", `{}`).want(t, http.StatusOK, &run)
	dpo.get(t, "/api/audit?user=empfang").want(t, http.StatusOK, &es)
	if len(es) != 0 || run.Erased["audit"] == 0 {
		t.Fatalf("audit after 365 days: %+v (erased %v)", es, run.Erased)
	}
}
