package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strings"
	"time"

	"pforte/engine"
	"pforte/printing"
)

// Contact tracing for the health office: who was in the building at the
// same time as the index person (engine/tracing.go has the rule). The
// index person is named by a visit or appointment id, or found by name
// among a building's visits and appointments of a day.

// tracedJSON is one person's stay as the tracing answer shows it.
type tracedJSON struct {
	Kind      string `json:"kind"` // visit or appointment
	ID        string `json:"id"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Address   string `json:"address"`
	BirthDate string `json:"birth_date,omitempty"` // appointments
	Building  string `json:"building"`
	From      string `json:"from"`
	To        string `json:"to"`
	// ToEstimated: the end is the rule's reading (not signed out, not
	// ended, still there), not a recorded departure.
	ToEstimated bool   `json:"to_estimated"`
	Host        string `json:"host"` // whom a visitor came to; an appointment's counter (and room)
}

// tracing is the answer of GET /api/contact-tracing.
type tracing struct {
	Index         tracedJSON   `json:"index"`
	Contacts      []tracedJSON `json:"contacts"`
	MarginMinutes int          `json:"margin_minutes"`
	// ErasedContacts counts the overlapping stays whose personal data is
	// already erased (retention or a request): someone was there, but
	// Pforte no longer knows who.
	ErasedContacts int `json:"erased_contacts"`

	building engine.Building
	day      string // the index person's day
}

// errTracingAmbiguous: several people of that name were there that day.
// The 409 lists them (matches), so the caller can pick one by id.
type errTracingAmbiguous struct{ matches []tracedJSON }

func (e *errTracingAmbiguous) Error() string { return "several people of that name" }

// ruleTracing marks the tracing's own not-found and ambiguous errors, for
// their German text.
const ruleTracing = "tracing"

// trace answers a contact-tracing request.
func (a *App) trace(r *http.Request) (tracing, error) {
	ctx := r.Context()
	now := a.clock.Now()
	index, b, err := a.tracingIndex(r, now)
	if err != nil {
		return tracing{}, err
	}
	margin := b.TracingMargin()
	vs, err := a.store.VisitsAround(ctx, b.ID, index.From.Add(-margin), index.To.Add(margin))
	if err != nil {
		return tracing{}, err
	}
	as, err := a.store.AppointmentsAround(ctx, b.ID, index.From.Add(-margin), index.To.Add(margin))
	if err != nil {
		return tracing{}, err
	}
	people, err := a.tracedPeople(ctx, b, vs, as)
	if err != nil {
		return tracing{}, err
	}
	if _, ok := people[index.ID]; !ok { // the index's day was not among those read
		if err := a.addTraced(ctx, b, people, index); err != nil {
			return tracing{}, err
		}
	}
	out := tracing{Index: people[index.ID].at(index), Contacts: []tracedJSON{},
		MarginMinutes: int(margin / time.Minute), building: b, day: engine.Day(index.From)}
	for _, s := range engine.Contacts(index, engine.Stays(b, vs, as, now), margin) {
		if people[s.ID].Name == "" { // a name is required: none left means erased
			out.ErasedContacts++
			continue
		}
		out.Contacts = append(out.Contacts, people[s.ID].at(s))
	}
	return out, nil
}

// at is a person with the times of a stay.
func (p tracedJSON) at(s engine.Stay) tracedJSON {
	p.From, p.To, p.ToEstimated = apiTime(s.From), apiTime(s.To), s.Estimated
	return p
}

// tracingIndex finds the index person's stay and building: by ?visit=ID,
// ?appointment=ID, or ?name= (with day and building).
func (a *App) tracingIndex(r *http.Request, now time.Time) (engine.Stay, engine.Building, error) {
	ctx := r.Context()
	q := r.URL.Query()
	cat := a.store.Catalog()
	if id := strings.TrimSpace(q.Get("visit")); id != "" {
		v, err := a.store.Visit(ctx, id)
		if err != nil {
			return engine.Stay{}, engine.Building{}, renameNotFound(err, "visit")
		}
		b := cat.Buildings[v.Building]
		s, ok := engine.VisitStay(v, b, now)
		if !ok {
			return s, b, engine.InvalidState("no_stay", "visit %s has not begun", id)
		}
		return s, b, nil
	}
	if id := strings.TrimSpace(q.Get("appointment")); id != "" {
		ap, err := a.store.Appointment(ctx, id)
		if err != nil {
			return engine.Stay{}, engine.Building{}, renameNotFound(err, "appointment")
		}
		b := cat.Buildings[ap.Building]
		s, ok := engine.AppointmentStay(ap, now)
		if !ok {
			return s, b, engine.InvalidState("no_stay", "appointment %s is %s or has not begun: nobody was there", id, ap.Status)
		}
		return s, b, nil
	}
	name := q.Get("name")
	if err := (engine.NewVisit{Name: name}).CheckName(); err != nil {
		return engine.Stay{}, engine.Building{}, err
	}
	if strings.TrimSpace(name) == "" {
		return engine.Stay{}, engine.Building{}, engine.InvalidRule("visit", engine.RuleRequired, "visit, appointment or name is required")
	}
	b, day, err := a.buildingDayParams(r)
	if err != nil {
		return engine.Stay{}, b, err
	}
	vs, err := a.store.Visits(ctx, b.ID, day)
	if err != nil {
		return engine.Stay{}, b, err
	}
	as, err := a.store.Appointments(ctx, b.ID, day)
	if err != nil {
		return engine.Stay{}, b, err
	}
	named := map[string]bool{} // the ids of the records of that name
	for _, v := range vs {
		named[v.ID] = engine.SameVisitor(v, name)
	}
	for _, ap := range as {
		named[ap.ID] = engine.NormalizeName(ap.Citizen.Name) == engine.NormalizeName(name)
	}
	var found []engine.Stay
	for _, s := range engine.Stays(b, vs, as, now) {
		if named[s.ID] {
			found = append(found, s)
		}
	}
	// A visitor who came for an appointment is one person, found as the visit.
	var people []engine.Stay
	for _, s := range found {
		twin := false
		for _, o := range found {
			twin = twin || s.Kind == engine.StayAppointment && o.Kind == engine.StayVisit && o.Appointment == s.ID
		}
		if !twin {
			people = append(people, s)
		}
	}
	switch len(people) {
	case 0:
		return engine.Stay{}, b, &engine.Error{Code: engine.CodeNotFound, Field: "name", Rule: ruleTracing,
			Detail: "nobody of that name at " + b.ID + " on " + day}
	case 1:
		return people[0], b, nil
	}
	known, err := a.tracedPeople(ctx, b, vs, as)
	if err != nil {
		return engine.Stay{}, b, err
	}
	amb := &errTracingAmbiguous{}
	for _, s := range people {
		amb.matches = append(amb.matches, known[s.ID].at(s))
	}
	return engine.Stay{}, b, amb
}

// renameNotFound names the query parameter in a not-found error.
func renameNotFound(err error, field string) error {
	if e := engine.AsError(err); e.Code == engine.CodeNotFound {
		return engine.NotFound(field, "%s", e.Detail)
	}
	return err
}

// tracedPeople are the people of the visits and appointments by id, with
// their contact data and hosts; times are set per stay (at).
func (a *App) tracedPeople(ctx context.Context, b engine.Building, vs []engine.Visit, as []engine.Appointment) (map[string]tracedJSON, error) {
	staff, err := a.staffByID(ctx)
	if err != nil {
		return nil, err
	}
	cat := a.store.Catalog()
	out := make(map[string]tracedJSON, len(vs)+len(as))
	for _, v := range vs {
		host := v.Host
		if s, ok := staff[v.Host]; ok {
			host = s.Name
		}
		out[v.ID] = tracedJSON{Kind: engine.StayVisit, ID: v.ID, Name: v.Name, Phone: v.Phone, Email: v.Email,
			Address: v.Address, Building: v.Building, Host: host}
	}
	for _, ap := range as {
		out[ap.ID] = tracedJSON{Kind: engine.StayAppointment, ID: ap.ID, Name: ap.Citizen.Name, Phone: ap.Citizen.Phone,
			Email: ap.Citizen.Email, BirthDate: ap.Citizen.BirthDate, Building: ap.Building, Host: a.appointmentPlace(cat, ap)}
	}
	return out, nil
}

// addTraced adds the index person when the days read around the stay did
// not hold its record.
func (a *App) addTraced(ctx context.Context, b engine.Building, people map[string]tracedJSON, s engine.Stay) error {
	var vs []engine.Visit
	var as []engine.Appointment
	if s.Kind == engine.StayVisit {
		v, err := a.store.Visit(ctx, s.ID)
		if err != nil {
			return err
		}
		vs = append(vs, v)
	} else {
		ap, err := a.store.Appointment(ctx, s.ID)
		if err != nil {
			return err
		}
		as = append(as, ap)
	}
	more, err := a.tracedPeople(ctx, b, vs, as)
	for id, p := range more {
		people[id] = p
	}
	return err
}

// appointmentPlace is where an appointment was held: its counter, and its
// room if it had one ("Schalter 2, Beratungsraum 1").
func (a *App) appointmentPlace(cat *engine.Catalog, ap engine.Appointment) string {
	place := []string{a.counterName(cat, ap.Counter)}
	for _, r := range cat.Rooms[ap.Building] {
		if r.ID == ap.Room {
			place = append(place, r.Name)
		}
	}
	return joinNonEmpty(", ", place...)
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// answerTracing runs the tracing, audits whom it shows and hands the
// answer to write; an ambiguous name is a 409 listing the candidates.
func (a *App) answerTracing(w http.ResponseWriter, r *http.Request, write func(tracing)) {
	t, err := a.trace(r)
	var amb *errTracingAmbiguous
	if errors.As(err, &amb) {
		for _, m := range amb.matches {
			auditEntities(r.Context(), m.ID)
		}
		e := &engine.Error{Code: engine.CodeAmbiguous, Field: "name", Rule: ruleTracing}
		writeJSON(w, http.StatusConflict, map[string]any{
			"error":   apiError{Code: e.Code, Field: e.Field, Message: message(e)},
			"matches": amb.matches,
		})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	auditEntities(r.Context(), t.Index.ID)
	for _, c := range t.Contacts {
		auditEntities(r.Context(), c.ID)
	}
	write(t)
}

// contactTracing serves GET /api/contact-tracing?visit=ID (or
// appointment=ID, or name=&day=&building=).
func (a *App) contactTracing(w http.ResponseWriter, r *http.Request) {
	a.answerTracing(w, r, func(t tracing) { writeJSON(w, http.StatusOK, t) })
}

// contactTracingPDF serves GET /api/contact-tracing.pdf: the list for the
// health office.
func (a *App) contactTracingPDF(w http.ResponseWriter, r *http.Request) {
	a.answerTracing(w, r, func(t tracing) {
		doc := printing.ContactTracing{Town: townOf(t.building), Building: t.building.Name,
			Address: t.building.Address, Day: noonOf(t.day), MarginMinutes: t.MarginMinutes, Index: printedPerson(t.Index),
			Erased: t.ErasedContacts}
		for _, c := range t.Contacts {
			doc.Contacts = append(doc.Contacts, printedPerson(c))
		}
		var buf bytes.Buffer
		if err := printing.WriteContactTracing(&buf, doc, printing.Options{Created: a.clock.Now()}); err != nil {
			a.fail(w, r, err)
			return
		}
		servePDF(w, rendered{pdf: buf.Bytes(), filename: tracingFile(t, ".pdf")})
	})
}

func printedPerson(p tracedJSON) printing.TracedPerson {
	out := printing.TracedPerson{Appointment: p.Kind == engine.StayAppointment, Name: p.Name, Phone: p.Phone,
		Email: p.Email, Address: p.Address, Host: p.Host, Estimated: p.ToEstimated}
	out.From, _ = time.Parse(time.RFC3339, p.From)
	out.To, _ = time.Parse(time.RFC3339, p.To)
	if p.BirthDate != "" {
		out.BirthDate, _ = time.Parse(time.DateOnly, p.BirthDate)
	}
	return out
}

func tracingFile(t tracing, ext string) string {
	return "kontaktnachverfolgung-" + t.building.ID + "-" + t.day + ext
}

// contactTracingCSV serves GET /api/contact-tracing.csv: the same list for
// a spreadsheet, as German Excel opens it (UTF-8 with BOM, semicolons).
func (a *App) contactTracingCSV(w http.ResponseWriter, r *http.Request) {
	a.answerTracing(w, r, func(t tracing) {
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		cw := csv.NewWriter(&buf)
		cw.Comma, cw.UseCRLF = ';', true
		cw.Write([]string{"Rolle", "Art", "Name", "Geburtsdatum", "Telefon", "E-Mail", "Anschrift", "Gebäude",
			"Von", "Bis", "Ende geschätzt", "Besuch bei / Ort", "Kennung"})
		row := func(role string, p tracedJSON) {
			kind := map[string]string{engine.StayVisit: "Besuch", engine.StayAppointment: "Termin"}[p.Kind]
			estimated := "nein"
			if p.ToEstimated {
				estimated = "ja"
			}
			cells := []string{role, kind, p.Name, germanDate(p.BirthDate), p.Phone, p.Email, p.Address, t.building.Name,
				germanTime(p.From), germanTime(p.To), estimated, p.Host, p.ID}
			for i := range cells {
				cells[i] = spreadsheetSafe(cells[i])
			}
			cw.Write(cells)
		}
		row("Indexperson", t.Index)
		for _, c := range t.Contacts {
			row("Kontaktperson", c)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			a.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+tracingFile(t, ".csv")+`"`)
		w.Write(buf.Bytes())
	})
}

// germanTime is an API time as a German spreadsheet reads it:
// "18.11.2026 09:14".
func germanTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(engine.Berlin).Format("02.01.2006 15:04")
}

// germanDate is a YYYY-MM-DD day as "12.03.1980".
func germanDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("02.01.2006")
}

// spreadsheetSafe keeps a typed value from being read as a formula by the
// spreadsheet (CSV injection): a cell starting with = + - @ or a tab gets a
// leading apostrophe. Phone numbers starting with + are cells like that.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
