package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"pforte/engine"
)

// RelocateDisplaced moves this site's displaced appointments
// (engine.Displaced): to the same start at another counter or room if one
// is free, else to the nearest free start (the same day later, then the
// following days within the booking horizon). A move keeps the booking
// code and, in the same transaction, puts a "tell the citizen" entry in the
// inbox. An appointment with no free place left stays where it is and gets
// one "no replacement found" entry, written once however often this runs.
//
// Only the site that booked an appointment moves it, so two sites never
// move the same one; every site may run this at any time, as often as it
// likes. It returns how many appointments it moved.
func (s *Store) RelocateDisplaced(ctx context.Context, author string) (moved int, err error) {
	now := s.clock.Now()
	// A day back: what started yesterday and still runs is none of ours,
	// but appointments that end after now take part in the overlap sweep.
	as, err := docs[engine.Appointment](ctx, s.db, `SELECT doc FROM appointments WHERE start > ? AND status <> ?`,
		now.Add(-24*time.Hour).UnixMilli(), engine.ApptCancelled)
	if err != nil {
		return 0, fmt.Errorf("displaced appointments: %w", err)
	}
	var errs []error
	for _, d := range engine.Displaced(s.cat.Load(), as, now) {
		if d.Appointment.Origin != s.site {
			continue
		}
		ok, err := s.relocate(ctx, author, d)
		if err != nil {
			errs = append(errs, fmt.Errorf("relocate %s: %w", d.Appointment.ID, err))
			continue
		}
		if ok {
			moved++
		}
	}
	return moved, errors.Join(errs...)
}

// relocate moves one displaced appointment, or notes once that it could
// not; it reports whether it moved it.
func (s *Store) relocate(ctx context.Context, author string, d engine.Displacement) (bool, error) {
	now := s.clock.Now()
	moved := false
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		cur, err := appointment(ctx, t, d.Appointment.ID)
		if err != nil {
			return err
		}
		if cur.Status != engine.ApptBooked || !cur.Start.Equal(d.Appointment.Start) {
			return nil // changed since: the next run looks again
		}
		r := engine.MoveRequest(cur, cur.Start)
		a, err := t.book(ctx, r, now, cur.Code, cur.ID) // the same start, at another counter or room
		if isTaken(err) {
			var start time.Time
			if start, err = t.nearestFree(cur, now); err != nil {
				return err
			}
			if start.IsZero() {
				return t.noteUnplaced(ctx, cur, d.Reason, now)
			}
			r.Start = start
			a, err = t.book(ctx, r, now, cur.Code, cur.ID)
		}
		if err != nil {
			return err
		}
		cancel, err := engine.CancelFor(cur, now, engine.CancelMoved)
		if err != nil {
			return err
		}
		if _, err := t.append(ctx, cancel); err != nil {
			return err
		}
		note := engine.InboxNote{Kind: engine.InboxMoved, Building: cur.Building, Appointment: cur.ID,
			NewAppointment: a.ID, Code: cur.Code, Citizen: cur.Citizen, OldStart: cur.Start, NewStart: a.Start,
			Reason: d.Reason}
		if _, err := t.append(ctx, engine.AddInboxOp(note, now)); err != nil {
			return err
		}
		if err := t.queueMail(ctx, engine.MailMoved, a); err != nil {
			return err
		}
		moved = true
		return nil
	})
	return moved, err
}

// isTaken: the start cannot be booked (taken, or no longer a start at all).
func isTaken(err error) bool {
	if err == nil {
		return false
	}
	c := engine.AsError(err).Code
	return c == engine.CodeSlotTaken || c == engine.CodeInvalidField
}

// nearestFree returns the first free start for a's services after a's
// start on its day, else the earliest on the following days up to the
// horizon; zero if there is none. Escrowed buildings offer only this
// site's tokens, as a booking does.
func (t *tx) nearestFree(a engine.Appointment, now time.Time) (time.Time, error) {
	return nearestFreeIn(t.s.cat.Load(), t.s.occ, t.s, a, now)
}

// nearestFreeIn is nearestFree's search in a given configuration and
// occupancy, so that a preview (PreviewAbsence) searches as a move does.
func nearestFreeIn(cat *engine.Catalog, occ engine.Occupancy, tokens engine.TokenView, a engine.Appointment, now time.Time) (time.Time, error) {
	q := engine.Query{Building: a.Building, Services: a.Services, Channel: a.Channel, Now: now,
		BarrierFree: a.BarrierFree, Ignore: a.ID, From: engine.Day(a.Start), Days: 1}
	if cat.Buildings[a.Building].Escrowed() {
		q.Tokens = tokens
	}
	if engine.Day(a.Start) < engine.Day(now) {
		q.From = engine.Day(now)
	}
	same, err := engine.FindSlots(cat, occ, q, 0)
	if engine.AsError(err).Code == engine.CodeInvalidField {
		return time.Time{}, nil // a service or the building is gone: no place anywhere
	}
	if err != nil {
		return time.Time{}, err
	}
	for _, s := range same {
		if s.Start.After(a.Start) {
			return s.Start, nil
		}
	}
	first, err := time.ParseInLocation(time.DateOnly, q.From, engine.Berlin)
	if err != nil {
		return time.Time{}, err
	}
	q.From, q.Days = first.AddDate(0, 0, 1).Format(time.DateOnly), engine.MaxSlotDays
	later, err := engine.FindSlots(cat, occ, q, 1)
	if err != nil || len(later) == 0 {
		return time.Time{}, err
	}
	return later[0].Start, nil
}

// noteUnplaced puts "no replacement found" in the inbox, once per
// appointment.
func (t *tx) noteUnplaced(ctx context.Context, a engine.Appointment, reason string, now time.Time) error {
	id := engine.InboxID(engine.InboxUnplaced, a.ID)
	if _, err := inboxEntry(ctx, t, id); err == nil {
		return nil
	} else if engine.AsError(err).Code != engine.CodeNotFound {
		return err
	}
	note := engine.InboxNote{Kind: engine.InboxUnplaced, Building: a.Building, Appointment: a.ID, Code: a.Code,
		Citizen: a.Citizen, OldStart: a.Start, Reason: reason}
	_, err := t.append(ctx, engine.AddInboxOp(note, now))
	return err
}

// AddAbsence records that a counter is not staffed on the days of r (its
// clerk fell ill): a new definition of the counter, as every configuration
// change is. The caller runs RelocateDisplaced after it.
func (s *Store) AddAbsence(ctx context.Context, author, counterID string, r engine.DateRange) (engine.Counter, error) {
	r, err := r.Normalize("")
	if err != nil {
		return engine.Counter{}, err
	}
	var k engine.Counter
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		cur, err := doc[engine.Counter](ctx, t, "counter", "no counter "+counterID, `SELECT doc FROM counters WHERE id = ?`, counterID)
		if err != nil {
			return err
		}
		cur.Absences = append(cur.Absences, r)
		k = cur
		_, err = t.append(ctx, engine.DefineOp(engine.KindCounterDefined, cur.ID, cur))
		return err
	})
	return k, err
}
