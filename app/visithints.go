package app

import (
	"context"

	"pforte/engine"
	psync "pforte/sync"
)

// A visit registered here is announced to the cluster by a Serf hint
// (psync.VisitHint: ids and a seq, nothing personal), so that the host's
// desk at another site can ring within a second, before the op itself has
// arrived, and that site's replication fetches the op at once.

// visitHintJSON is the data of a `visit-hint` event on a host's stream.
type visitHintJSON struct {
	ID     string `json:"id"`
	Host   string `json:"host"`
	Origin string `json:"origin"`
}

// announceVisit sends the hint for a visit just registered here. A lost or
// refused hint only delays the other sites until their next sync.
func (a *App) announceVisit(ctx context.Context, v engine.Visit) {
	if a.members == nil || a.sync == nil {
		return
	}
	vec, err := a.store.Vector(ctx)
	if err != nil {
		a.log.Debug("visit hint: vector", "err", err)
		return
	}
	// The site's seq now holds the registration (and perhaps a later op).
	h := psync.VisitHint{Visit: v.ID, Host: v.Host, Origin: a.cfg.Site, Seq: vec[a.cfg.Site]}
	if err := a.members.SendVisitHint(h); err != nil {
		a.log.Debug("visit hint not sent", "visit", v.ID, "err", err)
	}
}

// followVisitHints tells the host's screens of another site's visit hint,
// unless the visit is already here (then its `visit` event was sent when
// the op arrived, and an old hint replayed by Serf says nothing new).
// Replication itself follows the same hint (psync.Node.Attach).
func (a *App) followVisitHints() {
	st := a.store
	a.members.OnVisitHint(func(h psync.VisitHint) {
		if _, err := st.Visit(context.Background(), h.Visit); err == nil {
			return
		}
		a.visitHub.send(visitEvent{hint: &visitHintJSON{ID: h.Visit, Host: h.Host, Origin: h.Origin}})
	})
}
