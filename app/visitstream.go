package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// visitBroker tells the open screens that a visit changed: reception (by
// building) and the hosts' desks (by host), whether the change was made
// here or arrived from another site. A screen that cannot keep up loses
// events rather than slowing the desk down; it reloads its list when it
// reconnects and every few seconds anyway.
type visitBroker struct {
	mu   sync.Mutex
	subs map[chan visitEvent]visitFilter
}

// visitEvent is one event for the screens: a visit as it stands, or only
// a hint that one is coming (psync.VisitHint: its op has not arrived).
type visitEvent struct {
	visit engine.Visit
	hint  *visitHintJSON
}

// eventName makes a hint "visit-hint" on the stream (streamEvents).
func (e visitEvent) eventName() string {
	if e.hint != nil {
		return "visit-hint"
	}
	return ""
}

// visitFilter picks the visits one screen follows: a building's, or a
// host's at every building. Both empty: every visit.
type visitFilter struct{ building, host string }

func (f visitFilter) match(e visitEvent) bool {
	if e.hint != nil {
		// Only hosts' desks: the hint names no building.
		return f.host != "" && e.hint.Host == f.host
	}
	v := e.visit
	switch {
	case f.host != "":
		return v.Host == f.host || v.ComingBy == f.host
	case f.building != "":
		return v.Building == f.building
	}
	return true
}

func newVisitBroker() *visitBroker { return &visitBroker{subs: map[chan visitEvent]visitFilter{}} }

func (b *visitBroker) subscribe(f visitFilter) chan visitEvent {
	ch := make(chan visitEvent, 32)
	b.mu.Lock()
	b.subs[ch] = f
	b.mu.Unlock()
	return ch
}

func (b *visitBroker) unsubscribe(ch chan visitEvent) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

func (b *visitBroker) publish(v engine.Visit) { b.send(visitEvent{visit: v}) }

func (b *visitBroker) send(e visitEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch, f := range b.subs {
		if !f.match(e) {
			continue
		}
		select {
		case ch <- e:
		default:
		}
	}
}

// visitChanged tells the screens about a visit written here.
func (a *App) visitChanged(v engine.Visit) { a.visitHub.publish(v) }

// replicaLog is the store as replication sees it, plus one thing: after ops
// from another site are applied, the visits they touched are announced to
// the screens, so a host's desk hears of its visitor at another entrance
// as soon as the op arrives. The store itself knows nothing of screens.
type replicaLog struct {
	*store.Store
	applied func(ctx context.Context, ops []engine.Op)
}

// ApplyRemote applies ops from a peer, then announces the visits among them.
func (l replicaLog) ApplyRemote(ctx context.Context, ops []engine.Op) (engine.ApplyResult, error) {
	res, err := l.Store.ApplyRemote(ctx, ops)
	if err == nil && res.Applied > 0 {
		l.applied(ctx, ops)
	}
	return res, err
}

// remoteVisitsApplied publishes the current state of every visit among
// ops. An op that was rejected or already held publishes the visit as it
// stands, which the screens take as a no-op.
func (a *App) remoteVisitsApplied(ctx context.Context, ops []engine.Op) {
	seen := map[string]bool{}
	for _, op := range ops {
		if op.Kind == engine.KindApptCalled {
			a.remoteCall(ctx, op)
			continue
		}
		if engine.EntityType(op.Kind) != engine.EntityVisit || seen[op.Entity] {
			continue
		}
		seen[op.Entity] = true
		v, err := a.store.Visit(ctx, op.Entity)
		if err != nil {
			continue // registration not here yet: its pick-up waits for it
		}
		a.visitHub.publish(v)
	}
}

// visitStream serves GET /api/visits/stream?building=B or ?host=H:
// server-sent events, one `event: visit` with the visit (as GET
// /api/visits/{id} shows it) per change. A host's stream also gets
// `event: visit-hint` ({"id","host","origin"}) when another site announced
// a visit for the host whose op has not arrived yet (visithints.go).
func (a *App) visitStream(w http.ResponseWriter, r *http.Request) {
	f := visitFilter{host: strings.TrimSpace(r.URL.Query().Get("host"))}
	if f.host != "" {
		if _, err := a.store.StaffMember(r.Context(), f.host); err != nil {
			a.fail(w, r, invalidStaff(err, "host", f.host))
			return
		}
	} else {
		b, err := a.buildingParam(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		f.building = b.ID
	}
	w, closeStream, ok := openStream(w, r)
	if !ok {
		return
	}
	defer closeStream()
	ch := a.visitHub.subscribe(f)
	defer a.visitHub.unsubscribe(ch)
	streamEvents(a, w, r, "visits", "visit", ch, func(e visitEvent) ([]byte, bool) {
		if e.hint != nil {
			data, err := json.Marshal(e.hint)
			return data, err == nil
		}
		out, err := a.visitsJSON(r.Context(), []engine.Visit{e.visit})
		if err != nil {
			return nil, false
		}
		data, err := json.Marshal(out[0])
		return data, err == nil
	})
}

// invalidStaff turns "no such member of staff" into bad input naming field.
func invalidStaff(err error, field, id string) error {
	if engine.AsError(err).Code == engine.CodeNotFound {
		return engine.InvalidRule(field, engine.RuleUnknown, "unknown %s %q", field, id)
	}
	return err
}

// callFresh: a call that reaches this site later than this (a site that
// was cut off) is history, not something to show on the monitor.
const callFresh = 2 * time.Minute

// remoteCall shows a call made at another site's desk on this site's
// monitors of the building: the monitor does not care which desk called.
func (a *App) remoteCall(ctx context.Context, op engine.Op) {
	ap, err := a.store.Appointment(ctx, op.Entity)
	if err != nil || ap.CalledAt.IsZero() || a.clock.Now().Sub(ap.CalledAt) > callFresh {
		return
	}
	a.calls.publish(a.callOf(ap))
}
