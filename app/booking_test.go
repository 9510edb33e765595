package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pforte/app"
	"pforte/engine"
)

// The booking API tests run a demo site standing in the Bürger Büro
// (Wednesdays 08:00–12:30, bookable 10 minutes ahead, 20 day tickets;
// Schalter 1–3 and the held-back Schalter 5 serve the identity card,
// Schalter 4 quick concerns only) at 08:05 on Wednesday 2026-11-18.

var bookingMorning = time.Date(2026, 11, 18, 8, 5, 0, 0, engine.Berlin)

// nextWednesday is a day ahead, where the held-back Schalter 5 is not
// offered: three counters serve the identity card.
const nextWednesday = "2026-11-25"

func openBuergerbuero(t *testing.T) *site {
	t.Helper()
	return openSite(t, app.Config{DataDir: t.TempDir(), Site: "test", Building: "buergerbuero", Demo: true, Version: "test"},
		engine.NewFixedClock(bookingMorning))
}

// apiSlot, apiAppointment, apiCall and apiDay are what the booking API
// answers.
type apiSlot struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Building string `json:"building"`
}

type apiCitizen struct {
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
}

type apiAppointment struct {
	ID           string     `json:"id"`
	Code         string     `json:"code"`
	QR           string     `json:"qr"`
	Building     string     `json:"building"`
	Services     []string   `json:"services"`
	ServiceNames []string   `json:"service_names"`
	Documents    []string   `json:"documents"`
	Start        string     `json:"start"`
	End          string     `json:"end"`
	Status       string     `json:"status"`
	Channel      string     `json:"channel"`
	Counter      string     `json:"counter"`
	CounterName  string     `json:"counter_name"`
	Ticket       string     `json:"ticket"`
	CheckedInAt  string     `json:"checked_in_at"`
	CalledAt     string     `json:"called_at"`
	CalledTo     string     `json:"called_to"`
	EndedAt      string     `json:"ended_at"`
	BookedAt     string     `json:"booked_at"`
	MovedFrom    string     `json:"moved_from"`
	Citizen      apiCitizen `json:"citizen"`
}

type apiCheckIn struct {
	Appointment apiAppointment `json:"appointment"`
	Ticket      string         `json:"ticket"`
}

type apiCall struct {
	Ticket        string `json:"ticket"`
	Counter       string `json:"counter"`
	CounterName   string `json:"counter_name"`
	At            string `json:"at"`
	AppointmentID string `json:"appointment_id"`
	Building      string `json:"building"`
}

type apiDay struct {
	Day      string `json:"day"`
	Openings []struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"openings"`
	Closed  bool   `json:"closed"`
	Reason  string `json:"reason"`
	Holiday bool   `json:"holiday"`
}

var klaus = apiCitizen{Name: "Klaus Becker", BirthDate: "1961-09-30", Phone: "02921 555-3", Email: "klaus@example.org"}

// bookBody is the body of POST /api/appointments in the Bürger Büro.
func bookBody(start string, c apiCitizen, services ...string) string {
	b, err := json.Marshal(map[string]any{"building": "buergerbuero", "services": services, "start": start,
		"channel": "desk", "citizen": c})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (s *site) mustBook(t *testing.T, body string) apiAppointment {
	t.Helper()
	var a apiAppointment
	s.post(t, "/api/appointments", body).want(t, http.StatusCreated, &a)
	return a
}

func (s *site) mustSlots(t *testing.T, query string) []apiSlot {
	t.Helper()
	var ss []apiSlot
	s.get(t, "/api/slots?"+query).want(t, http.StatusOK, &ss)
	return ss
}

func (s *site) mustAppointments(t *testing.T, building, day string) []apiAppointment {
	t.Helper()
	var as []apiAppointment
	s.get(t, "/api/appointments?building="+building+"&day="+day).want(t, http.StatusOK, &as)
	return as
}

func slotOffered(ss []apiSlot, start string) bool {
	return slices.ContainsFunc(ss, func(s apiSlot) bool { return s.Start == start })
}

// berlin is hh:mm on a local day as the API writes it.
func berlin(day, hhmm string) string {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, engine.Berlin)
	if err != nil {
		panic(err)
	}
	return t.Format(time.RFC3339)
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return tm.In(engine.Berlin)
}

// buergerbueroHours are the Bürger Büro's weekly hours (ISO weekday →
// open, close), as the demo seeds them.
var buergerbueroHours = map[time.Weekday][2]string{
	time.Monday: {"08:00", "16:00"}, time.Tuesday: {"08:00", "16:00"}, time.Wednesday: {"08:00", "12:30"},
	time.Thursday: {"08:00", "18:00"}, time.Friday: {"08:00", "12:30"},
}

func TestSlotsEarliestFirstWithinHours(t *testing.T) {
	s := openBuergerbuero(t)
	tests := []struct {
		name, query string
		first       string
	}{
		// Ten minutes lead: 08:15 is the first start today.
		{"today", "building=buergerbuero&services=personalausweis&from=2026-11-18&days=1", berlin(today, "08:15")},
		{"two weeks, two services", "building=buergerbuero&services=personalausweis,meldebescheinigung&days=14", berlin(today, "08:15")},
		{"this site's building by default", "services=anmeldung&days=3", berlin(today, "08:15")},
		{"ahead", "building=buergerbuero&services=reisepass&from=2026-11-25&days=7", berlin(nextWednesday, "08:00")},
		// Good Friday, the weekend the clocks go forward, Easter Monday:
		// Tuesday opens at 08:00 summer time.
		{"across Easter and the change to summer time", "services=anmeldung&from=2027-03-26&days=5", "2027-03-30T08:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := s.mustSlots(t, tt.query)
			if len(ss) == 0 {
				t.Fatal("no slots")
			}
			if ss[0].Start != tt.first {
				t.Errorf("first slot %s, want %s", ss[0].Start, tt.first)
			}
			var prev time.Time
			for _, sl := range ss {
				start, end := mustTime(t, sl.Start), mustTime(t, sl.End)
				if !start.After(prev) {
					t.Fatalf("slot %s after %s: not earliest first", sl.Start, prev.Format(time.RFC3339))
				}
				prev = start
				if sl.Building != "buergerbuero" {
					t.Errorf("slot %s in %q", sl.Start, sl.Building)
				}
				if start.Minute()%5 != 0 || start.Second() != 0 {
					t.Errorf("slot %s is off the 5-minute grid", sl.Start)
				}
				hours, ok := buergerbueroHours[start.Weekday()]
				if !ok {
					t.Fatalf("slot %s on a %s, a closed day", sl.Start, start.Weekday())
				}
				day := start.Format(time.DateOnly)
				if sl.Start < berlin(day, hours[0]) || sl.End > berlin(day, hours[1]) || !end.After(start) {
					t.Errorf("slot %s–%s outside the %s hours %s–%s", sl.Start, sl.End, start.Weekday(), hours[0], hours[1])
				}
			}
		})
	}
	// Wednesday: the last identity card appointment starts 12:15.
	ss := s.mustSlots(t, "building=buergerbuero&services=personalausweis&from=2026-11-18&days=1")
	if got, want := ss[len(ss)-1].Start, berlin(today, "12:15"); got != want {
		t.Errorf("last slot today %s, want %s", got, want)
	}
}

func TestSlotsRefuseBadQuery(t *testing.T) {
	s := openBuergerbuero(t)
	tests := []struct {
		name, query, field string
	}{
		{"no service", "services=&days=1", "services"},
		{"five services", "services=personalausweis,reisepass,anmeldung,ummeldung,meldebescheinigung", "services"},
		{"a service twice", "services=anmeldung,anmeldung", "services"},
		{"unknown service", "services=mondlandung", "services"},
		{"service not offered here", "services=hundesteuer", "services"},
		{"from not a day", "services=anmeldung&from=x", "from"},
		{"from not a date", "services=anmeldung&from=2026-13-01", "from"},
		{"zero days", "services=anmeldung&days=0", "days"},
		{"367 days", "services=anmeldung&days=367", "days"},
		{"days not a number", "services=anmeldung&days=x", "days"},
		{"unknown channel", "services=anmeldung&channel=fax", "channel"},
		{"unknown building", "services=anmeldung&building=nowhere", "building"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.get(t, "/api/slots?"+tt.query).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
		})
	}
	// The bounds themselves are fine.
	s.mustSlots(t, "services=anmeldung&days=366")
	s.mustSlots(t, "services=anmeldung&days=1&channel=online")
}

var apiCode = regexp.MustCompile(`^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$`)

func TestBookAppointment(t *testing.T) {
	s := openBuergerbuero(t)
	ss := s.mustSlots(t, "services=personalausweis,meldebescheinigung&days=1")
	a := s.mustBook(t, bookBody(ss[0].Start, klaus, "personalausweis", "meldebescheinigung"))

	tests := []struct {
		what      string
		got, want any
	}{
		{"code", apiCode.MatchString(a.Code), true},
		{"qr", a.QR, "PFORTE:" + a.Code},
		{"building", a.Building, "buergerbuero"},
		{"services", strings.Join(a.Services, ","), "personalausweis,meldebescheinigung"},
		{"service names", strings.Join(a.ServiceNames, "|"), "Personalausweis beantragen|Meldebescheinigung"},
		{"documents (each once)", strings.Join(a.Documents, "|"),
			"bisheriger Ausweis oder Reisepass|ein aktuelles biometrisches Passfoto|Personalausweis oder Reisepass"},
		{"start", a.Start, berlin(today, "08:15")},
		{"end (15 + 5 minutes)", a.End, berlin(today, "08:35")},
		{"status", a.Status, "booked"},
		{"channel", a.Channel, "desk"},
		{"counter", a.Counter, "bb-1"}, // the first counter that serves both
		{"counter name", a.CounterName, "Schalter 1"},
		{"citizen", a.Citizen, klaus},
		{"booked at", a.BookedAt, bookingMorning.Format(time.RFC3339)},
		{"no ticket yet", a.Ticket, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.what, tt.got, tt.want)
		}
	}

	// A start in UTC is the same instant; the answer is in Berlin time.
	utc := s.mustBook(t, bookBody("2026-11-25T08:00:00Z", klaus, "anmeldung"))
	if utc.Start != berlin(nextWednesday, "09:00") {
		t.Errorf("booked 08:00Z, got start %s, want %s", utc.Start, berlin(nextWednesday, "09:00"))
	}

	var one apiAppointment
	s.get(t, "/api/appointments/"+a.ID).want(t, http.StatusOK, &one)
	if one.ID != a.ID || one.Code != a.Code || one.Citizen != klaus {
		t.Errorf("GET /api/appointments/%s: %+v", a.ID, one)
	}
	s.get(t, "/api/appointments/nope").wantError(t, http.StatusNotFound, engine.CodeNotFound, anyField)
}

func TestBookTakenSlot(t *testing.T) {
	s := openBuergerbuero(t)
	start := berlin(nextWednesday, "09:00")
	counters := map[string]bool{}
	for range 3 {
		a := s.mustBook(t, bookBody(start, klaus, "personalausweis"))
		if counters[a.Counter] {
			t.Fatalf("counter %s booked twice at %s", a.Counter, start)
		}
		counters[a.Counter] = true
	}
	if want := map[string]bool{"bb-1": true, "bb-2": true, "bb-3": true}; !mapsEqual(counters, want) {
		t.Errorf("booked counters %v, want %v (Schalter 5 is held back)", counters, want)
	}
	s.post(t, "/api/appointments", bookBody(start, klaus, "personalausweis")).
		wantError(t, http.StatusConflict, engine.CodeSlotTaken, "start")
	if slotOffered(s.mustSlots(t, "services=personalausweis&from="+nextWednesday+"&days=1"), start) {
		t.Errorf("%s still offered", start)
	}
	if got := len(s.mustAppointments(t, "buergerbuero", nextWednesday)); got != 3 {
		t.Errorf("%d appointments after the refused booking, want 3", got)
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestBookRefusesBadInput(t *testing.T) {
	s := openBuergerbuero(t)
	start := berlin(nextWednesday, "09:00")
	valid := map[string]any{"building": "buergerbuero", "services": []string{"personalausweis"}, "start": start,
		"channel": "desk", "citizen": map[string]any{"name": "Klaus Becker", "birth_date": "1961-09-30", "email": "k@example.org"}}
	with := func(edit func(m map[string]any)) string {
		b, _ := json.Marshal(valid)
		var m map[string]any
		json.Unmarshal(b, &m)
		edit(m)
		b, _ = json.Marshal(m)
		return string(b)
	}
	citizen := func(m map[string]any) map[string]any { return m["citizen"].(map[string]any) }
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"birth date as typed in Germany", with(func(m map[string]any) { citizen(m)["birth_date"] = "30.09.1961" }), "citizen.birth_date"},
		{"birth date in the future", with(func(m map[string]any) { citizen(m)["birth_date"] = "2030-01-01" }), "citizen.birth_date"},
		{"no birth date", with(func(m map[string]any) { delete(citizen(m), "birth_date") }), "citizen.birth_date"},
		{"no name", with(func(m map[string]any) { citizen(m)["name"] = " " }), "citizen.name"},
		{"bad e-mail", with(func(m map[string]any) { citizen(m)["email"] = "klaus" }), "citizen.email"},
		{"online without e-mail", with(func(m map[string]any) { m["channel"] = "online"; delete(citizen(m), "email") }), "citizen.email"},
		{"no start", with(func(m map[string]any) { delete(m, "start") }), "start"},
		{"start not a time", with(func(m map[string]any) { m["start"] = "morgen" }), "start"},
		{"start without offset", with(func(m map[string]any) { m["start"] = "2026-11-25T09:00:00" }), "start"},
		// A start that can never be a slot is bad input, not a taken slot.
		{"start off the grid", with(func(m map[string]any) { m["start"] = berlin(nextWednesday, "09:02") }), "start"},
		{"start outside hours", with(func(m map[string]any) { m["start"] = berlin(nextWednesday, "13:00") }), "start"},
		{"end outside hours", with(func(m map[string]any) { m["start"] = berlin(nextWednesday, "12:20") }), "start"},
		{"start on a closed day", with(func(m map[string]any) { m["start"] = berlin("2026-11-28", "10:00") }), "start"},
		{"start in the past", with(func(m map[string]any) { m["start"] = berlin(today, "08:00") }), "start"},
		{"unknown field", with(func(m map[string]any) { m["priority"] = "high" }), "priority"},
		{"services not a list", with(func(m map[string]any) { m["services"] = "personalausweis" }), "services"},
		{"five services", with(func(m map[string]any) {
			m["services"] = []string{"personalausweis", "reisepass", "anmeldung", "ummeldung", "meldebescheinigung"}
		}), "services"},
		{"unknown service", with(func(m map[string]any) { m["services"] = []string{"mondlandung"} }), "services"},
		{"unknown building", with(func(m map[string]any) { m["building"] = "nowhere" }), "building"},
		{"unknown channel", with(func(m map[string]any) { m["channel"] = "fax" }), "channel"},
		{"not JSON", "building=buergerbuero", "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.post(t, "/api/appointments", tt.body).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
		})
	}
	for _, day := range []string{today, nextWednesday} {
		if got := s.mustAppointments(t, "buergerbuero", day); len(got) != 0 {
			t.Errorf("refused bookings left %d appointments on %s", len(got), day)
		}
	}
	s.mustBook(t, with(func(map[string]any) {}))
}

func TestAppointmentsOfDay(t *testing.T) {
	s := openBuergerbuero(t)
	late := s.mustBook(t, bookBody(berlin(today, "10:00"), klaus, "anmeldung"))
	early := s.mustBook(t, bookBody(berlin(today, "09:00"), apiCitizen{Name: "Eva Roth", BirthDate: "1990-03-04"}, "reisepass"))
	s.mustBook(t, bookBody(berlin(nextWednesday, "09:00"), klaus, "anmeldung"))

	got := s.mustAppointments(t, "buergerbuero", today)
	if len(got) != 2 || got[0].ID != early.ID || got[1].ID != late.ID {
		t.Fatalf("appointments of %s: %+v, want %s then %s", today, got, early.ID, late.ID)
	}
	if got[0].Citizen.Name != "Eva Roth" || got[1].Citizen != klaus {
		t.Errorf("citizens %+v, %+v", got[0].Citizen, got[1].Citizen)
	}
	var def []apiAppointment
	s.get(t, "/api/appointments").want(t, http.StatusOK, &def)
	if len(def) != 2 {
		t.Errorf("today in this site's building: %d appointments, want 2", len(def))
	}
	if got := s.mustAppointments(t, "rathaus-1", today); len(got) != 0 {
		t.Errorf("rathaus-1 shows %d appointments of the Bürger Büro", len(got))
	}
	s.get(t, "/api/appointments?day=18.11.2026").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "day")
	s.get(t, "/api/appointments?building=nowhere").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "building")
}

func TestCancelAppointment(t *testing.T) {
	s := openBuergerbuero(t)
	start := berlin(nextWednesday, "09:00")
	var booked []apiAppointment
	for range 3 {
		booked = append(booked, s.mustBook(t, bookBody(start, klaus, "personalausweis")))
	}
	query := "services=personalausweis&from=" + nextWednesday + "&days=1"
	if slotOffered(s.mustSlots(t, query), start) {
		t.Fatalf("%s offered with every counter booked", start)
	}

	var c apiAppointment
	s.post(t, "/api/appointments/"+booked[1].ID+"/cancel", "").want(t, http.StatusOK, &c)
	if c.ID != booked[1].ID || c.Status != "cancelled" || c.EndedAt == "" {
		t.Errorf("cancelled: %+v", c)
	}
	if !slotOffered(s.mustSlots(t, query), start) {
		t.Errorf("%s not offered after the cancellation", start)
	}
	if again := s.mustBook(t, bookBody(start, klaus, "personalausweis")); again.Counter != booked[1].Counter {
		t.Errorf("rebooked at %s, want the freed %s", again.Counter, booked[1].Counter)
	}
	s.post(t, "/api/appointments/"+booked[1].ID+"/cancel", "").wantError(t, http.StatusConflict, engine.CodeInvalidState, "")
	s.post(t, "/api/appointments/nope/cancel", "").wantError(t, http.StatusNotFound, engine.CodeNotFound, anyField)
}

func TestMoveAppointment(t *testing.T) {
	s := openBuergerbuero(t)
	old := s.mustBook(t, bookBody(berlin(nextWednesday, "09:00"), klaus, "reisepass"))
	var moved apiAppointment
	s.post(t, "/api/appointments/"+old.ID+"/move", `{"start":"`+berlin(nextWednesday, "09:10")+`"}`).
		want(t, http.StatusOK, &moved)
	if moved.ID == old.ID || moved.Code != old.Code || moved.MovedFrom != old.ID || moved.Status != "booked" ||
		moved.Start != berlin(nextWednesday, "09:10") || moved.Citizen != klaus {
		t.Errorf("moved: %+v, want a new booked appointment at 09:10 with code %s moved from %s", moved, old.Code, old.ID)
	}
	var was apiAppointment
	s.get(t, "/api/appointments/"+old.ID).want(t, http.StatusOK, &was)
	if was.Status != "cancelled" {
		t.Errorf("old appointment %s", was.Status)
	}
	list := s.mustAppointments(t, "buergerbuero", nextWednesday)
	if len(list) != 2 {
		t.Errorf("%d appointments after a move, want the cancelled and the new one", len(list))
	}

	// Fill the three counters at 11:00: a move there is refused and
	// changes nothing.
	for range 3 {
		s.mustBook(t, bookBody(berlin(nextWednesday, "11:00"), klaus, "personalausweis"))
	}
	s.post(t, "/api/appointments/"+moved.ID+"/move", `{"start":"`+berlin(nextWednesday, "11:00")+`"}`).
		wantError(t, http.StatusConflict, engine.CodeSlotTaken, "start")
	s.post(t, "/api/appointments/"+moved.ID+"/move", `{"start":"morgen"}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "start")
	s.post(t, "/api/appointments/"+moved.ID+"/move", `{}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "start")
	s.post(t, "/api/appointments/"+old.ID+"/move", `{"start":"`+berlin(nextWednesday, "10:00")+`"}`).
		wantError(t, http.StatusConflict, engine.CodeInvalidState, "")
	var still apiAppointment
	s.get(t, "/api/appointments/"+moved.ID).want(t, http.StatusOK, &still)
	if still.Status != "booked" || still.Start != moved.Start {
		t.Errorf("after refused moves: %s at %s", still.Status, still.Start)
	}
}

func TestCheckInAndCallUp(t *testing.T) {
	s := openBuergerbuero(t)
	eva := apiCitizen{Name: "Eva Roth", BirthDate: "1990-03-04"}
	first := s.mustBook(t, bookBody(berlin(today, "08:30"), klaus, "personalausweis"))
	second := s.mustBook(t, bookBody(berlin(today, "08:45"), eva, "anmeldung"))

	var in apiCheckIn
	s.post(t, "/api/checkin", `{"building":"buergerbuero","birth_date":"1961-09-30"}`).want(t, http.StatusOK, &in)
	if in.Ticket != "A-001" || in.Appointment.ID != first.ID || in.Appointment.Status != "checked_in" || in.Appointment.Ticket != "A-001" {
		t.Errorf("check-in by birth date: ticket %q, appointment %+v", in.Ticket, in.Appointment)
	}
	s.post(t, "/api/checkin", `{"code":"pforte:`+strings.ToLower(second.Code)+`"}`).want(t, http.StatusOK, &in)
	if in.Ticket != "A-002" || in.Appointment.ID != second.ID {
		t.Errorf("check-in by code: ticket %q, appointment %s", in.Ticket, in.Appointment.ID)
	}
	s.post(t, "/api/checkin", `{"birth_date":"1961-09-30"}`).want(t, http.StatusOK, &in)
	if in.Ticket != "A-001" {
		t.Errorf("second tap: ticket %q, want A-001", in.Ticket)
	}
	s.post(t, "/api/checkin", `{"birth_date":"1950-01-01"}`).wantError(t, http.StatusNotFound, engine.CodeNotFound, "birth_date")
	s.post(t, "/api/checkin", `{"code":"ZZZZZZ"}`).wantError(t, http.StatusNotFound, engine.CodeNotFound, "code")
	s.post(t, "/api/checkin", `{}`).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "birth_date")

	type callAnswer struct {
		Appointment apiAppointment `json:"appointment"`
		Ticket      string         `json:"ticket"`
		Counter     string         `json:"counter"`
		CounterName string         `json:"counter_name"`
	}
	var c callAnswer
	s.post(t, "/api/counters/bb-1/call-next", "").want(t, http.StatusOK, &c)
	if c.Ticket != "A-001" || c.Counter != "bb-1" || c.CounterName != "Schalter 1" || c.Appointment.Status != "called" {
		t.Errorf("bb-1 call-next: %+v", c)
	}
	s.clock.Add(time.Minute)
	s.post(t, "/api/counters/bb-3/call-next", "").want(t, http.StatusOK, &c)
	if c.Ticket != "A-002" || c.CounterName != "Schalter 3" || c.Appointment.CalledTo != "bb-3" {
		t.Errorf("bb-3 call-next: %+v", c)
	}
	s.post(t, "/api/counters/bb-2/call-next", "").wantError(t, http.StatusNotFound, engine.CodeNobody, "counter")
	s.post(t, "/api/counters/nope/call-next", "").wantError(t, http.StatusNotFound, engine.CodeNotFound, "counter")

	var calls []apiCall
	s.get(t, "/api/calls?building=buergerbuero").want(t, http.StatusOK, &calls)
	if len(calls) != 2 || calls[0].Ticket != "A-002" || calls[0].CounterName != "Schalter 3" ||
		calls[1].Ticket != "A-001" || calls[1].CounterName != "Schalter 1" {
		t.Errorf("calls, newest first: %+v", calls)
	}
	if calls[0].At != bookingMorning.Add(time.Minute).Format(time.RFC3339) || calls[0].AppointmentID != second.ID {
		t.Errorf("latest call at %s for %s, want %s for %s", calls[0].At, calls[0].AppointmentID,
			bookingMorning.Add(time.Minute).Format(time.RFC3339), second.ID)
	}

	var served apiAppointment
	s.post(t, "/api/appointments/"+first.ID+"/served", "").want(t, http.StatusOK, &served)
	if served.Status != "served" {
		t.Errorf("served: status %s", served.Status)
	}
	s.post(t, "/api/appointments/"+first.ID+"/served", "").wantError(t, http.StatusConflict, engine.CodeInvalidState, "")
	s.post(t, "/api/appointments/"+second.ID+"/no-show", "").want(t, http.StatusOK, &served)
	if served.Status != "no_show" {
		t.Errorf("no-show: status %s", served.Status)
	}
}

func TestCheckInAmbiguousBirthDate(t *testing.T) {
	s := openBuergerbuero(t)
	twin := apiCitizen{Name: "Karla Becker", BirthDate: klaus.BirthDate}
	s.mustBook(t, bookBody(berlin(today, "08:30"), klaus, "personalausweis"))
	karla := s.mustBook(t, bookBody(berlin(today, "08:45"), twin, "anmeldung"))

	s.post(t, "/api/checkin", `{"birth_date":"1961-09-30"}`).wantError(t, http.StatusConflict, engine.CodeAmbiguous, "name")
	var in apiCheckIn
	s.post(t, "/api/checkin", `{"birth_date":"1961-09-30","name":"karla"}`).want(t, http.StatusOK, &in)
	if in.Appointment.ID != karla.ID || in.Ticket != "A-001" {
		t.Errorf("with the name: %s ticket %q, want %s A-001", in.Appointment.ID, in.Ticket, karla.ID)
	}
}

// TestCallStream opens the monitor's event stream with a real client and
// waits (at most a second) for a call to arrive.
func TestCallStream(t *testing.T) {
	s := openBuergerbuero(t)
	a := s.mustBook(t, bookBody(berlin(today, "08:30"), klaus, "personalausweis"))
	s.post(t, "/api/checkin", `{"code":"`+a.Code+`"}`).want(t, http.StatusOK, nil)

	next := sseLines(t, s, s.url+"/api/calls/stream?building=buergerbuero")
	// The greeting comes after the subscription: a call from now on is
	// streamed.
	next("greeting", 5*time.Second, func(l string) bool { return l == ": building buergerbuero" })

	s.post(t, "/api/counters/bb-2/call-next", "").want(t, http.StatusOK, nil)
	next("event: call", time.Second, func(l string) bool { return l == "event: call" })
	data := next("data", time.Second, func(l string) bool { return strings.HasPrefix(l, "data: ") })
	var c apiCall
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &c); err != nil {
		t.Fatalf("call data %q: %v", data, err)
	}
	if c.Ticket != "A-001" || c.Counter != "bb-2" || c.CounterName != "Schalter 2" || c.AppointmentID != a.ID || c.Building != "buergerbuero" {
		t.Errorf("streamed call %+v", c)
	}
}

func TestCalendarClosedDays(t *testing.T) {
	s := openBuergerbuero(t)
	var days []apiDay
	s.get(t, "/api/calendar?building=buergerbuero&from=2026-12-24&days=8").want(t, http.StatusOK, &days)
	byDay := map[string]apiDay{}
	for _, d := range days {
		byDay[d.Day] = d
	}
	if len(days) != 8 || days[0].Day != "2026-12-24" || days[7].Day != "2026-12-31" {
		t.Fatalf("calendar days %+v", days)
	}
	tests := []struct {
		day     string
		closed  bool
		reason  string
		holiday bool
		hours   string // first opening, "" when closed
	}{
		{"2026-12-24", false, "", false, berlin("2026-12-24", "08:00") + "–" + berlin("2026-12-24", "11:00")},
		{"2026-12-25", true, "1. Weihnachtstag", true, ""},
		{"2026-12-26", true, "2. Weihnachtstag", true, ""},
		{"2026-12-27", true, "", false, ""}, // a Sunday
		{"2026-12-28", false, "", false, berlin("2026-12-28", "08:00") + "–" + berlin("2026-12-28", "16:00")},
		{"2026-12-31", true, "Jahresabschluss", false, ""},
	}
	for _, tt := range tests {
		d := byDay[tt.day]
		hours := ""
		if len(d.Openings) > 0 {
			hours = d.Openings[0].Start + "–" + d.Openings[0].End
		}
		if d.Closed != tt.closed || d.Reason != tt.reason || d.Holiday != tt.holiday || hours != tt.hours {
			t.Errorf("%s: closed %v reason %q holiday %v hours %q, want %v %q %v %q",
				tt.day, d.Closed, d.Reason, d.Holiday, hours, tt.closed, tt.reason, tt.holiday, tt.hours)
		}
	}
	s.get(t, "/api/calendar?building=buergerbuero&days=0").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "days")
	// Nothing is offered on the closed days.
	for _, sl := range s.mustSlots(t, "services=anmeldung&from=2026-12-24&days=8") {
		if day := sl.Start[:10]; byDay[day].Closed {
			t.Errorf("slot %s on closed %s", sl.Start, day)
		}
	}
}
