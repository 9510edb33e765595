package app

import (
	"context"
	"net/http"
	"time"

	"pforte/engine"
)

// Retention: personal data leaves on time (engine.Retention), on every
// site, and replication never brings it back (engine/store/purge.go). The
// purge runs at start, before the site syncs (a site that slept for six
// weeks erases before it sends anything), and every night.

// retentionRoutes are its lines of the route table.
func (a *App) retentionRoutes() []route {
	return []route{
		{pattern: "GET /api/buildings/{id}/retention", handle: a.getRetention, allow: people(admin, privacy, manager), building: fromPathID},
		{pattern: "PUT /api/buildings/{id}/retention", handle: a.putRetention, allow: people(admin, privacy), building: fromPathID, audit: engine.AuditChange},
		{pattern: "POST /api/retention/run", handle: a.runRetention, allow: people(admin, privacy), audit: engine.AuditChange},
		{pattern: "GET /api/holds", handle: a.listHolds, allow: people(privacy, admin)},
		{pattern: "POST /api/holds", handle: a.placeHold, allow: people(privacy), building: fromBody, audit: engine.AuditChange},
		{pattern: "POST /api/holds/{id}/lift", handle: a.liftHold, allow: people(privacy), audit: engine.AuditChange},
		{pattern: "POST /api/personal-data/erase", handle: a.erasePersonal, allow: people(privacy), audit: engine.AuditChange},
	}
}

// Purge erases what expired now: the database (every kind of personal
// data) and the print queue. It answers the counts per kind.
func (a *App) Purge(ctx context.Context) (map[string]int, error) {
	res, err := a.store.Purge(ctx)
	if err != nil {
		return res, err
	}
	out := map[string]int{engine.PersonalVisit: 0, engine.PersonalAppointment: 0, engine.PersonalInbox: 0,
		engine.PersonalAudit: 0, "print_jobs": 0}
	for k, n := range res {
		out[k] = n
	}
	sp, err := a.spool()
	if err != nil {
		return out, err
	}
	n, err := sp.Prune(a.clock.Now().Add(-a.printQueueRetention()))
	out["print_jobs"] = n
	return out, err
}

// printQueueRetention: a queued document (badge, slip, sheet) holds the
// personal data of visits and appointments, so it goes with the shortest
// of their retentions in any building.
func (a *App) printQueueRetention() time.Duration {
	days := engine.DefaultRetention.VisitDays
	for _, b := range a.store.Catalog().Buildings {
		r := b.RetentionOf()
		days = min(days, r.VisitDays, r.AppointmentDays)
	}
	return time.Duration(days) * 24 * time.Hour
}

// purgeNow runs the purge and logs what it erased (counts only: nothing
// personal in the log).
func (a *App) purgeNow(ctx context.Context, when string) (map[string]int, error) {
	res, err := a.Purge(ctx)
	if err != nil {
		a.log.Error("retention purge", "when", when, "err", err)
		return res, err
	}
	total := 0
	for _, n := range res {
		total += n
	}
	if total > 0 {
		a.log.Info("retention purge: personal data erased", "when", when, "visits", res[engine.PersonalVisit],
			"appointments", res[engine.PersonalAppointment], "inbox", res[engine.PersonalInbox],
			"audit", res[engine.PersonalAudit], "print_jobs", res["print_jobs"])
	}
	return res, nil
}

func (a *App) startRetentionJobs() {
	a.cron.AddFunc("10 3 * * *", func() { a.purgeNow(context.Background(), "nightly") })
}

// runRetention serves POST /api/retention/run: the purge, now.
func (a *App) runRetention(w http.ResponseWriter, r *http.Request) {
	res, err := a.purgeNow(r.Context(), "asked by "+a.author(r.Context()))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"erased": res})
}

func (a *App) getRetention(w http.ResponseWriter, r *http.Request) {
	b, err := a.store.Building(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, privacyRulesOf(b))
}

// privacyRules is what Verwaltung → Datenschutz sets per building: how long
// personal data is kept, the margin contact tracing adds around a stay and
// the desks' idle lock (either 0 in a request: the default).
type privacyRules struct {
	engine.Retention
	TracingMarginMinutes int `json:"tracing_margin_minutes"`
	// IdleLockMinutes: the building's desks lock after this long without
	// their person (a shared desk shows personal data).
	IdleLockMinutes int `json:"idle_lock_minutes"`
}

func privacyRulesOf(b engine.Building) privacyRules {
	return privacyRules{Retention: b.RetentionOf(),
		TracingMarginMinutes: int(b.TracingMargin() / time.Minute), IdleLockMinutes: int(b.IdleLock() / time.Minute)}
}

// privacyRulesInput is the body of PUT .../retention: the margin and the
// idle lock may be left out (the building keeps its own).
type privacyRulesInput struct {
	engine.Retention
	TracingMarginMinutes *int `json:"tracing_margin_minutes"`
	IdleLockMinutes      *int `json:"idle_lock_minutes"`
}

// putRetention serves PUT /api/buildings/{id}/retention: the rule, as a
// configuration op every site folds.
func (a *App) putRetention(w http.ResponseWriter, r *http.Request) {
	b, err := a.store.Building(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in privacyRulesInput
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	rule := in.Retention
	if err := rule.Validate(); err != nil {
		a.fail(w, r, err)
		return
	}
	b.Retention = &rule
	if in.TracingMarginMinutes != nil {
		b.TracingMarginMinutes = *in.TracingMarginMinutes
	}
	if in.IdleLockMinutes != nil {
		b.IdleLockMinutes = *in.IdleLockMinutes
	}
	// The building's own check (engine.Building.Validate) bounds both.
	if err := a.store.DefineBuilding(r.Context(), a.author(r.Context()), b); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, privacyRulesOf(b))
}

// holdJSON is a hold as the API shows it.
type holdJSON struct {
	engine.Hold
	PlacedAt string `json:"placed_at"`
	LiftedAt string `json:"lifted_at,omitempty"`
	Active   bool   `json:"active"`
}

func (a *App) holdJSON(h engine.Hold) holdJSON {
	return holdJSON{Hold: h, PlacedAt: apiTime(h.PlacedAt), LiftedAt: apiTimeOrEmpty(h.LiftedAt), Active: h.Active(a.clock.Now())}
}

func (a *App) listHolds(w http.ResponseWriter, r *http.Request) {
	hs, err := a.store.Holds(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]holdJSON, len(hs))
	for i, h := range hs {
		out[i] = a.holdJSON(h)
	}
	writeJSON(w, http.StatusOK, out)
}

// placeHold serves POST /api/holds {"building","from","to","reason","until"}.
func (a *App) placeHold(w http.ResponseWriter, r *http.Request) {
	var n engine.NewHold
	if err := decode(w, r, &n); err != nil {
		a.fail(w, r, err)
		return
	}
	h, err := a.store.PlaceHold(r.Context(), a.author(r.Context()), n)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	auditEntities(r.Context(), "hold:"+h.ID)
	writeJSON(w, http.StatusCreated, a.holdJSON(h))
}

func (a *App) liftHold(w http.ResponseWriter, r *http.Request) {
	h, err := a.store.LiftHold(r.Context(), a.author(r.Context()), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.holdJSON(h))
}

// erasePersonal serves POST /api/personal-data/erase {"ids","reason"}:
// the records' personal data is erased now, here, and on every site when
// the erase op arrives.
func (a *App) erasePersonal(w http.ResponseWriter, r *http.Request) {
	var e engine.Erasure
	if err := decode(w, r, &e); err != nil {
		a.fail(w, r, err)
		return
	}
	res, err := a.store.ErasePersonal(r.Context(), a.author(r.Context()), e)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	auditEntities(r.Context(), e.IDs...)
	// Documents queued for those records (a badge, a slip) go too.
	if sp, err := a.spool(); err == nil {
		if jobs, err := sp.List(); err == nil {
			for _, j := range jobs {
				if contains(e.IDs, j.Ref) {
					sp.Remove(j.ID)
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"erased": res})
}
