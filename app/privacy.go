package app

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"pforte/engine"
	"pforte/engine/store"
	"pforte/printing"
	"pforte/printing/spool"
)

// The data-protection officer's tools: contact tracing for the health
// office and data-subject requests (DSGVO Art. 15 and 17).

// privacyRoutes are their lines of the route table. Every answer names
// people, so every call is audited as a search with the ids it shows.
func (a *App) privacyRoutes() []route {
	tracers := people(privacy, manager)
	return []route{
		{pattern: "GET /api/contact-tracing", handle: a.contactTracing, allow: tracers, building: fromTracing, audit: engine.AuditSearch},
		{pattern: "GET /api/contact-tracing.pdf", handle: a.contactTracingPDF, allow: tracers, building: fromTracing, audit: engine.AuditSearch},
		{pattern: "GET /api/contact-tracing.csv", handle: a.contactTracingCSV, allow: tracers, building: fromTracing, audit: engine.AuditSearch},
		{pattern: "GET /api/personal-data", handle: a.personalData, allow: people(privacy), audit: engine.AuditSearch},
		{pattern: "GET /api/personal-data.pdf", handle: a.personalDataPDF, allow: people(privacy), audit: engine.AuditSearch},
	}
}

// fromTracing: the building of the visit or appointment asked about, else
// the building query parameter (this site's building if none).
func fromTracing(a *App, r *http.Request) string {
	q := r.URL.Query()
	if id := strings.TrimSpace(q.Get("visit")); id != "" {
		return a.visitBuilding(r, id)
	}
	if id := strings.TrimSpace(q.Get("appointment")); id != "" {
		return a.appointmentBuilding(r, id)
	}
	return fromQuery(a, r)
}

// personalDataJSON is the answer of GET /api/personal-data: everything
// Pforte holds on one person, in every building.
type personalDataJSON struct {
	Visits       []visitJSON         `json:"visits"`
	Appointments []appointmentJSON   `json:"appointments"`
	Inbox        []engine.InboxEntry `json:"inbox"`
	PrintJobs    []printJobJSON      `json:"print_jobs"`
	found        store.PersonalData  // as read
	jobs         []spool.Job         // as read
	query        engine.PersonQuery  // as asked, normalized
	at           time.Time           // when read
}

// personQuery reads a data-subject request's query parameters.
func personQuery(r *http.Request) (engine.PersonQuery, error) {
	q := r.URL.Query()
	return engine.PersonQuery{Name: q.Get("name"), BirthDate: q.Get("birth_date"),
		Email: q.Get("email"), Phone: q.Get("phone")}.Normalize()
}

// findPerson gathers everything on the person the request describes and
// audits the ids found.
func (a *App) findPerson(r *http.Request) (personalDataJSON, error) {
	ctx := r.Context()
	q, err := personQuery(r)
	if err != nil {
		return personalDataJSON{}, err
	}
	found, err := a.store.FindPerson(ctx, q)
	if err != nil {
		return personalDataJSON{}, err
	}
	out := personalDataJSON{Appointments: []appointmentJSON{}, Inbox: []engine.InboxEntry{}, PrintJobs: []printJobJSON{},
		found: found, query: q, at: a.clock.Now()}
	if out.Visits, err = a.visitsJSON(ctx, found.Visits); err != nil {
		return out, err
	}
	for _, v := range found.Visits {
		auditEntities(ctx, v.ID)
	}
	for _, ap := range found.Appointments {
		auditEntities(ctx, ap.ID)
		out.Appointments = append(out.Appointments, a.appointmentJSON(ap))
	}
	for _, e := range found.Inbox {
		auditEntities(ctx, e.ID)
		out.Inbox = append(out.Inbox, inLocal(e))
	}
	if out.jobs, err = a.printJobsAbout(found); err != nil {
		return out, err
	}
	for _, j := range out.jobs {
		out.PrintJobs = append(out.PrintJobs, jobJSON(j))
	}
	return out, nil
}

// printJobsAbout returns the documents waiting in this site's print queue
// that show one of the visits or appointments: a badge or slip of it, the
// daily sheet of a visit's day, the attendance list of an appointment's
// day, an evacuation list printed while the visitor was in the building.
func (a *App) printJobsAbout(p store.PersonalData) ([]spool.Job, error) {
	sp, err := a.spool()
	if err != nil {
		return nil, err
	}
	jobs, err := sp.List()
	if err != nil {
		return nil, err
	}
	var out []spool.Job
	for _, j := range jobs {
		if jobShows(j, p) {
			out = append(out, j)
		}
	}
	return out, nil
}

func jobShows(j spool.Job, p store.PersonalData) bool {
	switch j.Document {
	case docBadge:
		return slices.ContainsFunc(p.Visits, func(v engine.Visit) bool { return v.ID == j.Ref })
	case docSlip:
		return slices.ContainsFunc(p.Appointments, func(ap engine.Appointment) bool { return ap.ID == j.Ref })
	case docDailySheet:
		return slices.ContainsFunc(p.Visits, func(v engine.Visit) bool { return v.Building+" "+engine.Day(v.ArrivedAt) == j.Ref })
	case docAttendance:
		return slices.ContainsFunc(p.Appointments, func(ap engine.Appointment) bool { return ap.Building+" "+engine.Day(ap.Start) == j.Ref })
	case docEvacuation:
		return slices.ContainsFunc(p.Visits, func(v engine.Visit) bool {
			return v.Building == j.Ref && !v.ArrivedAt.After(j.CreatedAt) && (v.LeftAt.IsZero() || v.LeftAt.After(j.CreatedAt))
		})
	}
	return false
}

// personalData serves GET /api/personal-data?name=&birth_date=&email=&phone=
// (at least one): every visit, appointment, inbox entry and waiting print
// job about the person, in every building (engine.PersonQuery says which
// records are about them).
func (a *App) personalData(w http.ResponseWriter, r *http.Request) {
	out, err := a.findPerson(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// personalDataPDF serves GET /api/personal-data.pdf: the same, as a
// document to hand over.
func (a *App) personalDataPDF(w http.ResponseWriter, r *http.Request) {
	out, err := a.findPerson(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	doc, err := a.subjectAccess(r.Context(), out)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := printing.WriteSubjectAccess(&buf, doc, printing.Options{Created: out.at}); err != nil {
		a.fail(w, r, err)
		return
	}
	servePDF(w, rendered{pdf: buf.Bytes(), filename: "auskunft-" + out.at.In(engine.Berlin).Format("2006-01-02-1504") + ".pdf"})
}

// subjectAccess lays out what was found for the document.
func (a *App) subjectAccess(ctx context.Context, p personalDataJSON) (printing.SubjectAccess, error) {
	cat := a.store.Catalog()
	staff, err := a.staffByID(ctx)
	if err != nil {
		return printing.SubjectAccess{}, err
	}
	buildingName := func(id string) string {
		if b, ok := cat.Buildings[id]; ok {
			return b.Name
		}
		return id
	}
	doc := printing.SubjectAccess{Town: townOf(a.building), At: p.at}
	for _, f := range []printing.SubjectField{
		{Label: "Name", Value: p.query.Name}, {Label: "Geburtsdatum", Value: germanDate(p.query.BirthDate)},
		{Label: "E-Mail", Value: p.query.Email}, {Label: "Telefon", Value: p.query.Phone},
	} {
		if f.Value != "" {
			doc.Asked = append(doc.Asked, f.Label+": "+f.Value)
		}
	}
	visits := printing.SubjectSection{Title: "Besuche (Besucherregistrierung)"}
	for _, v := range p.found.Visits {
		host := v.Host
		if s, ok := staff[v.Host]; ok {
			host = s.Name
		}
		left := "nicht abgemeldet"
		if !v.LeftAt.IsZero() {
			left = germanTime(apiTime(v.LeftAt))
		}
		visits.Records = append(visits.Records, printing.SubjectRecord{At: v.ArrivedAt, Building: buildingName(v.Building), Ref: v.ID,
			Fields: []printing.SubjectField{
				{Label: "Name", Value: v.Name}, {Label: "Telefon", Value: v.Phone}, {Label: "E-Mail", Value: v.Email},
				{Label: "Anschrift", Value: v.Address}, {Label: "Besuch bei", Value: host}, {Label: "Anlass", Value: v.Reason},
				{Label: "Ankunft", Value: germanTime(apiTime(v.ArrivedAt))}, {Label: "Gegangen", Value: left},
			}})
	}
	appts := printing.SubjectSection{Title: "Termine"}
	for _, ap := range p.Appointments {
		start, _ := time.Parse(time.RFC3339, ap.Start)
		appts.Records = append(appts.Records, printing.SubjectRecord{At: start, Building: buildingName(ap.Building), Ref: ap.ID,
			Fields: []printing.SubjectField{
				{Label: "Name", Value: ap.Citizen.Name}, {Label: "Geburtsdatum", Value: germanDate(ap.Citizen.BirthDate)},
				{Label: "Telefon", Value: ap.Citizen.Phone}, {Label: "E-Mail", Value: ap.Citizen.Email},
				{Label: "Anliegen", Value: strings.Join(ap.ServiceNames, ", ")}, {Label: "Buchungscode", Value: ap.Code},
				{Label: "Stand", Value: apptStatusText[ap.Status]}, {Label: "Gebucht am", Value: germanTime(ap.BookedAt)},
			}})
	}
	inbox := printing.SubjectSection{Title: "Nachrichten an die Sachbearbeitung"}
	for _, e := range p.Inbox {
		inbox.Records = append(inbox.Records, printing.SubjectRecord{At: e.CreatedAt, Building: buildingName(e.Building), Ref: e.ID,
			Fields: []printing.SubjectField{
				{Label: "Name", Value: e.Citizen.Name}, {Label: "Telefon", Value: e.Citizen.Phone},
				{Label: "E-Mail", Value: e.Citizen.Email}, {Label: "Anlass", Value: e.Reason},
			}})
	}
	jobs := printing.SubjectSection{Title: "Wartende Druckaufträge"}
	for _, j := range p.jobs {
		jobs.Records = append(jobs.Records, printing.SubjectRecord{At: j.CreatedAt, Building: buildingName(a.building.ID), Ref: j.ID,
			Fields: []printing.SubjectField{{Label: "Dokument", Value: documentNames[j.Document]}, {Label: "Titel", Value: j.Title}}})
	}
	doc.Sections = []printing.SubjectSection{visits, appts, inbox, jobs}
	return doc, nil
}

// apptStatusText is an appointment's status as the document says it.
var apptStatusText = map[string]string{
	engine.ApptBooked: "gebucht", engine.ApptCheckedIn: "eingecheckt", engine.ApptCalled: "aufgerufen",
	engine.ApptServed: "erledigt", engine.ApptNoShow: "nicht erschienen", engine.ApptCancelled: "storniert",
}

// documentNames are the printed documents' German names.
var documentNames = map[string]string{
	docSlip: "Terminbestätigung", docBadge: "Besucherausweis", docDailySheet: "Besucherregistrierung (Tagesblatt)",
	docAttendance: "Anwesenheitsliste", docEvacuation: "Evakuierungsliste",
}
