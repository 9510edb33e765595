package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

type apiAbsencePreview struct {
	Counter struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"counter"`
	From         string `json:"from"`
	To           string `json:"to"`
	Appointments []struct {
		ID       string   `json:"id"`
		Code     string   `json:"code"`
		Start    string   `json:"start"`
		End      string   `json:"end"`
		Services []string `json:"services"`
		Citizen  struct {
			Name  string `json:"name"`
			Email string `json:"email"`
			Phone string `json:"phone"`
		} `json:"citizen"`
		MovesTo  *string `json:"moves_to"`
		SameTime bool    `json:"same_time"`
		Notify   string  `json:"notify"`
		MovedBy  string  `json:"moved_by"`
	} `json:"appointments"`
	Moves    int `json:"moves"`
	Unplaced int `json:"unplaced"`
	Emails   int `json:"emails"`
	Calls    int `json:"calls"`
}

type apiCounter struct {
	ID       string `json:"id"`
	Absences []struct {
		From   string `json:"from"`
		To     string `json:"to"`
		Reason string `json:"reason"`
	} `json:"absences"`
}

func TestAbsencePreviewThenSave(t *testing.T) {
	s := openBuergerbuero(t)
	leitung := s.as(t, "leitung")
	eva := apiCitizen{Name: "Eva Roth", BirthDate: "1990-03-04", Phone: "0170 222"}
	k := s.mustBook(t, bookBody(berlin(nextWednesday, "09:00"), klaus, "anmeldung"))
	e := s.mustBook(t, bookBody(berlin(nextWednesday, "10:00"), eva, "anmeldung"))
	if e.Counter != k.Counter {
		t.Fatalf("booked at %s and %s, want the same counter", k.Counter, e.Counter)
	}
	path := "/api/counters/" + k.Counter + "/absences"
	body := `{"from":"` + nextWednesday + `","reason":"Krankheit"}`

	before := jsonOf(t, s.mustAppointments(t, "buergerbuero", nextWednesday))
	var p apiAbsencePreview
	leitung.post(t, path+"/preview", body).want(t, http.StatusOK, &p)
	if got := jsonOf(t, s.mustAppointments(t, "buergerbuero", nextWednesday)); got != before {
		t.Errorf("the preview changed the appointments:\n%s\nwant\n%s", got, before)
	}
	var inbox []apiInboxEntry
	s.get(t, "/api/inbox?building=buergerbuero").want(t, http.StatusOK, &inbox)
	if len(inbox) != 0 {
		t.Errorf("the preview wrote %d inbox entries", len(inbox))
	}
	if p.Counter.ID != k.Counter || p.Counter.Name == "" || p.From != nextWednesday || p.To != nextWednesday ||
		p.Moves != 2 || p.Unplaced != 0 || p.Emails != 1 || p.Calls != 1 || len(p.Appointments) != 2 {
		t.Fatalf("preview %+v", p)
	}
	want := map[string]struct{ notify, name string }{k.ID: {"email", klaus.Name}, e.ID: {"phone", eva.Name}}
	for _, m := range p.Appointments {
		w := want[m.ID]
		if m.Notify != w.notify || m.Citizen.Name != w.name || m.MovesTo == nil || *m.MovesTo != m.Start || !m.SameTime ||
			len(m.Services) != 1 || m.Services[0] != "Wohnsitz anmelden" || m.MovedBy != "" {
			t.Errorf("preview of %s: %+v", m.ID, m)
		}
	}
	var audit []struct {
		Route    string
		Entities []string
	}
	s.as(t, "datenschutz").get(t, "/api/audit?user=leitung").want(t, http.StatusOK, &audit)
	if len(audit) != 1 || audit[0].Route != "POST /api/counters/{id}/absences/preview" ||
		!contains(audit[0].Entities, k.ID) || !contains(audit[0].Entities, e.ID) {
		t.Errorf("the preview's audit: %+v", audit)
	}

	leitung.post(t, path, body).want(t, http.StatusOK, nil)
	moved := map[string]string{} // code → new start
	for _, a := range s.mustAppointments(t, "buergerbuero", nextWednesday) {
		if a.Status == "booked" {
			moved[a.Code] = a.Start
			if a.Counter == k.Counter {
				t.Errorf("%s still booked at the absent counter", a.Code)
			}
		}
	}
	for _, m := range p.Appointments {
		if moved[m.Code] != *m.MovesTo {
			t.Errorf("%s moved to %q, the preview said %q", m.Code, moved[m.Code], *m.MovesTo)
		}
	}
	s.get(t, "/api/inbox?building=buergerbuero").want(t, http.StatusOK, &inbox)
	if len(inbox) != 2 {
		t.Errorf("%d inbox entries, want 2", len(inbox))
	}

	// Entered by mistake: taken out again; what moved stays moved.
	s.do(t, http.MethodDelete, path+"/2026-11-24", nil).wantError(t, http.StatusNotFound, "not_found", "from")
	s.do(t, http.MethodDelete, path+"/morgen", nil).wantError(t, http.StatusBadRequest, "invalid_field", "from")
	s.as(t, "sachbearbeitung").do(t, http.MethodDelete, path+"/"+nextWednesday, nil).
		wantError(t, http.StatusForbidden, "forbidden", "")
	var c apiCounter
	leitung.do(t, http.MethodDelete, path+"/"+nextWednesday, nil).want(t, http.StatusOK, &c)
	if c.ID != k.Counter || len(c.Absences) != 0 {
		t.Errorf("after the removal: %+v", c)
	}
	var cs []apiCounter
	s.get(t, "/api/counters?building=buergerbuero").want(t, http.StatusOK, &cs)
	for _, x := range cs {
		if x.ID == k.Counter && len(x.Absences) != 0 {
			t.Errorf("GET /api/counters still lists %+v", x.Absences)
		}
	}
	for _, a := range s.mustAppointments(t, "buergerbuero", nextWednesday) {
		if a.Status == "booked" && moved[a.Code] != a.Start {
			t.Errorf("%s moved back to %s", a.Code, a.Start)
		}
	}
}

func TestAbsencePreviewNamesTheBadField(t *testing.T) {
	s := openBuergerbuero(t)
	tests := []struct{ name, body, field string }{
		{"no from", `{"reason":"Urlaub"}`, "from"},
		{"from not a day", `{"from":"morgen"}`, "from"},
		{"to not a day", `{"from":"` + nextWednesday + `","to":"27.11.2026"}`, "to"},
		{"to before from", `{"from":"` + nextWednesday + `","to":"2026-11-24"}`, "to"},
		{"reason too long", `{"from":"` + nextWednesday + `","reason":"` + strings.Repeat("x", 300) + `"}`, "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/counters/bb-1/absences/preview", "/api/counters/bb-1/absences"} {
				s.post(t, path, tc.body).wantError(t, http.StatusBadRequest, "invalid_field", tc.field)
			}
		})
	}
	s.post(t, "/api/counters/bb-9/absences/preview", `{"from":"`+nextWednesday+`"}`).
		wantError(t, http.StatusNotFound, "not_found", anyField)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
