package app

import (
	"context"
	"net/http"
	"strings"

	"pforte/engine"
)

// The clerks' inbox and displacement: when capacity shrinks under booked
// appointments (engine.Displaced), this site moves the ones it booked and
// tells the clerks whom to call (store.RelocateDisplaced). It runs once
// after start, every minute (configuration arrives from other sites at any
// time), and right after an absence is entered here.

// relocate runs displacement and logs what it did.
func (a *App) relocate(ctx context.Context) {
	n, err := a.store.RelocateDisplaced(ctx, a.author(ctx))
	if err != nil {
		a.log.Error("relocate displaced appointments", "err", err)
	}
	if n > 0 {
		a.log.Info("relocated displaced appointments", "moved", n)
	}
}

// startDisplacement schedules displacement; the caller starts the cron.
func (a *App) startDisplacement() {
	a.cron.AddFunc("* * * * *", func() { a.relocate(context.Background()) })
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		a.relocate(context.Background())
	}()
}

// inbox answers GET /api/inbox?building=: open entries first, then the
// resolved ones, with the count of open entries for the badge.
func (a *App) inbox(w http.ResponseWriter, r *http.Request) {
	id := ""
	if strings.TrimSpace(r.URL.Query().Get("building")) != "" {
		b, err := a.buildingParam(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		id = b.ID
	}
	es, err := a.store.Inbox(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for i := range es {
		es[i] = inLocal(es[i])
		auditEntities(r.Context(), es[i].ID)
	}
	writeJSON(w, http.StatusOK, es)
}

// inLocal shows an entry's times in Berlin, as the API writes every time.
func inLocal(e engine.InboxEntry) engine.InboxEntry {
	e.OldStart, e.CreatedAt = e.OldStart.In(engine.Berlin), e.CreatedAt.In(engine.Berlin)
	if e.NewStart != nil {
		t := e.NewStart.In(engine.Berlin)
		e.NewStart = &t
	}
	if !e.ResolvedAt.IsZero() {
		e.ResolvedAt = e.ResolvedAt.In(engine.Berlin)
	}
	return e
}

// resolveInbox answers POST /api/inbox/{id}/resolve {"action"}.
func (a *App) resolveInbox(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Action string `json:"action"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.store.ResolveInbox(r.Context(), a.author(r.Context()), r.PathValue("id"), body.Action)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inLocal(e))
}
