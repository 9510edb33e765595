package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// receptionVisit is a visit with what reception acts on.
type receptionVisit struct {
	visit
	ComingBy     string `json:"coming_by"`
	ComingByName string `json:"coming_by_name"`
	Unanswered   bool   `json:"unanswered"`
	AfterClosing bool   `json:"after_closing"`
	BuildingName string `json:"building_name"`
	Entrance     string `json:"entrance"`
}

const walkIn = `{"name":"Maria Schneider","phone":"02921 103-0","host":"staff-mueller"}`

func TestWalkInAtAppointmentOnlyBuildingNeedsReason(t *testing.T) {
	s := openDemo(t) // Rathaus I admits visitors with an appointment only
	before := s.listings(t)
	e := s.post(t, "/api/visits", walkIn).wantError(t, http.StatusBadRequest, "invalid_field", "reason")
	if !strings.Contains(e.Error.Message, "nur mit Termin") || !strings.Contains(e.Error.Message, "Grund") {
		t.Errorf("message %q does not say: appointment only, give the reason", e.Error.Message)
	}
	if after := s.listings(t); after != before {
		t.Errorf("a refused walk-in changed the listings:\n%s\nbecame\n%s", before, after)
	}
	// With a reason the visitor is let in, the reason recorded.
	v := s.mustRegister(t, `{"name":"Maria Schneider","phone":"02921 103-0","host":"staff-mueller","reason":"Unterlagen abgeben"}`)
	if v.Reason != "Unterlagen abgeben" || v.Status != "waiting" {
		t.Errorf("walk-in with reason: %+v", v)
	}
	// The Bürger Büro admits walk-ins without a reason.
	s.mustRegister(t, `{"building":"buergerbuero","name":"Jonas Weber","phone":"0170 1","host":"staff-aydin"}`)
}

func TestRegisterFromAppointmentChecksItIn(t *testing.T) {
	s := openDemo(t)
	slots := s.mustSlots(t, "building=rathaus-1&services=hundesteuer&days=1")
	if len(slots) == 0 {
		t.Fatal("no slot for hundesteuer in Rathaus I today")
	}
	body, _ := json.Marshal(map[string]any{"building": "rathaus-1", "services": []string{"hundesteuer"},
		"start": slots[0].Start, "channel": "phone", "citizen": klaus})
	a := s.mustBook(t, string(body))

	// No reason needed: the appointment is the reason.
	v := s.mustRegister(t, `{"name":"Klaus Becker","phone":"02921 555-3","host":"staff-schmidt","appointment_id":"`+a.ID+`"}`)
	if v.AppointmentID != a.ID {
		t.Errorf("visit appointment_id %q, want %q", v.AppointmentID, a.ID)
	}
	var got apiAppointment
	s.get(t, "/api/appointments/"+a.ID).want(t, http.StatusOK, &got)
	if got.Status != "checked_in" || got.Ticket == "" {
		t.Errorf("appointment after registration: status %q ticket %q, want checked_in with a ticket", got.Status, got.Ticket)
	}
	// Another building's appointment does not admit anyone here.
	other := s.mustBook(t, bookBody(s.mustSlots(t, "building=buergerbuero&services=personalausweis&days=1")[0].Start, klaus, "personalausweis"))
	e := s.post(t, "/api/visits", `{"name":"Klaus Becker","phone":"1234","host":"staff-schmidt","appointment_id":"`+other.ID+`"}`).
		wantError(t, http.StatusBadRequest, "invalid_field", "appointment_id")
	if !strings.Contains(e.Error.Message, "anderen Gebäude") {
		t.Errorf("message %q", e.Error.Message)
	}
}

func TestHostAnswersAndReceptionIsToldWhenNobodyDoes(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, mariaJSON)
	var mine []receptionVisit
	s.get(t, "/api/visits/host?host=staff-mueller").want(t, http.StatusOK, &mine)
	if len(mine) != 1 || mine[0].ID != v.ID || mine[0].Entrance != "Eingang über den Rathausinnenhof" {
		t.Fatalf("host's visitors: %+v", mine)
	}
	s.get(t, "/api/visits/host?host=staff-schmidt").want(t, http.StatusOK, &mine)
	if len(mine) != 0 {
		t.Errorf("another host sees %d visitors", len(mine))
	}
	s.get(t, "/api/visits/host?host=staff-nobody").wantError(t, http.StatusBadRequest, "invalid_field", "host")

	// Nobody answers for five minutes: flagged.
	present := func() receptionVisit {
		var vs []receptionVisit
		s.get(t, "/api/visits/present").want(t, http.StatusOK, &vs)
		return vs[0]
	}
	s.clock.Add(4*time.Minute + 59*time.Second)
	if present().Unanswered {
		t.Error("flagged before five minutes")
	}
	s.clock.Add(time.Second)
	if !present().Unanswered {
		t.Error("not flagged after five minutes without an answer")
	}

	// "Ich hole ab": the visitor still waits, reception sees who comes.
	var c receptionVisit
	s.post(t, "/api/visits/"+v.ID+"/coming", `{"by":"staff-mueller"}`).want(t, http.StatusOK, &c)
	if c.Status != "waiting" || c.ComingBy != "staff-mueller" || c.ComingByName != "Anna Müller" || c.Unanswered {
		t.Errorf("after Ich hole ab: %+v", c)
	}
	s.post(t, "/api/visits/"+v.ID+"/pickup", "").want(t, http.StatusOK, &c)
	if c.Status != "escorted" || c.PickedUpBy != "staff-mueller" {
		t.Errorf("after pick-up: %+v", c)
	}
	s.post(t, "/api/visits/"+v.ID+"/coming", "").wantError(t, http.StatusConflict, "invalid_state", "")
}

func TestVisitorStillInAtClosingIsFlagged(t *testing.T) {
	s := openDemo(t)
	s.mustRegister(t, mariaJSON)
	s.clock.Set(time.Date(2026, 11, 18, 16, 1, 0, 0, wednesdayMorning.Location())) // Rathaus I closes at 16:00
	var vs []receptionVisit
	s.get(t, "/api/visits/present").want(t, http.StatusOK, &vs)
	if len(vs) != 1 || !vs[0].AfterClosing {
		t.Errorf("after closing: %+v", vs)
	}
}

func TestRecentVisitsOfTheSameName(t *testing.T) {
	s := openDemo(t)
	s.mustRegister(t, `{"name":"Jürgen Nübel","phone":"0170 42","email":"j@example.org","host":"staff-mueller","reason":"Abgabe"}`)
	s.mustRegister(t, `{"name":"Jürgen Nübelmann","phone":"0170 43","host":"staff-mueller","reason":"Abgabe"}`)
	s.clock.Add(24 * time.Hour)
	var vs []visit
	s.get(t, "/api/visits/recent?name=juergen+nuebel").want(t, http.StatusOK, &vs)
	if len(vs) != 1 || vs[0].Phone != "0170 42" || vs[0].Email != "j@example.org" {
		t.Errorf("recent visits of Jürgen Nübel: %+v", vs)
	}
	s.get(t, "/api/visits/recent?name=J%C3%BC").want(t, http.StatusOK, &vs)
	if len(vs) != 0 {
		t.Errorf("two letters found %d visits", len(vs))
	}
	s.get(t, "/api/visits/recent?name=a%07b").wantError(t, http.StatusBadRequest, "invalid_field", "name")
	// Past the retention period nothing is offered.
	s.clock.Add(28 * 24 * time.Hour)
	s.get(t, "/api/visits/recent?name=juergen+nuebel").want(t, http.StatusOK, &vs)
	if len(vs) != 0 {
		t.Errorf("after the retention period: %+v", vs)
	}
}

func TestEvacuationList(t *testing.T) {
	s := openDemo(t)
	s.mustRegister(t, mariaJSON)
	gone := s.mustRegister(t, `{"name":"Jonas Weber","phone":"0170 1234567","host":"staff-schmidt","reason":"Termin vergessen"}`)
	s.post(t, "/api/visits/"+gone.ID+"/leave", "").want(t, http.StatusOK, nil)
	text := pdfText(t, writePDF(t, s.mustPDF(t, "/api/print/evacuation.pdf")))
	wantIn(t, "evacuation list", text, "Evakuierungsliste", "Rathaus I – Stand 09:14 Uhr", "Eingang über den Rathausinnenhof",
		"Maria Schneider", "Anna Müller", "wartet am Eingang", "Im Haus: 1 Person")
	if strings.Contains(text, "Jonas Weber") {
		t.Error("a visitor who left is on the evacuation list")
	}
}

// sseLines opens a server-sent event stream and returns a function that
// waits for the next line satisfying ok.
func sseLines(t *testing.T, s *site, url string) func(what string, wait time.Duration, ok func(string) bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: status %d, Content-Type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return func(what string, wait time.Duration, ok func(string) bool) string {
		t.Helper()
		deadline := time.After(wait)
		for {
			select {
			case l, open := <-lines:
				if !open {
					t.Fatalf("stream ended waiting for %s", what)
				}
				if ok(l) {
					return l
				}
			case <-deadline:
				t.Fatalf("no %s within %s", what, wait)
			}
		}
	}
}

func TestVisitStreamTellsTheHost(t *testing.T) {
	s := openDemo(t)
	next := sseLines(t, s, s.url+"/api/visits/stream?host=staff-mueller")
	next("greeting", 5*time.Second, func(l string) bool { return l == ": visits" })
	s.mustRegister(t, `{"name":"Für Schmidt","phone":"1234","host":"staff-schmidt","reason":"x"}`)
	v := s.mustRegister(t, mariaJSON)
	data := next("data", time.Second, func(l string) bool { return strings.HasPrefix(l, "data: ") })
	var got receptionVisit
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != v.ID || got.Name != "Maria Schneider" || got.Entrance == "" {
		t.Errorf("streamed %+v, want Maria Schneider's visit (not Schmidt's)", got)
	}
	s.get(t, "/api/visits/stream?host=staff-nobody").wantError(t, http.StatusBadRequest, "invalid_field", "host")
}
