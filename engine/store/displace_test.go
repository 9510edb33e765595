package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The displacement tests run in the booking tests' Bürger Büro: bb-1
// (no passports) and bb-2 (everything). Anmeldung takes 10 minutes and goes
// to bb-1 first, the more specialised counter.

// adminOrigin stamps configuration changes made in the tests: the same op
// reaches every site (Apply), the way an administrator's change would.
const adminOrigin = "admin"

// absent returns the op that makes counter bb-k absent from..to for reason,
// stamped after everything the tests book.
func absent(seq uint64, counterID, from, to, reason string) engine.Op {
	i := slices.IndexFunc(bookingCounters, func(k engine.Counter) bool { return k.ID == counterID })
	k := bookingCounters[i]
	k.Absences = []engine.DateRange{{From: from, To: to, Reason: reason}}
	op := engine.DefineOp(engine.KindCounterDefined, k.ID, k)
	op.Origin, op.Author, op.Seq = adminOrigin, adminOrigin, seq
	op.HLC = engine.MakeHLC(bookingMorning.Add(time.Hour).UnixMilli(), uint16(seq))
	return op
}

func mustRelocate(t *testing.T, s *store.Store) int {
	t.Helper()
	n, err := s.RelocateDisplaced(context.Background(), author)
	if err != nil {
		t.Fatalf("%s relocates: %v", s.Site(), err)
	}
	return n
}

func mustInbox(t *testing.T, s *store.Store) []engine.InboxEntry {
	t.Helper()
	es, err := s.Inbox(context.Background(), "")
	if err != nil {
		t.Fatalf("%s inbox: %v", s.Site(), err)
	}
	return es
}

// successor returns the active appointment that id was moved to.
func successor(t *testing.T, s *store.Store, id string) engine.Appointment {
	t.Helper()
	as, err := s.Appointments(context.Background(), "buergerbuero", bookingDay)
	if err != nil {
		t.Fatal(err)
	}
	var found []engine.Appointment
	for _, a := range as {
		if a.MovedFrom == id {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d appointments moved from %s, want 1: %+v", s.Site(), len(found), id, found)
	}
	return found[0]
}

func TestCounterFallsIllMovesItsBookings(t *testing.T) {
	s, _, _ := newBookingStore(t)
	first := mustBook(t, s, booking(at("09:00"), "anmeldung"))                    // bb-1
	other := mustBook(t, s, bookingFor(erika, at("09:00"), "anmeldung"))          // bb-2
	later := mustBook(t, s, bookingFor(erika, at("09:30"), "meldebescheinigung")) // bb-1
	if first.Counter != "bb-1" || other.Counter != "bb-2" || later.Counter != "bb-1" {
		t.Fatalf("counters %s %s %s, want bb-1 bb-2 bb-1", first.Counter, other.Counter, later.Counter)
	}
	mustApply(t, s, []engine.Op{absent(1, "bb-1", bookingDay, "", "Krankheit")})

	if got := mustRelocate(t, s); got != 2 {
		t.Fatalf("moved %d, want 2", got)
	}
	tests := []struct {
		name  string
		old   engine.Appointment
		start time.Time
	}{
		// bb-2 is taken at 09:00: the nearest free start the same day.
		{"taken at the same time", first, at("09:10")},
		{"free at the same time", later, at("09:30")},
	}
	inbox := mustInbox(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := successor(t, s, tc.old.ID)
			if !got.Start.Equal(tc.start) || got.Counter != "bb-2" || got.Code != tc.old.Code || got.Status != engine.ApptBooked {
				t.Errorf("moved to %s at %s, code %s, %s; want %s at bb-2, code %s, booked",
					got.Start.In(engine.Berlin).Format("15:04"), got.Counter, got.Code, got.Status,
					tc.start.Format("15:04"), tc.old.Code)
			}
			if old := mustAppointment(t, s, tc.old.ID); old.Status != engine.ApptCancelled {
				t.Errorf("the displaced appointment is %s, want cancelled", old.Status)
			}
			var entries []engine.InboxEntry
			for _, e := range inbox {
				if e.Appointment == tc.old.ID {
					entries = append(entries, e)
				}
			}
			if len(entries) != 1 {
				t.Fatalf("%d inbox entries, want 1: %+v", len(entries), entries)
			}
			e := entries[0]
			if e.Kind != engine.InboxMoved || e.Code != tc.old.Code || e.NewAppointment != got.ID ||
				!e.OldStart.Equal(tc.old.Start) || e.NewStart == nil || !e.NewStart.Equal(tc.start) ||
				e.Reason != "Schalter 1 nicht besetzt (Krankheit)" || e.Citizen.Name != tc.old.Citizen.Name || e.Resolved {
				t.Errorf("inbox entry %+v", e)
			}
		})
	}
	if got := mustAppointment(t, s, other.ID); got.Status != engine.ApptBooked || got.Counter != "bb-2" {
		t.Errorf("the appointment at the staffed counter changed: %+v", got)
	}

	// Again: nothing is displaced any more.
	ops := opCount(t, s)
	if got := mustRelocate(t, s); got != 0 {
		t.Errorf("second run moved %d, want 0", got)
	}
	if got := opCount(t, s); got != ops {
		t.Errorf("second run wrote %d ops", got-ops)
	}
}

func TestNothingFreeLeavesOneUnplacedEntry(t *testing.T) {
	s, clock, _ := newBookingStore(t)
	passport := mustBook(t, s, booking(at("10:00"), "reisepass")) // only bb-2 serves it
	// bb-2 is away for longer than anyone can book ahead.
	mustApply(t, s, []engine.Op{absent(1, "bb-2", bookingDay, "2028-12-31", "Elternzeit")})

	for run := range 2 {
		if got := mustRelocate(t, s); got != 0 {
			t.Fatalf("run %d moved %d, want 0", run, got)
		}
		clock.Add(time.Minute)
	}
	if got := mustAppointment(t, s, passport.ID); got.Status != engine.ApptBooked || !got.Start.Equal(passport.Start) {
		t.Errorf("the appointment changed: %+v", got)
	}
	inbox := mustInbox(t, s)
	if len(inbox) != 1 {
		t.Fatalf("%d inbox entries, want 1: %+v", len(inbox), inbox)
	}
	e := inbox[0]
	if e.Kind != engine.InboxUnplaced || e.Appointment != passport.ID || e.Code != passport.Code || e.NewStart != nil ||
		e.Reason != "Schalter 2 nicht besetzt (Elternzeit)" {
		t.Errorf("inbox entry %+v", e)
	}
}

func TestResolveInbox(t *testing.T) {
	s, _, _ := newBookingStore(t)
	mustBook(t, s, booking(at("09:00"), "anmeldung"))
	mustApply(t, s, []engine.Op{absent(1, "bb-1", bookingDay, "", "Krankheit")})
	mustRelocate(t, s)
	ctx := context.Background()
	id := mustInbox(t, s)[0].ID
	if _, err := s.ResolveInbox(ctx, author, id, "gelesen"); engine.AsError(err).Field != "action" {
		t.Fatalf("resolve with a bad action: %v, want invalid field action", err)
	}
	if _, err := s.ResolveInbox(ctx, author, "moved:nobody", engine.InboxDone); engine.AsError(err).Code != engine.CodeNotFound {
		t.Fatalf("resolve an unknown entry: %v, want not found", err)
	}
	e, err := s.ResolveInbox(ctx, author, id, engine.InboxCalled)
	if err != nil || !e.Resolved || e.Action != engine.InboxCalled || e.By != author {
		t.Fatalf("resolve: %+v, %v", e, err)
	}
	// A second click changes nothing.
	ops := opCount(t, s)
	if e, err := s.ResolveInbox(ctx, author, id, engine.InboxDone); err != nil || e.Action != engine.InboxCalled {
		t.Fatalf("resolve again: %+v, %v; want still called", e, err)
	}
	if got := opCount(t, s); got != ops {
		t.Errorf("resolving again wrote %d ops", got-ops)
	}
	if n, err := s.OpenInbox(ctx, "buergerbuero"); err != nil || n != 0 {
		t.Errorf("open entries %d, %v; want 0", n, err)
	}
}

// swapOps sends each site's own ops to the other.
func swapOps(t *testing.T, a, b *store.Store) {
	t.Helper()
	for _, pair := range [][2]*store.Store{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		res := mustApplyRemote(t, to, mustOpsAfter(t, from, from.Site(), 0, 10000))
		if len(res.Rejected) > 0 {
			t.Fatalf("%s refused: %+v", to.Site(), res.Rejected)
		}
	}
}

func TestShrinkWhilePartitionedMovesEachOnceByItsOrigin(t *testing.T) {
	a, clockA, _ := newSite(t, siteA)
	b, clockB, _ := newSite(t, siteB)
	mustLearn(t, a, mustSiteKeys(t, b))
	mustLearn(t, b, mustSiteKeys(t, a))

	// Both sites book on bb-1 and bb-2, each seeing the other's bookings.
	a1 := mustBook(t, a, booking(at("09:00"), "anmeldung"))
	swapOps(t, a, b)
	clockB.Add(time.Minute)
	b1 := mustBook(t, b, bookingFor(erika, at("09:00"), "anmeldung"))
	b2 := mustBook(t, b, bookingFor(erika, at("10:00"), "anmeldung"))
	swapOps(t, a, b)
	clockA.Add(2 * time.Minute)
	a2 := mustBook(t, a, booking(at("10:00"), "anmeldung"))
	a3 := mustBook(t, a, booking(at("11:00"), "meldebescheinigung"))
	swapOps(t, a, b)

	// Cut off from each other, both learn that bb-1's clerk is ill.
	sick := absent(1, "bb-1", bookingDay, "", "Krankheit")
	// Stamped by a clock that agrees with theirs: observed, an op an hour
	// ahead would stamp their moves an hour ahead, and each would refuse
	// the other's (engine.MaxClockAhead).
	sick.HLC = engine.MakeHLC(clockA.Now().UnixMilli(), 0)
	mustApply(t, a, []engine.Op{sick})
	mustApply(t, b, []engine.Op{sick})
	ids := func(s *store.Store) []string {
		as, err := s.Appointments(context.Background(), "buergerbuero", bookingDay)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range engine.Displaced(s.Catalog(), as, bookingMorning) {
			out = append(out, d.Appointment.ID)
		}
		return out
	}
	onA, onB := ids(a), ids(b)
	if !slices.Equal(onA, onB) || len(onA) == 0 {
		t.Fatalf("displaced on %s %v, on %s %v: want the same, not none", siteA, onA, siteB, onB)
	}
	var fromA, fromB int
	for _, x := range []engine.Appointment{a1, a2, a3, b1, b2} {
		if slices.Contains(onA, x.ID) && x.Origin == siteA {
			fromA++
		} else if slices.Contains(onA, x.ID) {
			fromB++
		}
	}
	if fromA == 0 || fromB == 0 {
		t.Fatalf("displaced from %s %d, from %s %d: want some of each", siteA, fromA, siteB, fromB)
	}
	if got := mustRelocate(t, a); got != fromA {
		t.Errorf("%s moved %d, want its own %d", siteA, got, fromA)
	}
	if got := mustRelocate(t, b); got != fromB {
		t.Errorf("%s moved %d, want its own %d", siteB, got, fromB)
	}

	// Healed: the same state on both, nothing left to move, each
	// displaced appointment moved once, by its origin, with one entry.
	swapOps(t, a, b)
	for _, s := range []*store.Store{a, b} {
		if got := mustRelocate(t, s); got != 0 {
			t.Errorf("%s moved %d after healing, want 0", s.Site(), got)
		}
	}
	if d := diffState(view(t, a), view(t, b)); d != "" {
		t.Fatalf("sites differ after healing:%s", d)
	}
	if asJSON(t, mustInbox(t, a)) != asJSON(t, mustInbox(t, b)) {
		t.Fatalf("inboxes differ:\n%s\n%s", asJSON(t, mustInbox(t, a)), asJSON(t, mustInbox(t, b)))
	}
	inbox := mustInbox(t, a)
	if len(inbox) != len(onA) {
		t.Errorf("%d inbox entries, want %d", len(inbox), len(onA))
	}
	for _, id := range onA {
		old := mustAppointment(t, a, id)
		next := successor(t, a, id)
		if next.Origin != old.Origin || next.Code != old.Code || next.Counter != "bb-2" {
			t.Errorf("%s (from %s) moved by %s to %s, code %s; want by its origin, code kept, at bb-2",
				id, old.Origin, next.Origin, next.Counter, next.Code)
		}
	}
}
