package app_test

import (
	"net/http"
	"testing"
)

type apiInboxEntry struct {
	ID            string     `json:"id"`
	Kind          string     `json:"kind"`
	AppointmentID string     `json:"appointment_id"`
	Code          string     `json:"code"`
	Citizen       apiCitizen `json:"citizen"`
	OldStart      string     `json:"old_start"`
	NewStart      string     `json:"new_start"`
	Reason        string     `json:"reason"`
	Resolved      bool       `json:"resolved"`
	Action        string     `json:"action"`
}

func TestAbsenceFillsInbox(t *testing.T) {
	s := openBuergerbuero(t)
	a := s.mustBook(t, bookBody(berlin(nextWednesday, "09:00"), klaus, "anmeldung"))
	s.post(t, "/api/counters/"+a.Counter+"/absences", `{"from":"`+nextWednesday+`","reason":"Krankheit"}`).
		want(t, http.StatusOK, nil)

	var inbox []apiInboxEntry
	s.get(t, "/api/inbox?building=buergerbuero").want(t, http.StatusOK, &inbox)
	if len(inbox) != 1 {
		t.Fatalf("%d inbox entries, want 1: %+v", len(inbox), inbox)
	}
	e := inbox[0]
	if e.Kind != "moved" || e.Code != a.Code || e.Citizen.Name != klaus.Name || e.OldStart != a.Start ||
		e.NewStart != a.Start || e.Reason == "" || e.Resolved {
		t.Errorf("entry %+v; want moved to the same time at another counter", e)
	}
	moved := s.mustAppointments(t, "buergerbuero", nextWednesday)
	for _, m := range moved {
		if m.Code == a.Code && m.Status == "booked" && m.Counter == a.Counter {
			t.Errorf("still booked at the absent counter: %+v", m)
		}
	}

	s.post(t, "/api/inbox/"+e.ID+"/resolve", `{"action":"gelesen"}`).wantError(t, http.StatusBadRequest, "invalid_field", "action")
	s.post(t, "/api/inbox/nobody/resolve", `{"action":"done"}`).wantError(t, http.StatusNotFound, "not_found", "id")
	var done apiInboxEntry
	s.post(t, "/api/inbox/"+e.ID+"/resolve", `{"action":"done"}`).want(t, http.StatusOK, &done)
	if !done.Resolved || done.Action != "done" {
		t.Errorf("resolved entry %+v", done)
	}
	s.post(t, "/api/counters/"+a.Counter+"/absences", `{"from":"morgen"}`).wantError(t, http.StatusBadRequest, "invalid_field", "from")
}
