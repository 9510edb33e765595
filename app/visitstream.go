package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

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
	subs map[chan engine.Visit]visitFilter
}

// visitFilter picks the visits one screen follows: a building's, or a
// host's at every building. Both empty: every visit.
type visitFilter struct{ building, host string }

func (f visitFilter) match(v engine.Visit) bool {
	switch {
	case f.host != "":
		return v.Host == f.host || v.ComingBy == f.host
	case f.building != "":
		return v.Building == f.building
	}
	return true
}

func newVisitBroker() *visitBroker { return &visitBroker{subs: map[chan engine.Visit]visitFilter{}} }

func (b *visitBroker) subscribe(f visitFilter) chan engine.Visit {
	ch := make(chan engine.Visit, 32)
	b.mu.Lock()
	b.subs[ch] = f
	b.mu.Unlock()
	return ch
}

func (b *visitBroker) unsubscribe(ch chan engine.Visit) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

func (b *visitBroker) publish(v engine.Visit) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch, f := range b.subs {
		if !f.match(v) {
			continue
		}
		select {
		case ch <- v:
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
// /api/visits/{id} shows it) per change.
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
	ch := a.visitHub.subscribe(f)
	defer a.visitHub.unsubscribe(ch)
	streamEvents(a, w, r, "visits", "visit", ch, func(v engine.Visit) ([]byte, bool) {
		out, err := a.visitsJSON(r.Context(), []engine.Visit{v})
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
