package app

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// appointmentJSON is an appointment as the API shows it.
type appointmentJSON struct {
	ID           string   `json:"id"`
	Code         string   `json:"code"`
	QR           string   `json:"qr"`
	Building     string   `json:"building"`
	Services     []string `json:"services"`
	ServiceNames []string `json:"service_names"`
	Documents    []string `json:"documents"`
	Start        string   `json:"start"`
	End          string   `json:"end"`
	Status       string   `json:"status"`
	Channel      string   `json:"channel"`
	Counter      string   `json:"counter"`
	CounterName  string   `json:"counter_name"`
	Room         string   `json:"room,omitempty"`
	RoomName     string   `json:"room_name,omitempty"`
	BarrierFree  bool     `json:"barrier_free,omitempty"`
	Ticket       string   `json:"ticket"`
	CheckedInAt  string   `json:"checked_in_at,omitempty"`
	CalledAt     string   `json:"called_at,omitempty"`
	CalledTo     string   `json:"called_to,omitempty"`
	CalledToName string   `json:"called_to_name,omitempty"`
	EndedAt      string   `json:"ended_at,omitempty"`
	BookedAt     string   `json:"booked_at"`
	MovedFrom    string   `json:"moved_from,omitempty"`
	// ExpiresAt: an online booking not yet confirmed gives its slot back
	// then.
	ExpiresAt string      `json:"expires_at,omitempty"`
	Citizen   citizenJSON `json:"citizen"`
}

type citizenJSON struct {
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
}

func (a *App) appointmentJSON(ap engine.Appointment) appointmentJSON {
	cat := a.store.Catalog()
	out := appointmentJSON{
		ID: ap.ID, Code: ap.Code, QR: store.QRPrefix + ap.Code, Building: ap.Building, Services: ap.Services,
		ServiceNames: []string{}, Documents: []string{},
		Start: apiTime(ap.Start), End: apiTime(ap.End), Status: ap.Status, Channel: ap.Channel,
		Counter: ap.Counter, CounterName: a.counterName(cat, ap.Counter), Room: ap.Room, BarrierFree: ap.BarrierFree,
		Ticket: ap.Ticket, CheckedInAt: apiTime(ap.CheckedInAt), CalledAt: apiTime(ap.CalledAt),
		CalledTo: ap.CalledTo, CalledToName: a.counterName(cat, ap.CalledTo), EndedAt: apiTime(ap.EndedAt),
		BookedAt: apiTime(ap.BookedAt), MovedFrom: ap.MovedFrom,
		Citizen: citizenJSON(ap.Citizen),
	}
	if ap.Status == engine.ApptPreconfirmed {
		out.ExpiresAt = apiTime(ap.ExpiresAt)
	}
	seen := map[string]bool{}
	for _, id := range ap.Services {
		s, ok := cat.Services[id]
		if !ok {
			out.ServiceNames = append(out.ServiceNames, id)
			continue
		}
		out.ServiceNames = append(out.ServiceNames, s.Name)
		for _, d := range s.Documents {
			if !seen[d] {
				seen[d] = true
				out.Documents = append(out.Documents, d)
			}
		}
	}
	for _, r := range cat.Rooms[ap.Building] {
		if r.ID == ap.Room {
			out.RoomName = r.Name
		}
	}
	return out
}

func (a *App) counterName(cat *engine.Catalog, id string) string {
	if id == "" {
		return ""
	}
	if k, ok := cat.Counter(id); ok {
		return k.Name
	}
	return id
}

func (a *App) writeAppointment(w http.ResponseWriter, r *http.Request, status int, ap engine.Appointment, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	auditEntities(r.Context(), ap.ID)
	writeJSON(w, status, a.appointmentJSON(ap))
}

func (a *App) counters(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.URL.Query().Get("building"))
	if id != "" {
		if _, err := a.buildingParam(r); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	ks, err := a.store.Counters(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ks)
}

func (a *App) rooms(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rs, err := a.store.Rooms(r.Context(), b.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

// intParam reads an optional integer query parameter within [min, max].
func intParam(r *http.Request, name string, def, min, max int) (int, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		e := engine.InvalidRule(name, engine.RuleFormat, "want a number %d..%d, got %q", min, max, s)
		e.Limit = max
		return 0, e
	}
	return n, nil
}

type dayJSON struct {
	Day      string        `json:"day"`
	Openings []openingJSON `json:"openings"`
	Closed   bool          `json:"closed"`
	Reason   string        `json:"reason"`
	Holiday  bool          `json:"holiday"`
}

type openingJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// calendar serves GET /api/calendar: a building's opening hours day by day.
func (a *App) calendar(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	from, err := a.dayParamNamed(r, "from")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	days, err := intParam(r, "days", 7, 1, engine.MaxSlotDays)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	first, _ := time.ParseInLocation(time.DateOnly, from, engine.Berlin)
	out := make([]dayJSON, 0, days)
	for i := range days {
		p := b.Plan(time.Date(first.Year(), first.Month(), first.Day()+i, 12, 0, 0, 0, engine.Berlin))
		d := dayJSON{Day: p.Day, Openings: []openingJSON{}, Closed: len(p.Openings) == 0, Reason: p.Reason, Holiday: p.Holiday}
		for _, o := range p.Openings {
			d.Openings = append(d.Openings, openingJSON{apiTime(o.Start), apiTime(o.End)})
		}
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, out)
}

type slotJSON struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Building string `json:"building"`
}

// slots serves GET /api/slots: every free start, earliest first.
func (a *App) slots(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	from, err := a.dayParamNamed(r, "from")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	days, err := intParam(r, "days", 14, 1, engine.MaxSlotDays)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 0, 0, 100000)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var services []string
	for _, s := range strings.Split(q.Get("services"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			services = append(services, s)
		}
	}
	ss, err := a.store.Slots(engine.Query{
		Building: b.ID, Services: services, From: from, Days: days, Channel: strings.TrimSpace(q.Get("channel")),
		Now: a.clock.Now(), BarrierFree: q.Get("barrier_free") == "true", Tokens: a.slotTokens(b),
	}, limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]slotJSON, len(ss))
	for i, s := range ss {
		out[i] = slotJSON{Start: apiTime(s.Start), End: apiTime(s.End), Building: b.ID}
	}
	writeJSON(w, http.StatusOK, out)
}

// timeField parses an RFC 3339 time from a request body field.
func timeField(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, engine.InvalidRule(field, engine.RuleRequired, "%s is required", field)
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, engine.InvalidRule(field, engine.RuleFormat, "want RFC 3339 with offset, got %q", s)
	}
	return t, nil
}

type bookRequest struct {
	Building    string      `json:"building"`
	Services    []string    `json:"services"`
	Start       string      `json:"start"`
	Channel     string      `json:"channel"`
	Citizen     citizenJSON `json:"citizen"`
	BarrierFree bool        `json:"barrier_free"`
}

func (a *App) book(w http.ResponseWriter, r *http.Request) {
	var req bookRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Building == "" {
		req.Building = a.building.ID
	}
	if _, err := a.store.Building(r.Context(), req.Building); err != nil {
		a.fail(w, r, invalidBuilding(err, req.Building))
		return
	}
	start, err := timeField("start", req.Start)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ap, err := a.bookOnTokens(r.Context(), engine.BookingRequest{
		Building: req.Building, Services: req.Services, Start: start, Channel: req.Channel,
		Citizen: engine.Citizen(req.Citizen), BarrierFree: req.BarrierFree,
	})
	a.writeAppointment(w, r, http.StatusCreated, ap, err)
}

func (a *App) appointments(w http.ResponseWriter, r *http.Request) {
	b, day, err := a.buildingDayParams(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	as, err := a.store.Appointments(r.Context(), b.ID, day)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]appointmentJSON, len(as))
	for i, ap := range as {
		out[i] = a.appointmentJSON(ap)
		auditEntities(r.Context(), ap.ID)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *App) appointment(w http.ResponseWriter, r *http.Request) {
	ap, err := a.store.Appointment(r.Context(), r.PathValue("id"))
	a.writeAppointment(w, r, http.StatusOK, ap, err)
}

func (a *App) cancel(w http.ResponseWriter, r *http.Request) {
	ap, err := a.store.Cancel(r.Context(), a.author(r.Context()), r.PathValue("id"))
	a.writeAppointment(w, r, http.StatusOK, ap, err)
}

func (a *App) serve(w http.ResponseWriter, r *http.Request) {
	ap, err := a.store.Serve(r.Context(), a.author(r.Context()), r.PathValue("id"))
	a.writeAppointment(w, r, http.StatusOK, ap, err)
}

func (a *App) noShow(w http.ResponseWriter, r *http.Request) {
	ap, err := a.store.NoShow(r.Context(), a.author(r.Context()), r.PathValue("id"))
	a.writeAppointment(w, r, http.StatusOK, ap, err)
}

func (a *App) move(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Start string `json:"start"`
	}
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	start, err := timeField("start", req.Start)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ap, err := a.store.Move(r.Context(), a.author(r.Context()), r.PathValue("id"), start)
	a.writeAppointment(w, r, http.StatusOK, ap, err)
}

type checkinRequest struct {
	Building  string `json:"building"`
	Code      string `json:"code"`
	BirthDate string `json:"birth_date"`
	Name      string `json:"name"`
}

// checkin serves POST /api/checkin: the terminal's check-in with the birth
// date or the code of the slip.
func (a *App) checkin(w http.ResponseWriter, r *http.Request) {
	var req checkinRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Building == "" {
		req.Building = a.building.ID
	}
	p := principalOf(r.Context())
	kiosk := p != nil && p.isDevice()
	now := a.clock.Now()
	if kiosk {
		if d := a.kioskMisses.wait(p.device.ID, now); d > 0 {
			a.tooMany(w, r, d)
			return
		}
	}
	ap, err := a.store.CheckIn(r.Context(), a.author(r.Context()), store.CheckInRequest(req))
	if err != nil {
		if kiosk && engine.AsError(err).Code == engine.CodeNotFound {
			// Guessing birth dates at the public terminal slows down.
			a.kioskMisses.fail(p.device.ID, now)
		}
		a.fail(w, r, err)
		return
	}
	auditEntities(r.Context(), ap.ID)
	if kiosk {
		a.kioskMisses.ok(p.device.ID)
		writeJSON(w, http.StatusOK, map[string]any{"appointment": a.kioskAppointmentJSON(ap), "ticket": ap.Ticket})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"appointment": a.appointmentJSON(ap), "ticket": ap.Ticket})
}

// kioskAppointmentJSON is what the public terminal shows of a check-in:
// the ticket, where and when; never who (name, birth date, phone, e-mail)
// and not the code that checks the appointment in.
type kioskAppointment struct {
	ID           string   `json:"id"`
	Building     string   `json:"building"`
	Services     []string `json:"services"`
	ServiceNames []string `json:"service_names"`
	Documents    []string `json:"documents"`
	Start        string   `json:"start"`
	End          string   `json:"end"`
	Status       string   `json:"status"`
	Counter      string   `json:"counter"`
	CounterName  string   `json:"counter_name"`
	Room         string   `json:"room,omitempty"`
	RoomName     string   `json:"room_name,omitempty"`
	Ticket       string   `json:"ticket"`
	CheckedInAt  string   `json:"checked_in_at,omitempty"`
}

func (a *App) kioskAppointmentJSON(ap engine.Appointment) kioskAppointment {
	full := a.appointmentJSON(ap)
	return kioskAppointment{ID: full.ID, Building: full.Building, Services: full.Services, ServiceNames: full.ServiceNames,
		Documents: full.Documents, Start: full.Start, End: full.End, Status: full.Status, Counter: full.Counter,
		CounterName: full.CounterName, Room: full.Room, RoomName: full.RoomName, Ticket: full.Ticket, CheckedInAt: full.CheckedInAt}
}

// callJSON is one call on the monitor: "A-017 → Schalter 3".
type callJSON struct {
	Ticket        string `json:"ticket"`
	Counter       string `json:"counter"`
	CounterName   string `json:"counter_name"`
	At            string `json:"at"`
	AppointmentID string `json:"appointment_id"`
	Building      string `json:"building"`
}

func (a *App) callOf(ap engine.Appointment) callJSON {
	return callJSON{Ticket: ap.Ticket, Counter: ap.CalledTo, CounterName: a.counterName(a.store.Catalog(), ap.CalledTo),
		At: apiTime(ap.CalledAt), AppointmentID: ap.ID, Building: ap.Building}
}

func (a *App) writeCall(w http.ResponseWriter, r *http.Request, ap engine.Appointment, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c := a.callOf(ap)
	a.calls.publish(c)
	writeJSON(w, http.StatusOK, map[string]any{
		"appointment": a.appointmentJSON(ap), "ticket": c.Ticket, "counter": c.Counter, "counter_name": c.CounterName,
	})
}

func (a *App) callNext(w http.ResponseWriter, r *http.Request) {
	ap, err := a.store.CallNext(r.Context(), a.author(r.Context()), r.PathValue("id"))
	a.writeCall(w, r, ap, err)
}

func (a *App) call(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Counter string `json:"counter"`
	}
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	ap, err := a.store.Call(r.Context(), a.author(r.Context()), r.PathValue("id"), strings.TrimSpace(req.Counter))
	a.writeCall(w, r, ap, err)
}

// recentCalls serves GET /api/calls: today's calls, the latest first.
func (a *App) recentCalls(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 10, 1, 100)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	as, err := a.store.Calls(r.Context(), b.ID, engine.Day(a.clock.Now()), limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]callJSON, len(as))
	for i, ap := range as {
		out[i] = a.callOf(ap)
	}
	writeJSON(w, http.StatusOK, out)
}
