package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"pforte/engine"
)

// A manager enters a counter's absence from the Verwaltung. Before saving,
// the screen shows what saving would do (PreviewAbsence): which bookings
// move where, which find no place, whom the clerks must tell. The preview
// runs displacement (engine.Displaced) against the configuration as it
// would be, and the same search a move makes (RelocateDisplaced), on a copy
// of the occupancy: it writes nothing.

// AbsencePreview is what entering an absence would do now.
type AbsencePreview struct {
	Counter engine.Counter   // as it is now, without the absence
	Range   engine.DateRange // normalized
	// Moves: the counter's bookings on those days that would be
	// displaced, in the order their sites move them (earliest booked
	// first).
	Moves []AbsenceMove
}

// AbsenceMove is one booking an absence would displace.
type AbsenceMove struct {
	Appointment engine.Appointment
	// To is where this site would move it; nil when no place is free, or
	// when another site moves it (MovedBy).
	To *engine.Slot
	// MovedBy names the site that booked it and moves it, when that is
	// not this site.
	MovedBy string
}

// SameTime: the booking keeps its start, at another counter or room.
func (m AbsenceMove) SameTime() bool { return m.To != nil && m.To.Start.Equal(m.Appointment.Start) }

// PreviewAbsence computes what AddAbsence followed by RelocateDisplaced
// would do to counterID's bookings on the days of r, writing nothing.
// Bad input is an engine.CodeInvalidField naming from, to or reason; an
// unknown counter engine.CodeNotFound.
//
// Every displaced booking of this site takes part, in the order
// RelocateDisplaced moves them, so that a free place is given only once:
// a booking displaced for another reason, booked earlier, may take a place
// first, as it would when the absence is saved. Only the counter's
// bookings on those days are returned.
func (s *Store) PreviewAbsence(ctx context.Context, counterID string, r engine.DateRange) (AbsencePreview, error) {
	r, err := r.Normalize("")
	if err != nil {
		return AbsencePreview{}, err
	}
	k, err := doc[engine.Counter](ctx, s.db, "counter", "no counter "+counterID, `SELECT doc FROM counters WHERE id = ?`, counterID)
	if err != nil {
		return AbsencePreview{}, err
	}
	p := AbsencePreview{Counter: k, Range: r}
	now := s.clock.Now()
	as, err := docs[engine.Appointment](ctx, s.db, `SELECT doc FROM appointments WHERE start > ? AND status <> ?`,
		now.Add(-24*time.Hour).UnixMilli(), engine.ApptCancelled)
	if err != nil {
		return p, fmt.Errorf("appointments: %w", err)
	}
	absent := k
	absent.Absences = append(slices.Clone(k.Absences), r)
	cat := withCounter(s.cat.Load(), absent)
	occ := &overlay{base: s.occ, now: now}
	tokens := &previewTokens{base: s, occ: occ}
	for _, d := range engine.Displaced(cat, as, now) {
		a := d.Appointment
		ours := a.Counter == k.ID && engine.Day(a.Start) >= r.From && engine.Day(a.Start) <= r.To
		if a.Origin != s.site {
			if ours {
				p.Moves = append(p.Moves, AbsenceMove{Appointment: a, MovedBy: a.Origin})
			}
			continue
		}
		to, err := placeFor(cat, occ, tokens, a, now)
		if err != nil {
			return p, fmt.Errorf("place for %s: %w", a.ID, err)
		}
		if to != nil {
			occ.move(a, *to)
		}
		if ours {
			p.Moves = append(p.Moves, AbsenceMove{Appointment: a, To: to})
		}
	}
	return p, nil
}

// placeFor finds where relocate would move a: the same start at another
// counter or room, else the nearest free start; nil if there is none.
func placeFor(cat *engine.Catalog, occ engine.Occupancy, tokens engine.TokenView, a engine.Appointment, now time.Time) (*engine.Slot, error) {
	q := engine.Query{Building: a.Building, Services: a.Services, Channel: a.Channel, Now: now,
		BarrierFree: a.BarrierFree, Ignore: a.ID}
	if cat.Buildings[a.Building].Escrowed() {
		q.Tokens = tokens
	}
	slot, err := engine.Allocate(cat, occ, q, a.Start)
	if err == nil {
		return &slot, nil
	}
	if !isTaken(err) {
		return nil, err
	}
	start, err := nearestFreeIn(cat, occ, tokens, a, now)
	if err != nil || start.IsZero() {
		return nil, err
	}
	if slot, err = engine.Allocate(cat, occ, q, start); isTaken(err) {
		return nil, nil // relocate's booking fails the same way and leaves it
	} else if err != nil {
		return nil, err
	}
	return &slot, nil
}

// withCounter returns a copy of cat with k in place of the counter of the
// same id; cat itself is a shared snapshot and stays as it is.
func withCounter(cat *engine.Catalog, k engine.Counter) *engine.Catalog {
	c := *cat
	c.Counters = make(map[string][]engine.Counter, len(cat.Counters))
	for b, ks := range cat.Counters {
		c.Counters[b] = ks
	}
	ks := slices.Clone(c.Counters[k.Building])
	if i := slices.IndexFunc(ks, func(x engine.Counter) bool { return x.ID == k.ID }); i >= 0 {
		ks[i] = k
	}
	c.Counters[k.Building] = ks
	return &c
}

// overlay is an occupancy as it would be after the moves of a preview:
// the store's index, less the moved bookings' old places, plus their new
// ones. The index itself is not touched.
type overlay struct {
	base  engine.Occupancy
	now   time.Time
	added map[[2]string][]engine.Busy // by building and day
	gone  map[string]bool             // appointment ids
	// tickets: per building and day, the day tickets the moves took (a
	// move to today is a booking on the day itself)
	tickets map[[2]string]int
}

// move records that a moves to slot.
func (o *overlay) move(a engine.Appointment, slot engine.Slot) {
	if o.added == nil {
		o.added, o.gone, o.tickets = map[[2]string][]engine.Busy{}, map[string]bool{}, map[[2]string]int{}
	}
	o.gone[a.ID] = true
	key := [2]string{a.Building, engine.Day(slot.Start)}
	// As engine.BookOnTokens marks it; the old booking's ticket stays
	// taken until relocate cancels it, after the new one is booked.
	sameDay := engine.Day(slot.Start) == engine.Day(o.now)
	o.added[key] = append(o.added[key], engine.Busy{ID: "preview:" + a.ID, Counter: slot.Counter, Room: slot.Room,
		Start: slot.Start, End: slot.End, SameDay: sameDay})
	if sameDay {
		o.tickets[key]++
	}
}

// previewTokens is this site's engine.TokenView less the day tickets the
// preview's moves took: of an escrowed building, a site books a day
// ticket it holds (Store.freeTicket) for every booking on the day itself.
type previewTokens struct {
	base engine.TokenView
	occ  *overlay
}

// TokenDay implements engine.TokenView.
func (p *previewTokens) TokenDay(building, day string) *engine.DayTokens {
	d := p.base.TokenDay(building, day)
	if d == nil || p.occ.tickets[[2]string{building, day}] == 0 {
		return d
	}
	c := *d
	c.Tickets = max(0, c.Tickets-p.occ.tickets[[2]string{building, day}])
	return &c
}

// Day implements engine.Occupancy.
func (o *overlay) Day(building, day string) []engine.Busy {
	base := o.base.Day(building, day)
	added := o.added[[2]string{building, day}]
	if len(o.gone) == 0 {
		return base
	}
	out := make([]engine.Busy, 0, len(base)+len(added))
	for _, b := range base {
		if !o.gone[b.ID] {
			out = append(out, b)
		}
	}
	out = append(out, added...)
	slices.SortStableFunc(out, func(x, y engine.Busy) int { return x.Start.Compare(y.Start) })
	return out
}

// RemoveAbsence removes the absence of counterID that starts on from (one
// entered by mistake): a new definition of the counter, as AddAbsence
// writes. Bookings already moved away stay where they are. A from that is
// no day is engine.CodeInvalidField; no such absence engine.CodeNotFound.
func (s *Store) RemoveAbsence(ctx context.Context, author, counterID, from string) (engine.Counter, error) {
	from, err := engine.ParseDay("from", from)
	if err != nil {
		return engine.Counter{}, err
	}
	var k engine.Counter
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		cur, err := doc[engine.Counter](ctx, t, "counter", "no counter "+counterID, `SELECT doc FROM counters WHERE id = ?`, counterID)
		if err != nil {
			return err
		}
		kept := slices.DeleteFunc(slices.Clone(cur.Absences), func(a engine.DateRange) bool { return a.From == from })
		if len(kept) == len(cur.Absences) {
			return engine.NotFound("from", "%s has no absence from %s", counterID, from)
		}
		cur.Absences = kept
		k = cur
		_, err = t.append(ctx, engine.DefineOp(engine.KindCounterDefined, cur.ID, cur))
		return err
	})
	return k, err
}
