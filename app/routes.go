package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"pforte/engine"
)

// The route table: every route of the API, declared once with who may call
// it, which building it is about and what the audit log records: reads of
// personal data, prints, searches, and changes of configuration, accounts
// and devices. (A change of a visit or an appointment is an op with its
// author already; it is not written twice.) One gate
// (gate, below) checks it before any handler runs; a handler never checks
// a right itself. The gate's test is generated from this table.

// Who may call a route.
type access struct {
	open    bool     // anyone, signed in or not
	roles   []string // a person holding one of these (nil: none; see anyone)
	anyone  bool     // every signed-in person, whatever the role
	devices []string // a paired device of one of these kinds
	// lockedOK: also while the person's desk is locked (the session routes)
	lockedOK bool
}

var (
	reception = engine.RoleReception
	clerk     = engine.RoleClerk
	manager   = engine.RoleManager
	admin     = engine.RoleAdmin
	privacy   = engine.RolePrivacy
)

func openRoute() access             { return access{open: true} }
func people(roles ...string) access { return access{roles: roles} }
func everyone() access              { return access{anyone: true} }

func (x access) and(kinds ...string) access { x.devices = append(x.devices, kinds...); return x }

// route is one line of the table.
type route struct {
	pattern string // "GET /api/visits"
	handle  http.HandlerFunc
	allow   access
	// building says which building a request is about ("" none, or not
	// found: the handler answers that); nil: the route has none.
	building func(a *App, r *http.Request) string
	// audit is the action recorded for each call ("" none).
	audit string
	// stream: a server-sent event stream (audited at its start, never
	// buffered).
	stream bool
	// check refines access with what the request asks for (the document
	// a print job prints); it answers whether p may.
	check func(p *principal, r *http.Request) bool
}

// The day's desks: who works with whom.
var (
	hosts      = []string{reception, clerk, manager} // staff a visitor comes to, and reception
	appts      = []string{clerk, manager}            // bookings, check-in on behalf, call-up
	visitsRead = []string{reception, manager}        // the visitor lists
)

func (a *App) routes() []route {
	return slices.Concat(a.staffRoutes(), a.privacyRoutes(), a.retentionRoutes(), a.siteRoutes())
}

func (a *App) staffRoutes() []route {
	return []route{
		{pattern: "GET /api/health", handle: a.health, allow: openRoute()},
		{pattern: "GET /api/session", handle: a.currentSession, allow: openRoute()},
		{pattern: "POST /api/session", handle: a.signIn, allow: openRoute()},
		{pattern: "DELETE /api/session", handle: a.signOut, allow: openRoute()},
		{pattern: "POST /api/session/lock", handle: a.lock, allow: access{anyone: true, lockedOK: true}},
		{pattern: "POST /api/session/unlock", handle: a.unlock, allow: access{anyone: true, lockedOK: true}},
		{pattern: "PUT /api/session/pin", handle: a.setPIN, allow: everyone()},
		{pattern: "GET /api/setup", handle: a.setupState, allow: openRoute()},
		{pattern: "POST /api/setup", handle: a.setup, allow: openRoute()},
		{pattern: "POST /api/devices/pair", handle: a.pairDevice, allow: openRoute()},

		{pattern: "GET /api/buildings", handle: a.buildings, allow: everyone().and(engine.DeviceKiosk, engine.DeviceMonitor)},
		{pattern: "GET /api/services", handle: a.services, allow: everyone().and(engine.DeviceKiosk)},
		{pattern: "GET /api/staff", handle: a.staff, allow: everyone(), building: fromQueryOptional},
		{pattern: "GET /api/counters", handle: a.counters, allow: everyone(), building: fromQuery},
		{pattern: "GET /api/rooms", handle: a.rooms, allow: everyone(), building: fromQuery},
		{pattern: "GET /api/sync/status", handle: a.syncStatus, allow: everyone()},

		{pattern: "POST /api/visits", handle: a.registerVisit, allow: people(reception), building: fromBody},
		{pattern: "GET /api/visits", handle: a.visits, allow: people(visitsRead...), building: fromQuery, audit: engine.AuditRead},
		{pattern: "GET /api/visits/present", handle: a.present, allow: people(visitsRead...), building: fromQuery, audit: engine.AuditRead},
		{pattern: "GET /api/visits/stream", handle: a.visitStream, allow: people(hosts...), building: fromQuery, audit: engine.AuditRead, stream: true},
		{pattern: "GET /api/visits/host", handle: a.hostVisits, allow: people(hosts...), audit: engine.AuditRead},
		{pattern: "GET /api/visits/recent", handle: a.recentVisits, allow: people(reception), audit: engine.AuditSearch},
		{pattern: "GET /api/visits/{id}", handle: a.visit, allow: people(hosts...), building: fromVisit, audit: engine.AuditRead},
		{pattern: "POST /api/visits/{id}/pickup", handle: a.pickUp, allow: people(hosts...), building: fromVisit},
		{pattern: "POST /api/visits/{id}/leave", handle: a.leave, allow: people(hosts...), building: fromVisit},
		{pattern: "POST /api/visits/{id}/coming", handle: a.coming, allow: people(hosts...), building: fromVisit},

		{pattern: "GET /api/print/evacuation.pdf", handle: a.evacuationPDF, allow: people(reception, manager), building: fromQuery, audit: engine.AuditPrint},
		{pattern: "GET /api/print/badge/{file}", handle: a.badgePDF, allow: people(reception), building: fromVisitFile, audit: engine.AuditPrint},
		{pattern: "GET /api/print/slip/{file}", handle: a.slipPDF, allow: people(appts...), building: fromAppointmentFile, audit: engine.AuditPrint},
		{pattern: "GET /api/print/daily-sheet.pdf", handle: a.dailySheetPDF, allow: people(manager), building: fromQuery, audit: engine.AuditPrint},
		{pattern: "GET /api/print/attendance.pdf", handle: a.attendancePDF, allow: people(manager), building: fromQuery, audit: engine.AuditPrint},
		{pattern: "GET /api/print/printers", handle: a.printers, allow: people(reception, clerk, manager, admin)},
		{pattern: "GET /api/print/jobs", handle: a.printJobs, allow: people(reception, clerk, manager, admin)},
		{pattern: "POST /api/print/jobs", handle: a.createPrintJob, allow: people(reception, clerk, manager), building: fromBody,
			audit: engine.AuditPrint, check: mayPrint},
		{pattern: "POST /api/print/jobs/{id}/retry", handle: a.retryPrintJob, allow: people(reception, clerk, manager), audit: engine.AuditPrint},
		{pattern: "DELETE /api/print/jobs/{id}", handle: a.deletePrintJob, allow: people(reception, clerk, manager, admin)},
		{pattern: "GET /api/settings/printers", handle: a.printerSettings, allow: everyone()},
		{pattern: "PUT /api/settings/printers", handle: a.putPrinterSettings, allow: people(admin), audit: engine.AuditChange},
		{pattern: "GET /api/settings/mail", handle: a.mailSettings, allow: people(admin)},
		{pattern: "PUT /api/settings/mail", handle: a.putMailSettings, allow: people(admin), audit: engine.AuditChange},
		{pattern: "GET /api/settings/mail/outbox", handle: a.outbox, allow: people(admin)},

		{pattern: "GET /api/calendar", handle: a.calendar, allow: people(appts...), building: fromQuery},
		{pattern: "GET /api/slots", handle: a.slots, allow: people(appts...), building: fromQuery},
		{pattern: "POST /api/appointments", handle: a.book, allow: people(appts...), building: fromBody},
		{pattern: "GET /api/appointments", handle: a.appointments, allow: people(reception, clerk, manager), building: fromQuery, audit: engine.AuditRead},
		{pattern: "GET /api/appointments/{id}", handle: a.appointment, allow: people(reception, clerk, manager), building: fromAppointment, audit: engine.AuditRead},
		{pattern: "POST /api/appointments/{id}/cancel", handle: a.cancel, allow: people(appts...), building: fromAppointment},
		{pattern: "POST /api/appointments/{id}/move", handle: a.move, allow: people(appts...), building: fromAppointment},
		{pattern: "POST /api/appointments/{id}/call", handle: a.call, allow: people(appts...), building: fromAppointment},
		{pattern: "POST /api/appointments/{id}/served", handle: a.serve, allow: people(appts...), building: fromAppointment},
		{pattern: "POST /api/appointments/{id}/no-show", handle: a.noShow, allow: people(appts...), building: fromAppointment},
		{pattern: "POST /api/checkin", handle: a.checkin, allow: people(appts...).and(engine.DeviceKiosk), building: fromBody},
		{pattern: "POST /api/counters/{id}/call-next", handle: a.callNext, allow: people(appts...), building: fromCounter},
		{pattern: "GET /api/calls", handle: a.recentCalls, allow: people(appts...).and(engine.DeviceMonitor), building: fromQuery},
		{pattern: "GET /api/calls/stream", handle: a.callStream, allow: people(appts...).and(engine.DeviceMonitor), building: fromQuery, stream: true},
		{pattern: "GET /api/inbox", handle: a.inbox, allow: people(manager), building: fromQuery, audit: engine.AuditRead},
		{pattern: "POST /api/inbox/{id}/resolve", handle: a.resolveInbox, allow: people(manager), building: fromInbox},
		{pattern: "POST /api/counters/{id}/absences", handle: a.addAbsence, allow: people(manager, admin), building: fromCounter, audit: engine.AuditChange},
		{pattern: "POST /api/counters/{id}/absences/preview", handle: a.previewAbsence, allow: people(manager, admin), building: fromCounter, audit: engine.AuditRead},
		{pattern: "DELETE /api/counters/{id}/absences/{from}", handle: a.removeAbsence, allow: people(manager, admin), building: fromCounter, audit: engine.AuditChange},
		{pattern: "GET /api/allotments", handle: a.allotments, allow: people(manager, admin)},
		{pattern: "GET /api/buildings/{id}/online", handle: a.getOnlineRules, allow: people(admin, manager), building: fromPathID},
		{pattern: "PUT /api/buildings/{id}/online", handle: a.putOnlineRules, allow: people(admin), building: fromPathID, audit: engine.AuditChange},
		{pattern: "PUT /api/buildings/{id}/allotments", handle: a.putAllotments, allow: people(admin), building: fromPathID, audit: engine.AuditChange},
		{pattern: "GET /api/tokens/summary", handle: a.tokenSummary, allow: people(clerk, manager, admin), building: fromQuery},

		{pattern: "GET /api/accounts", handle: a.listAccounts, allow: people(admin)},
		{pattern: "POST /api/accounts", handle: a.createAccount, allow: people(admin), audit: engine.AuditAccount},
		{pattern: "PUT /api/accounts/{id}", handle: a.changeAccount, allow: people(admin), audit: engine.AuditAccount},
		{pattern: "GET /api/devices", handle: a.listDevices, allow: people(admin)},
		{pattern: "POST /api/devices", handle: a.addDevice, allow: people(admin), building: fromBody, audit: engine.AuditDevice},
		{pattern: "POST /api/devices/{id}/revoke", handle: a.revokeDevice, allow: people(admin), audit: engine.AuditDevice},
		{pattern: "GET /api/audit", handle: a.auditLog, allow: people(privacy, admin), audit: engine.AuditRead},
	}
}

// mayPrint: a print job prints what its caller may read.
func mayPrint(p *principal, r *http.Request) bool {
	var body struct {
		Document string `json:"document"`
	}
	peekBody(r, &body)
	need := map[string][]string{
		"badge": {reception}, "slip": appts, "daily-sheet": {manager}, "attendance": {manager},
	}[body.Document]
	if need == nil {
		return true // unknown document: the handler says so
	}
	return slices.ContainsFunc(need, p.account.HasRole)
}

// Where a request names its building.

func fromQuery(a *App, r *http.Request) string {
	if b := strings.TrimSpace(r.URL.Query().Get("building")); b != "" {
		return b
	}
	return a.building.ID
}

// fromQueryOptional: no building means every building (the staff list).
func fromQueryOptional(a *App, r *http.Request) string {
	return strings.TrimSpace(r.URL.Query().Get("building"))
}

func fromBody(a *App, r *http.Request) string {
	var body struct {
		Building string `json:"building"`
	}
	peekBody(r, &body)
	if b := strings.TrimSpace(body.Building); b != "" {
		return b
	}
	return a.building.ID
}

func fromPathID(a *App, r *http.Request) string { return r.PathValue("id") }

func fromVisit(a *App, r *http.Request) string { return a.visitBuilding(r, r.PathValue("id")) }

func fromVisitFile(a *App, r *http.Request) string {
	return a.visitBuilding(r, strings.TrimSuffix(r.PathValue("file"), ".pdf"))
}

func (a *App) visitBuilding(r *http.Request, id string) string {
	v, err := a.store.Visit(r.Context(), id)
	if err != nil {
		return ""
	}
	return v.Building
}

func fromAppointment(a *App, r *http.Request) string {
	return a.appointmentBuilding(r, r.PathValue("id"))
}

func fromAppointmentFile(a *App, r *http.Request) string {
	return a.appointmentBuilding(r, strings.TrimSuffix(r.PathValue("file"), ".pdf"))
}

func (a *App) appointmentBuilding(r *http.Request, id string) string {
	ap, err := a.store.Appointment(r.Context(), id)
	if err != nil {
		return ""
	}
	return ap.Building
}

func fromCounter(a *App, r *http.Request) string {
	k, _ := a.store.Catalog().Counter(r.PathValue("id"))
	return k.Building
}

func fromInbox(a *App, r *http.Request) string {
	e, err := a.store.InboxEntry(r.Context(), r.PathValue("id"))
	if err != nil {
		return ""
	}
	return e.Building
}

// peekBody decodes the request body into v, loosely, and puts the body
// back for the handler (which decodes it strictly).
func peekBody(r *http.Request, v any) {
	if r.Body == nil {
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err == nil {
		json.Unmarshal(b, v)
	}
}

// gate wraps one route's handler: who is asking, may they, in which
// building, and the audit entry.
func (a *App) gate(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := a.identify(r)
		if p != nil {
			r = r.WithContext(withPrincipal(r.Context(), p))
		}
		if rt.allow.open {
			rt.handle(w, r)
			return
		}
		if p == nil {
			a.fail(w, r, &engine.Error{Code: engine.CodeUnauthenticated, Detail: "sign in first"})
			return
		}
		if p.session != nil && a.touch(p.session, r) && !rt.allow.lockedOK {
			a.fail(w, r, &engine.Error{Code: engine.CodeLocked, Detail: "the desk is locked"})
			return
		}
		if !rt.allow.admits(p) || (rt.check != nil && !rt.check(p, r)) {
			a.fail(w, r, &engine.Error{Code: engine.CodeForbidden, Detail: "no right to " + rt.pattern})
			return
		}
		building := ""
		if rt.building != nil {
			building = rt.building(a, r)
			if !a.inBuilding(p, building) {
				a.fail(w, r, &engine.Error{Code: engine.CodeForbidden, Field: "building", Detail: "not this building: " + building})
				return
			}
		}
		if rt.audit == "" {
			rt.handle(w, r)
			return
		}
		rec := &auditRecord{entry: engine.AuditEntry{Action: rt.audit, Route: rt.pattern, Building: building,
			Day: r.URL.Query().Get("day"), Entities: pathEntities(r)}}
		r = r.WithContext(context.WithValue(r.Context(), auditKey{}, rec))
		if rt.stream {
			if err := a.audit(r, rec.entry); err != nil {
				a.fail(w, r, err)
				return
			}
			rt.handle(w, r)
			return
		}
		// Nothing personal leaves before its audit entry is written: the
		// answer waits in a buffer.
		buf := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
		rt.handle(buf, r)
		rec.entry.Status = buf.status
		if (buf.status < 400 || buf.status == http.StatusConflict) && !a.auditedLately(p, rec.entry) {
			if err := a.audit(r, rec.entry); err != nil {
				a.fail(w, r, err)
				return
			}
		}
		buf.flush(w)
	})
}

// admits says whether the principal holds a right the access names.
func (x access) admits(p *principal) bool {
	if p.isDevice() {
		return slices.Contains(x.devices, p.device.Kind)
	}
	return x.anyone || slices.ContainsFunc(x.roles, p.account.HasRole)
}

// inBuilding: a person limited to buildings, and a device, work in theirs
// only. "" (no building, or the entity is not found) is left to the
// handler, except for a device, which always has one.
func (a *App) inBuilding(p *principal, building string) bool {
	if p.isDevice() {
		return building == p.device.Building
	}
	return building == "" || p.account.InBuilding(building)
}

// pathEntities: the ids a route's path names.
func pathEntities(r *http.Request) []string {
	var ids []string
	for _, name := range []string{"id", "file"} {
		if v := r.PathValue(name); v != "" {
			ids = append(ids, strings.TrimSuffix(v, ".pdf"))
		}
	}
	return ids
}

type auditKey struct{}

type auditRecord struct{ entry engine.AuditEntry }

// auditEntities adds the ids of what a handler shows or changed to the
// request's audit entry.
func auditEntities(ctx context.Context, ids ...string) {
	if rec, ok := ctx.Value(auditKey{}).(*auditRecord); ok {
		for _, id := range ids {
			if !slices.Contains(rec.entry.Entities, id) {
				rec.entry.Entities = append(rec.entry.Entities, id)
			}
		}
	}
}

// audit writes one audit entry for the request's principal.
func (a *App) audit(r *http.Request, e engine.AuditEntry) error {
	if p := principalOf(r.Context()); p != nil {
		if p.isDevice() {
			e.Device = p.device.ID
		} else if e.User == "" {
			e.User = p.account.ID
		}
	}
	if e.Building == "" {
		e.Building = a.building.ID
	}
	err := a.store.RecordAudit(r.Context(), a.author(r.Context()), e)
	if err != nil {
		a.log.Error("audit entry not written", "route", e.Route, "err", err)
	}
	return err
}

// auditRepeat: the same person reading the same list or record again
// within this time (a screen's poll, a reload) is not written again: the
// log says who looked at what, and when first.
const auditRepeat = 10 * time.Minute

// auditedLately reports whether p read exactly this (route, building,
// day, the same records) within auditRepeat, and notes it if not. Only
// reads: prints, searches and changes are written every time.
func (a *App) auditedLately(p *principal, e engine.AuditEntry) bool {
	if e.Action != engine.AuditRead {
		return false
	}
	key := p.author() + "\x00" + e.Route + "\x00" + e.Building + "\x00" + e.Day + "\x00" + strings.Join(e.Entities, ",")
	now := a.clock.Now()
	a.auditMu.Lock()
	defer a.auditMu.Unlock()
	if at, ok := a.auditSeen[key]; ok && now.Sub(at) < auditRepeat && !now.Before(at) {
		return true
	}
	if len(a.auditSeen) > 10_000 {
		for k, at := range a.auditSeen {
			if now.Sub(at) >= auditRepeat {
				delete(a.auditSeen, k)
			}
		}
	}
	a.auditSeen[key] = now
	return false
}

// bufferedResponse holds an answer until its audit entry is written.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(code int) {
	if !b.wrote {
		b.status, b.wrote = code, true
	}
}

func (b *bufferedResponse) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}
