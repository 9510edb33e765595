package app

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"pforte/engine"
	"pforte/engine/store"
	"pforte/printing"
)

// The documents Pforte prints, as the API names them.
const (
	docSlip       = "slip"
	docBadge      = "badge"
	docDailySheet = "daily-sheet"
	docAttendance = "attendance"
	docEvacuation = "evacuation" // who is in the building now
)

// docRequest names one document: an appointment's slip or a visit's badge
// by id, a building's daily sheet or attendance list by building and day.
type docRequest struct {
	Document string
	ID       string
	Building engine.Building
	Day      string
	Format   printing.SlipFormat // slips only
}

// rendered is a document ready to serve or print.
type rendered struct {
	pdf      []byte
	title    string // the print job's name: no personal data, spoolers log it
	filename string // for the browser's "save as"
	ref      string // what it is of, for the print queue's list
	media    string // the paper it asks CUPS for; "" leaves it to the queue
}

// a4 is the IPP name of A4 paper: the lists ask for it, so that a queue
// set up with US Letter does not shrink them. Slips and badges take what
// the slip printer has loaded (an A6 tray, a receipt roll, badge cards).
const a4 = "iso_a4_210x297mm"

// render makes the PDF of a document from the current state.
func (a *App) render(ctx context.Context, req docRequest) (rendered, error) {
	opt := printing.Options{Created: a.clock.Now()}
	var buf bytes.Buffer
	out := rendered{ref: req.ID}
	switch req.Document {
	case docSlip:
		s, err := a.slipFor(ctx, req.ID)
		if err != nil {
			return out, err
		}
		if err := printing.WriteSlip(&buf, s, req.Format, opt); err != nil {
			return out, err
		}
		out.title, out.filename = "Terminbestätigung "+s.Code, "termin-"+strings.ToLower(s.Code)+".pdf"
	case docBadge:
		b, err := a.badgeFor(ctx, req.ID)
		if err != nil {
			return out, err
		}
		if err := printing.WriteBadge(&buf, b, opt); err != nil {
			return out, err
		}
		out.title, out.filename = "Besucherausweis", "besucherausweis.pdf"
	case docDailySheet:
		s, err := a.dailySheetFor(ctx, req.Building, req.Day)
		if err != nil {
			return out, err
		}
		if err := printing.WriteDailySheet(&buf, s, opt); err != nil {
			return out, err
		}
		out.title = "Besucherregistrierung " + req.Building.ID + " " + req.Day
		out.filename, out.ref, out.media = "besucher-"+req.Building.ID+"-"+req.Day+".pdf", req.Building.ID+" "+req.Day, a4
	case docAttendance:
		l, err := a.attendanceFor(ctx, req.Building, req.Day)
		if err != nil {
			return out, err
		}
		if err := printing.WriteAttendance(&buf, l, opt); err != nil {
			return out, err
		}
		out.title = "Anwesenheitsliste " + req.Building.ID + " " + req.Day
		out.filename, out.ref, out.media = "termine-"+req.Building.ID+"-"+req.Day+".pdf", req.Building.ID+" "+req.Day, a4
	case docEvacuation:
		e, err := a.evacuationFor(ctx, req.Building)
		if err != nil {
			return out, err
		}
		if err := printing.WriteEvacuation(&buf, e, opt); err != nil {
			return out, err
		}
		stamp := e.At.In(engine.Berlin).Format("2006-01-02-1504")
		out.title = "Evakuierungsliste " + req.Building.ID
		out.filename, out.ref, out.media = "evakuierung-"+req.Building.ID+"-"+stamp+".pdf", req.Building.ID, a4
	default:
		return out, engine.InvalidRule("document", engine.RuleFormat, "unknown document %q", req.Document)
	}
	out.pdf = buf.Bytes()
	return out, nil
}

// slipFor gathers what an appointment's slip says. A cancelled
// appointment gets no slip: it would send the citizen to a slot that is
// no longer theirs.
func (a *App) slipFor(ctx context.Context, id string) (printing.Slip, error) {
	ap, err := a.store.Appointment(ctx, id)
	if err != nil {
		return printing.Slip{}, err
	}
	if ap.Status == engine.ApptCancelled {
		return printing.Slip{}, engine.InvalidState("appointment_cancelled", "appointment %s is cancelled", id)
	}
	cat := a.store.Catalog()
	b := cat.Buildings[ap.Building]
	s := printing.Slip{
		Code: ap.Code, QRPayload: store.QRPrefix + ap.Code,
		Town: townOf(b), Building: b.Name, Address: b.Address, Entrance: b.Entrance,
		Start: ap.Start, CitizenName: ap.Citizen.Name,
		CancelPhone: a.loadPrintSettings().CancelPhone,
	}
	if s.CancelPhone == "" && a.cfg.Demo {
		s.CancelPhone = demoCancelPhone
	}
	place := []string{a.counterName(cat, ap.Counter)}
	for _, r := range cat.Rooms[ap.Building] {
		if r.ID == ap.Room {
			place = append(place, r.Name)
		}
	}
	s.Place = strings.Join(slices.DeleteFunc(place, func(p string) bool { return p == "" }), ", ")
	for _, sid := range ap.Services {
		svc, ok := cat.Services[sid]
		if !ok {
			s.Services = append(s.Services, sid)
			continue
		}
		s.Services = append(s.Services, svc.Name)
		for _, d := range svc.Documents {
			if !slices.Contains(s.Documents, d) {
				s.Documents = append(s.Documents, d)
			}
		}
	}
	return s, nil
}

// demoCancelPhone is the town hall's switchboard in the demo (Soest).
const demoCancelPhone = "02921 103-0"

// badgeFor gathers what a visitor badge says. The number is the visit's
// place among the building's visits of its day, as on the daily sheet.
func (a *App) badgeFor(ctx context.Context, id string) (printing.Badge, error) {
	v, err := a.store.Visit(ctx, id)
	if err != nil {
		return printing.Badge{}, err
	}
	b, err := a.store.Building(ctx, v.Building)
	if err != nil {
		return printing.Badge{}, err
	}
	badge := printing.Badge{VisitorName: v.Name, BuildingName: b.Name, Entrance: b.Entrance, ArrivedAt: v.ArrivedAt}
	if host, err := a.store.StaffMember(ctx, v.Host); err == nil {
		badge.HostName, badge.HostDepartment = host.Name, host.Department
	} else {
		badge.HostName = v.Host
	}
	day, err := a.store.Visits(ctx, v.Building, engine.Day(v.ArrivedAt))
	if err != nil {
		return printing.Badge{}, err
	}
	badge.Number = slices.IndexFunc(day, func(o engine.Visit) bool { return o.ID == v.ID }) + 1
	return badge, nil
}

// dailySheetFor gathers a building's visits of a day.
func (a *App) dailySheetFor(ctx context.Context, b engine.Building, day string) (printing.DailySheet, error) {
	vs, err := a.store.Visits(ctx, b.ID, day)
	if err != nil {
		return printing.DailySheet{}, err
	}
	staff, err := a.staffByID(ctx)
	if err != nil {
		return printing.DailySheet{}, err
	}
	s := printing.DailySheet{Town: townOf(b), Building: b.Name, Address: b.Address, Entrance: b.Entrance, Day: noonOf(day)}
	for i, v := range vs {
		row := printing.SheetVisit{
			Number: i + 1, Name: v.Name, Phone: v.Phone, Email: v.Email, Address: v.Address,
			Host: v.Host, Reason: v.Reason,
			ArrivedAt: v.ArrivedAt, PickedUpAt: v.PickedUpAt, PickedUpBy: v.PickedUpBy, LeftAt: v.LeftAt,
		}
		if h, ok := staff[v.Host]; ok {
			row.Host, row.HostDepartment = h.Name, h.Department
		}
		if p, ok := staff[v.PickedUpBy]; ok {
			row.PickedUpBy = p.Name
		}
		if v.AppointmentID != "" {
			if ap, err := a.store.Appointment(ctx, v.AppointmentID); err == nil {
				row.AppointmentStart, row.AppointmentCode = ap.Start, ap.Code
			}
		}
		s.Visits = append(s.Visits, row)
	}
	return s, nil
}

// attendanceFor gathers a building's appointments of a day, counter by
// counter in the order of the configuration; an appointment at a counter
// that no longer exists gets a section of its own.
func (a *App) attendanceFor(ctx context.Context, b engine.Building, day string) (printing.Attendance, error) {
	as, err := a.store.Appointments(ctx, b.ID, day)
	if err != nil {
		return printing.Attendance{}, err
	}
	cat := a.store.Catalog()
	l := printing.Attendance{Town: townOf(b), Building: b.Name, Address: b.Address, Entrance: b.Entrance, Day: noonOf(day)}
	index := map[string]int{}
	section := func(counter string) *printing.CounterAttendance {
		if i, ok := index[counter]; ok {
			return &l.Counters[i]
		}
		index[counter] = len(l.Counters)
		l.Counters = append(l.Counters, printing.CounterAttendance{Name: a.counterName(cat, counter)})
		return &l.Counters[len(l.Counters)-1]
	}
	for _, k := range cat.Counters[b.ID] {
		if slices.ContainsFunc(as, func(ap engine.Appointment) bool { return ap.Counter == k.ID }) {
			section(k.ID)
		}
	}
	for _, ap := range as {
		e := printing.AttendanceEntry{
			Start: ap.Start, End: ap.End, Code: ap.Code, Ticket: ap.Ticket, Name: ap.Citizen.Name,
			CheckedInAt: ap.CheckedInAt, CalledAt: ap.CalledAt, EndedAt: ap.EndedAt, Status: ap.Status,
		}
		if ap.CalledTo != "" && ap.CalledTo != ap.Counter {
			e.CalledTo = a.counterName(cat, ap.CalledTo)
		}
		for _, sid := range ap.Services {
			if svc, ok := cat.Services[sid]; ok {
				e.Services = append(e.Services, svc.Name)
			} else {
				e.Services = append(e.Services, sid)
			}
		}
		c := section(ap.Counter)
		c.Appointments = append(c.Appointments, e)
	}
	return l, nil
}

func (a *App) staffByID(ctx context.Context) (map[string]engine.Staff, error) {
	all, err := a.store.Staff(ctx, "")
	if err != nil {
		return nil, err
	}
	m := make(map[string]engine.Staff, len(all))
	for _, s := range all {
		m[s.ID] = s
	}
	return m, nil
}

// townOf names the issuer of a building's documents from its address:
// "Am Vreithof 8, 59494 Soest" gives "Stadt Soest". The configuration has
// no municipality yet; when it gets one, this goes.
func townOf(b engine.Building) string {
	parts := strings.Split(b.Address, ",")
	if len(parts) < 2 { // not "street, postcode town"
		return ""
	}
	place := strings.TrimLeftFunc(strings.TrimSpace(parts[len(parts)-1]), unicode.IsDigit)
	if place = strings.TrimSpace(place); place == "" {
		return ""
	}
	return "Stadt " + place
}

// noonOf is midday of a day in Berlin: an instant surely inside the day.
func noonOf(day string) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, day, engine.Berlin)
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, engine.Berlin)
}

// servePDF writes a rendered document; inline, so the browser's viewer
// opens it and its print button prints it.
func servePDF(w http.ResponseWriter, doc rendered) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+doc.filename+`"`)
	w.Write(doc.pdf)
}

// pdfID reads the {file} path segment "ID.pdf".
func pdfID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".pdf")
	if !ok || id == "" {
		writeJSON(w, http.StatusNotFound, errorBody("not_found", "", "Dokumente gibt es als .pdf."))
		return "", false
	}
	return id, true
}

// badgePDF serves GET /api/print/badge/{visit_id}.pdf: the visitor badge.
func (a *App) badgePDF(w http.ResponseWriter, r *http.Request) {
	id, ok := pdfID(w, r)
	if !ok {
		return
	}
	a.servePDFOf(w, r, docRequest{Document: docBadge, ID: id})
}

// slipPDF serves GET /api/print/slip/{appointment_id}.pdf?format=a6|receipt.
func (a *App) slipPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := pdfID(w, r)
	if !ok {
		return
	}
	format, err := slipFormatParam(r.URL.Query().Get("format"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.servePDFOf(w, r, docRequest{Document: docSlip, ID: id, Format: format})
}

// dailySheetPDF serves GET /api/print/daily-sheet.pdf?building=&day=.
func (a *App) dailySheetPDF(w http.ResponseWriter, r *http.Request) {
	a.serveDayPDF(w, r, docDailySheet)
}

// attendancePDF serves GET /api/print/attendance.pdf?building=&day=.
func (a *App) attendancePDF(w http.ResponseWriter, r *http.Request) {
	a.serveDayPDF(w, r, docAttendance)
}

func (a *App) serveDayPDF(w http.ResponseWriter, r *http.Request, document string) {
	b, day, err := a.buildingDayParams(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.servePDFOf(w, r, docRequest{Document: document, Building: b, Day: day})
}

func (a *App) servePDFOf(w http.ResponseWriter, r *http.Request, req docRequest) {
	doc, err := a.render(r.Context(), req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	servePDF(w, doc)
}

func slipFormatParam(s string) (printing.SlipFormat, error) {
	f, err := printing.ParseSlipFormat(s)
	if err != nil {
		return "", engine.InvalidRule("format", engine.RuleFormat, "slip format %q: a6 or receipt", s)
	}
	return f, nil
}
