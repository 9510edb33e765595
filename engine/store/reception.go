package store

import (
	"context"
	"time"

	"pforte/engine"
)

// checkInForVisit links a registration to today's appointment at building
// b: the appointment must be there and today, and not over; a booked one is
// checked in (with a ticket) in the same transaction as the registration.
func (t *tx) checkInForVisit(ctx context.Context, b engine.Building, id string, now time.Time) error {
	a, err := appointment(ctx, t, id)
	if err != nil {
		return invalidRef(err, "appointment_id", id)
	}
	switch {
	case a.Building != b.ID:
		return engine.InvalidRule("appointment_id", "other_building", "appointment %s is at %s, not %s", id, a.Building, b.ID)
	case engine.Day(a.Start) != engine.Day(now):
		return engine.InvalidRule("appointment_id", "not_today", "appointment %s is on %s", id, engine.Day(a.Start))
	case a.Status != engine.ApptBooked:
		if a.Final() {
			return engine.InvalidState("appointment_"+a.Status, "appointment %s is %s", id, a.Status)
		}
		return nil // checked in at the terminal already, or called
	}
	ticket, err := t.nextTicket(ctx, b, engine.Day(now))
	if err != nil {
		return err
	}
	op, err := engine.CheckIn(a, ticket, now)
	if err != nil {
		return err
	}
	_, err = t.append(ctx, op)
	return err
}

// PresentEverywhere returns everyone in any building now, earliest first:
// a host's desk looks for its visitors at every entrance.
func (s *Store) PresentEverywhere(ctx context.Context) ([]engine.Visit, error) {
	return docs[engine.Visit](ctx, s.db, `SELECT doc FROM visits WHERE present = 1 ORDER BY arrived_at`)
}

// VisitsSince returns the visits that arrived at or after since, newest
// first. Only visits within the retention period are still held.
func (s *Store) VisitsSince(ctx context.Context, since time.Time) ([]engine.Visit, error) {
	return docs[engine.Visit](ctx, s.db, `SELECT doc FROM visits WHERE arrived_at >= ? ORDER BY arrived_at DESC`, since.UnixMilli())
}
