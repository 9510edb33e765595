package store_test

import (
	"context"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The absence tests: Schalter 2 (bb-2, the only counter for passports) is
// away from the booking day for longer than anyone books ahead, so its
// bookings move to bb-1 or find nothing.

var anna = engine.Citizen{Name: "Anna Unbekannt", BirthDate: "1990-01-01"} // no phone, no e-mail

// onSecondCounter books r at bb-2: bb-1 gets a booking at the same start
// first, cancelled once r stands, so that r's start is free at bb-1 again.
func onSecondCounter(t *testing.T, s *store.Store, r engine.BookingRequest) engine.Appointment {
	t.Helper()
	filler := mustBook(t, s, bookingFor(erika, r.Start, "anmeldung"))
	a := mustBook(t, s, r)
	if filler.Counter != "bb-1" || a.Counter != "bb-2" {
		t.Fatalf("booked at %s and %s, want bb-1 and bb-2", filler.Counter, a.Counter)
	}
	if _, err := s.Cancel(context.Background(), author, filler.ID); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPreviewAbsenceMatchesWhatSavingDoes(t *testing.T) {
	a, clockA, _ := newSite(t, siteA)
	b, clockB, _ := newSite(t, siteB)
	mustLearn(t, a, mustSiteKeys(t, b))
	mustLearn(t, b, mustSiteKeys(t, a))
	ctx := context.Background()

	stays := mustBook(t, a, booking(at("09:00"), "anmeldung")) // bb-1, not displaced
	later := mustBook(t, a, bookingFor(erika, at("09:00"), "anmeldung"))
	clockA.Add(time.Minute)
	// Free at bb-1 at 09:10 until the earlier booking moves there.
	second := onSecondCounter(t, a, bookingFor(hannah, at("09:10"), "anmeldung"))
	passport := mustBook(t, a, booking(at("10:00"), "reisepass"))
	sameTime := onSecondCounter(t, a, bookingFor(anna, at("11:00"), "anmeldung"))
	swapOps(t, a, b)
	clockB.Set(clockA.Now().Add(time.Minute))
	theirs := onSecondCounter(t, b, bookingFor(hannah, at("12:00"), "meldebescheinigung"))
	swapOps(t, a, b)
	if stays.Counter != "bb-1" || later.Counter != "bb-2" || passport.Counter != "bb-2" {
		t.Fatalf("counters %s %s %s, want bb-1 bb-2 bb-2", stays.Counter, later.Counter, passport.Counter)
	}

	r := engine.DateRange{From: bookingDay, To: "2028-12-31", Reason: "Elternzeit"}
	ops := opCount(t, a)
	before := asJSON(t, mustAppointmentsOn(t, a))
	slotsBefore := asJSON(t, slotsOn(t, a, clockA, bookingDay, "anmeldung"))
	p, err := a.PreviewAbsence(ctx, "bb-2", r)
	if err != nil {
		t.Fatal(err)
	}
	if got := opCount(t, a); got != ops {
		t.Errorf("the preview wrote %d ops", got-ops)
	}
	if got := asJSON(t, mustAppointmentsOn(t, a)); got != before {
		t.Errorf("the preview changed the appointments:\n%s\nwant\n%s", got, before)
	}
	if got := asJSON(t, slotsOn(t, a, clockA, bookingDay, "anmeldung")); got != slotsBefore {
		t.Errorf("the preview changed the free slots")
	}
	if p.Counter.ID != "bb-2" || p.Range.To != "2028-12-31" || len(p.Counter.Absences) != 0 {
		t.Errorf("preview of %+v over %+v", p.Counter, p.Range)
	}

	tests := []struct {
		name     string
		appt     engine.Appointment
		to       string // hh:mm, "" none
		sameTime bool
		movedBy  string
	}{
		{"nearest later slot", later, "09:10", false, ""},
		{"not the place given to the earlier booking", second, "09:20", false, ""},
		{"no replacement", passport, "", false, ""},
		{"same time at another counter", sameTime, "11:00", true, ""},
		{"booked at another site", theirs, "", false, siteB},
	}
	if len(p.Moves) != len(tests) {
		t.Fatalf("%d bookings in the preview, want %d: %+v", len(p.Moves), len(tests), p.Moves)
	}
	preview := map[string]store.AbsenceMove{}
	for _, m := range p.Moves {
		preview[m.Appointment.ID] = m
	}

	// Save, and move as the app does.
	if _, err := a.AddAbsence(ctx, author, "bb-2", r); err != nil {
		t.Fatal(err)
	}
	mustRelocate(t, a)
	inbox := map[string]engine.InboxEntry{}
	for _, e := range mustInbox(t, a) {
		inbox[e.Appointment] = e
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := preview[tc.appt.ID]
			if !ok {
				t.Fatalf("not in the preview")
			}
			var got string
			if m.To != nil {
				got = m.To.Start.In(engine.Berlin).Format("15:04")
			}
			if got != tc.to || m.SameTime() != tc.sameTime || m.MovedBy != tc.movedBy {
				t.Errorf("preview: to %q, same time %v, moved by %q; want %q, %v, %q", got, m.SameTime(), m.MovedBy,
					tc.to, tc.sameTime, tc.movedBy)
			}
			e, noted := inbox[tc.appt.ID]
			switch {
			case tc.movedBy != "":
				if cur := mustAppointment(t, a, tc.appt.ID); cur.Status != engine.ApptBooked || noted {
					t.Errorf("moved here: %s, inbox %v; want left to %s", cur.Status, noted, tc.movedBy)
				}
			case tc.to == "":
				if !noted || e.Kind != engine.InboxUnplaced {
					t.Errorf("inbox %+v, want no replacement found", e)
				}
			default:
				next := successor(t, a, tc.appt.ID)
				if !next.Start.Equal(m.To.Start) || next.Counter != m.To.Counter || !noted || e.Kind != engine.InboxMoved {
					t.Errorf("moved to %s at %s (inbox %+v); the preview said %s at %s", next.Start, next.Counter, e,
						m.To.Start, m.To.Counter)
				}
			}
		})
	}
	if _, ok := inbox[stays.ID]; ok {
		t.Errorf("the booking at bb-1 is in the inbox")
	}
}

func mustAppointmentsOn(t *testing.T, s *store.Store) []engine.Appointment {
	t.Helper()
	as, err := s.Appointments(context.Background(), "buergerbuero", bookingDay)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestPreviewAbsenceNamesTheBadField(t *testing.T) {
	s, _, _ := newBookingStore(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		r     engine.DateRange
		field string
	}{
		{"no from", engine.DateRange{Reason: "Urlaub"}, "from"},
		{"from not a day", engine.DateRange{From: "morgen"}, "from"},
		{"to not a day", engine.DateRange{From: bookingDay, To: "18.11.2026"}, "to"},
		{"to before from", engine.DateRange{From: bookingDay, To: "2026-11-17"}, "to"},
		{"reason with a control character", engine.DateRange{From: bookingDay, Reason: "krank\x07"}, "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.PreviewAbsence(ctx, "bb-1", tc.r)
			wantError(t, err, engine.CodeInvalidField, tc.field)
		})
	}
	_, err := s.PreviewAbsence(ctx, "bb-9", engine.DateRange{From: bookingDay})
	if engine.AsError(err).Code != engine.CodeNotFound {
		t.Errorf("unknown counter: %v, want not found", err)
	}
}

func TestRemoveAbsence(t *testing.T) {
	s, _, _ := newBookingStore(t)
	ctx := context.Background()
	first := mustBook(t, s, booking(at("09:00"), "anmeldung")) // bb-1
	if _, err := s.AddAbsence(ctx, author, "bb-1", engine.DateRange{From: bookingDay, Reason: "Versehen"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAbsence(ctx, author, "bb-1", engine.DateRange{From: "2026-12-01", To: "2026-12-04", Reason: "Urlaub"}); err != nil {
		t.Fatal(err)
	}
	mustRelocate(t, s)
	moved := successor(t, s, first.ID)

	_, err := s.RemoveAbsence(ctx, author, "bb-1", "18.11.2026")
	wantError(t, err, engine.CodeInvalidField, "from")
	if _, err := s.RemoveAbsence(ctx, author, "bb-1", "2026-11-19"); engine.AsError(err).Code != engine.CodeNotFound {
		t.Errorf("no absence that day: %v, want not found", err)
	}
	k, err := s.RemoveAbsence(ctx, author, "bb-1", bookingDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Absences) != 1 || k.Absences[0].From != "2026-12-01" {
		t.Errorf("absences left %+v, want the one in December", k.Absences)
	}
	if c, _ := s.Catalog().Counter("bb-1"); !c.StaffedOn(bookingDay) {
		t.Errorf("bb-1 not staffed on %s after the removal", bookingDay)
	}
	// What moved stays moved.
	mustRelocate(t, s)
	if got := mustAppointment(t, s, moved.ID); got.Status != engine.ApptBooked || got.Counter != moved.Counter {
		t.Errorf("the moved booking is %s at %s, want still booked at %s", got.Status, got.Counter, moved.Counter)
	}
	if got := mustAppointment(t, s, first.ID); got.Status != engine.ApptCancelled {
		t.Errorf("the displaced booking is %s, want still cancelled", got.Status)
	}
}

// A clerk falls ill in the morning: bookings made on earlier days for today
// become bookings on the day itself when they move, and take day tickets.
// The preview gives the last ticket once, as relocate does.
func TestPreviewAbsenceTodayCountsDayTickets(t *testing.T) {
	t.Run("one day ticket", func(t *testing.T) {
		s, clock, _ := newBookingStore(t)
		b := buergerbuero
		b.Booking.DayTickets = 1
		op := engine.DefineOp(engine.KindBuildingDefined, b.ID, b)
		op.Origin, op.Author, op.Seq = adminOrigin, adminOrigin, 1
		op.HLC = engine.MakeHLC(seedEpoch.UnixMilli()+2000, 0)
		mustApply(t, s, []engine.Op{op})
		previewToday(t, s, clock)
	})
	t.Run("one day ticket, escrowed at this site", func(t *testing.T) {
		clock := engine.NewFixedClock(bookingMorning)
		previewToday(t, escrowSite(t, siteA, clock, nil, 1), clock)
	})
}

func previewToday(t *testing.T, s *store.Store, clock *engine.FixedClock) {
	t.Helper()
	ctx := context.Background()
	clock.Set(bookingMorning.AddDate(0, 0, -1)) // booked the day before
	first := mustBook(t, s, booking(at("09:00"), "anmeldung"))
	second := mustBook(t, s, bookingFor(erika, at("10:00"), "anmeldung"))
	if first.Counter != "bb-1" || second.Counter != "bb-1" || first.SameDay || second.SameDay {
		t.Fatalf("booked %+v and %+v; want both at bb-1, not on the day itself", first, second)
	}
	clock.Set(bookingMorning)

	r := engine.DateRange{From: bookingDay, Reason: "Krankheit"}
	p, err := s.PreviewAbsence(ctx, "bb-1", r)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Moves) != 2 {
		t.Fatalf("%d moves, want 2: %+v", len(p.Moves), p.Moves)
	}
	nextWeek := on("2026-11-25", "08:00")
	for i, want := range []time.Time{at("09:00"), nextWeek} {
		if m := p.Moves[i]; m.To == nil || !m.To.Start.Equal(want) {
			t.Errorf("preview %d: to %+v, want %s", i, m.To, want)
		}
	}

	if _, err := s.AddAbsence(ctx, author, "bb-1", r); err != nil {
		t.Fatal(err)
	}
	if got := mustRelocate(t, s); got != 2 {
		t.Fatalf("moved %d, want 2", got)
	}
	for i, old := range []engine.Appointment{first, second} {
		got := mustAppointment(t, s, old.ID)
		if got.Status != engine.ApptCancelled {
			t.Fatalf("%s is %s, want moved", old.ID, got.Status)
		}
		as, err := s.Appointments(ctx, "buergerbuero", engine.Day(p.Moves[i].To.Start))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range as {
			if a.MovedFrom == old.ID {
				found = true
				if !a.Start.Equal(p.Moves[i].To.Start) || a.Counter != p.Moves[i].To.Counter {
					t.Errorf("moved to %s at %s; the preview said %s at %s", a.Start, a.Counter, p.Moves[i].To.Start, p.Moves[i].To.Counter)
				}
			}
		}
		if !found {
			t.Errorf("%s not moved to %s", old.ID, p.Moves[i].To.Start)
		}
	}
}
