package store

import (
	"context"
	"maps"
	"sync"

	"pforte/engine"
)

// A booking in an escrowed building carries its booker's vector
// (engine.Appointment.Deps). A site shows it, row and occupancy, only once
// it holds that much: else a site that has a booking on a place another
// site freed and gave again, but not yet the cancel that freed it, would
// show the place taken twice. Until then the appointment waits here.

// holds reports whether this site holds deps, counting what the
// transaction stored itself.
func (t *tx) holds(deps map[string]uint64) bool {
	if len(deps) == 0 {
		return true
	}
	vector, _ := t.s.Vector(context.Background())
	for _, stored := range []map[string]uint64{t.batchStored, t.stored} {
		for site, n := range stored {
			vector[site] = max(vector[site], n)
		}
	}
	return engine.Satisfied(deps, vector)
}

// pendingSet holds the appointments a site has the booking op of but does
// not show yet, with what each waits for: their booker had seen ops this
// site lacks (deps). The write that brings those ops shows them
// (settleUnshown).
type pendingSet struct {
	mu  sync.Mutex
	ids map[string]map[string]uint64
}

func (p *pendingSet) add(id string, deps map[string]uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ids == nil {
		p.ids = map[string]map[string]uint64{}
	}
	p.ids[id] = deps
}

func (p *pendingSet) snapshot() map[string]map[string]uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.ids)
}

func (p *pendingSet) remove(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		delete(p.ids, id)
	}
}

func (p *pendingSet) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ids)
}

// settleUnshown shows, in this transaction, the pending appointments whose
// deps the site holds with what the transaction stored; they leave the
// pending set when it commits (runBatch). Every write that stores ops
// settles this way, so a booking appears in the very transaction that
// brings what it waited for.
func (t *tx) settleUnshown(ctx context.Context) error {
	if len(t.stored) == 0 {
		return nil
	}
	return t.settleAll(ctx)
}

func (t *tx) settleAll(ctx context.Context) error {
	if t.s.unshown.size() == 0 {
		return nil
	}
	for id, deps := range t.s.unshown.snapshot() {
		if !t.holds(deps) {
			continue
		}
		if err := t.refold(ctx, engine.EntityAppointment, id); err != nil {
			return err
		}
		if !t.pended[id] { // an entry found at Open has no deps until refolded
			t.shown = append(t.shown, id)
		}
	}
	return nil
}

// loadUnshown finds the appointments held as ops but not shown (pending
// when the site stopped): those it now holds the deps of appear, the
// others wait as before.
func (s *Store) loadUnshown(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT entity FROM ops WHERE entity_type = ?
		AND entity NOT IN (SELECT id FROM appointments)`, engine.EntityAppointment)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		s.unshown.add(id, nil)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if s.unshown.size() == 0 {
		return nil // the usual start: no transaction, no sync
	}
	return s.writeReceived(ctx, func(ctx context.Context, t *tx) error { return t.settleAll(ctx) })
}
