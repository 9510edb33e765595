package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The escrow tests run the Bürger Büro as an escrowed building: site A is
// its home, site B (the branch) is allotted a share. A week after the
// booking day, a Wednesday, is free of bookings.
const escrowDay = "2026-11-25"

// escrowOps makes the Bürger Büro escrowed: home A, the allotments given.
func escrowOps(allot map[string]int, dayTickets int) []engine.Op {
	b := buergerbuero
	b.HomeSite, b.Booking.Allotments, b.Booking.DayTickets = siteA, allot, dayTickets
	op := engine.DefineOp(engine.KindBuildingDefined, b.ID, b)
	op.Origin, op.Author, op.Seq = "escrow-seed", "escrow-seed", 1
	op.HLC = engine.MakeHLC(seedEpoch.UnixMilli()+2000, 0)
	return []engine.Op{op}
}

// escrowSite opens a site with the seed, the services and counters, and
// the escrowed Bürger Büro, on clock.
func escrowSite(t *testing.T, name string, clock *engine.FixedClock, allot map[string]int, dayTickets int) *store.Store {
	t.Helper()
	s := mustOpen(t, filepath.Join(t.TempDir(), name+".db"), name, clock)
	mustApply(t, s, seedOps())
	mustApply(t, s, bookingOps())
	mustApply(t, s, escrowOps(allot, dayTickets))
	return s
}

// introduce lets every site know every other's key.
func introduce(t *testing.T, sites ...*store.Store) {
	t.Helper()
	for _, s := range sites {
		for _, o := range sites {
			mustLearn(t, s, mustSiteKeys(t, o))
		}
	}
}

// escrowSites opens A and B with the Bürger Büro escrowed, on one clock
// standing at bookingMorning, each knowing the other's key.
func escrowSites(t *testing.T, allot map[string]int, dayTickets int) (a, b *store.Store, clock *engine.FixedClock) {
	t.Helper()
	clock = engine.NewFixedClock(bookingMorning)
	a, b = escrowSite(t, siteA, clock, allot, dayTickets), escrowSite(t, siteB, clock, allot, dayTickets)
	introduce(t, a, b)
	return a, b, clock
}

// escrowTrio is escrowSites with a third site, C, and no allotments.
func escrowTrio(t *testing.T) (a, b, c *store.Store) {
	t.Helper()
	a, b, clock := escrowSites(t, nil, 0)
	c = escrowSite(t, siteC, clock, nil, 0)
	introduce(t, a, b, c)
	return a, b, c
}

// exchange gives each site what the other holds (all origins but its own).
func exchange(t *testing.T, sites ...*store.Store) {
	t.Helper()
	for _, to := range sites {
		for _, from := range sites {
			if to == from {
				continue
			}
			v, _ := from.Vector(context.Background())
			for origin := range v {
				if origin == to.Site() || origin == "seed" || origin == bookingOrigin || origin == "escrow-seed" {
					continue
				}
				have, _ := to.Vector(context.Background())
				ops := mustOpsAfter(t, from, origin, have[origin], 100000)
				if res := mustApplyRemote(t, to, ops); len(res.Rejected) > 0 {
					t.Fatalf("%s → %s: rejected %+v", from.Site(), to.Site(), res.Rejected[0])
				}
			}
		}
	}
}

// fill books 5-minute appointments on day at s until it finds no place.
func fill(t *testing.T, s *store.Store, day string) int {
	t.Helper()
	n := 0
	for {
		slots, err := s.Slots(engine.Query{Building: "buergerbuero", Services: []string{"meldebescheinigung"}, From: day,
			Days: 1, Channel: engine.ChannelDesk, Now: bookingMorning, Tokens: s}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) == 0 {
			return n
		}
		c := engine.Citizen{Name: fmt.Sprintf("Bürgerin %s %d", s.Site(), n), BirthDate: "1980-01-01"}
		mustBook(t, s, bookingFor(c, slots[0].Start, "meldebescheinigung"))
		n++
	}
}

// wantNoDoubleBooking fails if two active appointments of s share a
// counter at the same time.
func wantNoDoubleBooking(t *testing.T, s *store.Store, day string) []engine.Appointment {
	t.Helper()
	as, err := s.Appointments(context.Background(), "buergerbuero", day)
	if err != nil {
		t.Fatal(err)
	}
	var active []engine.Appointment
	for _, a := range as {
		if a.Active() {
			active = append(active, a)
		}
	}
	for i, x := range active {
		for _, y := range active[i+1:] {
			if x.Counter == y.Counter && x.Start.Before(y.End) && y.Start.Before(x.End) {
				t.Errorf("%s: %s (%s) and %s (%s) share %s at %s", s.Site(), x.Code, x.Origin, y.Code, y.Origin,
					x.Counter, x.Start.In(engine.Berlin).Format("15:04"))
			}
		}
	}
	return active
}

func TestEscrowBranchCutOffBooksItsAllotment(t *testing.T) {
	a, b, _ := escrowSites(t, map[string]int{siteB: 25}, 0)
	// Before the allotment reaches it, the branch owns nothing.
	if n := fill(t, b, escrowDay); n != 0 {
		t.Fatalf("the branch booked %d places it owns no token for", n)
	}
	if _, err := a.ReconcileTokens(context.Background(), author); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	places := 2 * (4*60 + 30) / 5 // two counters, 08:00–12:30, 5-minute grid
	ownedB, freeB := b.FreePlaces("buergerbuero", escrowDay)
	ownedA, _ := a.FreePlaces("buergerbuero", escrowDay)
	if ownedA+ownedB != places || ownedB < places/5 || ownedB > places*3/10 {
		t.Fatalf("A owns %d places, B %d; want all %d split about 75/25", ownedA, ownedB, places)
	}
	// Cut off, both book everything they can.
	nb, na := fill(t, b, escrowDay), fill(t, a, escrowDay)
	if nb != freeB {
		t.Errorf("the branch booked %d, its allotment had %d free places", nb, freeB)
	}
	// Healed: the day is exactly full, nothing double-booked, nothing moved.
	exchange(t, a, b)
	for _, s := range []*store.Store{a, b} {
		active := wantNoDoubleBooking(t, s, escrowDay)
		if len(active) != places || na+nb != places {
			t.Errorf("%s holds %d bookings (A %d, B %d), want the day full with %d", s.Site(), len(active), na, nb, places)
		}
		for _, x := range active {
			if x.MovedFrom != "" {
				t.Errorf("%s: %s was moved", s.Site(), x.Code)
			}
		}
		if _, free := s.FreePlaces("buergerbuero", escrowDay); free != 0 {
			t.Errorf("%s: %d places still free", s.Site(), free)
		}
	}
}

func TestEscrowTransferWaitsForWhatItDependsOn(t *testing.T) {
	a, b, c := escrowTrio(t)
	tok := engine.Token{Building: "buergerbuero", Day: escrowDay, Cell: engine.Cell{Resource: "bb-1", Block: 9}} // 09:00–10:00
	ctx := context.Background()
	// A gives the token to C, C books in it and gives it back to A, and
	// A gives it to B.
	if _, err := a.TransferTokens(ctx, author, siteC, []engine.Token{tok}, "request"); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, c)
	cBooked := mustBook(t, c, booking(on(escrowDay, "09:00"), "meldebescheinigung"))
	if cBooked.Counter != "bb-1" || len(cBooked.Tokens) != 1 || cBooked.Tokens[0] != tok.String() {
		t.Fatalf("C booked %s on %v, want bb-1 on %s", cBooked.Counter, cBooked.Tokens, tok)
	}
	if _, err := c.TransferTokens(ctx, author, siteA, []engine.Token{tok}, "release"); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, c)
	if _, err := a.TransferTokens(ctx, author, siteB, []engine.Token{tok}, "request"); err != nil {
		t.Fatal(err)
	}
	// B gets A's ops only: it must not book on the token before it holds
	// C's booking. (It cannot even follow the chain: C's transfer back to
	// A is in C's log.)
	v, _ := b.Vector(ctx)
	mustApplyRemote(t, b, mustOpsAfter(t, a, siteA, v[siteA], 1000))
	if owner, usable := b.TokenOwner(tok); usable {
		t.Fatalf("B: owner %q, usable before it holds C's ops", owner)
	}
	if _, err := b.Book(ctx, author, booking(on(escrowDay, "09:00"), "meldebescheinigung")); engine.AsError(err) == nil ||
		engine.AsError(err).Code != engine.CodeSlotTaken {
		t.Fatalf("B booked on a token it may not use yet: %v", err)
	}
	exchange(t, b, c)
	if _, usable := b.TokenOwner(tok); !usable {
		t.Fatal("B holds C's ops now and still may not use the token")
	}
	// C's 09:00 is in B's occupancy: B books 09:05, not 09:00.
	if got := mustBook(t, b, booking(on(escrowDay, "09:05"), "meldebescheinigung")); got.Counter != "bb-1" {
		t.Errorf("B booked on %s, the only counter it owns at 09:05 is bb-1", got.Counter)
	}
	if _, err := b.Book(ctx, author, bookingFor(erika, on(escrowDay, "09:00"), "meldebescheinigung")); err == nil {
		t.Fatal("B double-booked 09:00 on bb-1")
	}
	exchange(t, a, b, c)
	for _, s := range []*store.Store{a, b, c} {
		wantNoDoubleBooking(t, s, escrowDay)
	}
	// A no longer owns it: it can neither book on it nor give it away.
	if _, err := a.TransferTokens(ctx, author, siteC, []engine.Token{tok}, "request"); engine.AsError(err) == nil {
		t.Fatal("A gave away a token it does not own")
	}
}

func TestEscrowDayTicketsNeverOverIssued(t *testing.T) {
	a, b, clock := escrowSites(t, map[string]int{siteB: 50}, 4)
	clock.Set(on(bookingDay, "07:00")) // before the release time: today is still dealt out
	if _, err := a.ReconcileTokens(context.Background(), author); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	clock.Set(bookingMorning)
	// Cut off, both hand out same-day appointments as long as they can.
	same := 0
	for _, s := range []*store.Store{a, b} {
		for i := range 10 {
			slots, err := s.Slots(engine.Query{Building: "buergerbuero", Services: []string{"meldebescheinigung"},
				From: bookingDay, Days: 1, Channel: engine.ChannelDesk, Now: bookingMorning, Tokens: s}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(slots) == 0 {
				break
			}
			c := engine.Citizen{Name: fmt.Sprintf("Laufkundin %s %d", s.Site(), i), BirthDate: "1980-01-01"}
			if _, err := s.Book(context.Background(), author, bookingFor(c, slots[0].Start, "meldebescheinigung")); err != nil {
				break
			}
			same++
		}
	}
	exchange(t, a, b)
	active := wantNoDoubleBooking(t, a, bookingDay)
	tickets := map[string]bool{}
	for _, x := range active {
		if x.SameDay {
			if x.TicketToken == "" || tickets[x.TicketToken] {
				t.Errorf("%s holds ticket token %q (twice or none)", x.Code, x.TicketToken)
			}
			tickets[x.TicketToken] = true
		}
	}
	if same != 4 || len(tickets) != 4 {
		t.Errorf("issued %d day tickets (%d tokens), the contingent is 4", same, len(tickets))
	}
}

func TestEscrowReleaseReturnsTodaysTokens(t *testing.T) {
	a, b, clock := escrowSites(t, map[string]int{siteB: 50}, 0)
	clock.Set(on(bookingDay, "07:00"))
	if _, err := a.ReconcileTokens(context.Background(), author); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	clock.Set(on(bookingDay, "07:30"))
	slots, err := b.Slots(engine.Query{Building: "buergerbuero", Services: []string{"meldebescheinigung"}, From: bookingDay,
		Days: 1, Channel: engine.ChannelDesk, Now: clock.Now(), Tokens: b}, 1)
	if err != nil || len(slots) == 0 {
		t.Fatalf("the branch finds no place of its allotment today: %v", err)
	}
	kept := mustBook(t, b, booking(slots[0].Start, "meldebescheinigung"))
	// 07:45 is the release time (15 minutes before opening).
	clock.Set(on(bookingDay, "07:50"))
	if n, err := b.ReconcileTokens(context.Background(), author); err != nil || n == 0 {
		t.Fatalf("the branch returned %d tokens: %v", n, err)
	}
	if owned, _ := b.FreePlaces("buergerbuero", bookingDay); owned != 0 {
		t.Errorf("the branch still owns %d places today after the release", owned)
	}
	// Its allotment of later days stays.
	if owned, _ := b.FreePlaces("buergerbuero", escrowDay); owned == 0 {
		t.Error("the release took later days' allotment too")
	}
	exchange(t, a, b)
	places := 2 * (4*60 + 30) / 5
	if owned, free := a.FreePlaces("buergerbuero", bookingDay); owned != places || free != places-1 {
		t.Errorf("home owns %d places today (%d free), want all %d with the branch's booking kept", owned, free, places)
	}
	if got := mustAppointment(t, a, kept.ID); got.Status != engine.ApptBooked {
		t.Errorf("the branch's booking is %s after the release", got.Status)
	}
}

func TestEscrowMissingTokensAreWhatToAskFor(t *testing.T) {
	a, b, _ := escrowSites(t, nil, 0)
	r := booking(on(escrowDay, "10:55"), "personalausweis") // 15 minutes: two blocks of one counter
	if _, err := b.Book(context.Background(), author, r); engine.AsError(err) == nil || engine.AsError(err).Code != engine.CodeSlotTaken {
		t.Fatalf("the branch booked without tokens: %v", err)
	}
	missing, err := b.MissingTokens(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || len(missing[siteA]) != 2 {
		t.Fatalf("missing %v, want two tokens of %s", missing, siteA)
	}
	// What the owner transfers on request, the branch books on.
	if _, err := a.TransferTokens(context.Background(), author, siteB, missing[siteA], "request"); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	if m, _ := b.MissingTokens(r); len(m) != 0 {
		t.Errorf("still missing %v after the transfer", m)
	}
	got := mustBook(t, b, r)
	if len(got.Tokens) != 2 {
		t.Errorf("booked on tokens %v, want the two transferred", got.Tokens)
	}
	// And the home site can no longer book that counter there.
	exchange(t, a, b)
	if _, err := a.Book(context.Background(), author, bookingFor(erika, on(escrowDay, "10:55"), "personalausweis")); err == nil {
		cnt := 0
		for _, x := range wantNoDoubleBooking(t, a, escrowDay) {
			if x.Start.Equal(got.Start) {
				cnt++
			}
		}
		if cnt > 2 {
			t.Errorf("%d bookings at 10:55 on two counters", cnt)
		}
	}
}

// TestEscrowNoSiteShowsAPlaceTwice: B cancels A's booking X; A, holding the
// cancel, books the place again for Y. Site C gets A's ops before B's: it
// must not show X and Y holding the place at once. It shows Y once it
// holds the cancel Y's booker had seen.
func TestEscrowNoSiteShowsAPlaceTwice(t *testing.T) {
	a, b, c := escrowTrio(t)
	ctx := context.Background()
	x := mustBook(t, a, booking(on(escrowDay, "09:00"), "reisepass")) // bb-2: the only counter for it
	exchange(t, a, b)
	if _, err := b.Cancel(ctx, author, x.ID); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	y := mustBook(t, a, bookingFor(erika, on(escrowDay, "09:00"), "reisepass"))
	if y.Counter != x.Counter {
		t.Fatalf("Y on %s, X was on %s: not the same place", y.Counter, x.Counter)
	}
	// C gets A's ops only.
	v, _ := c.Vector(ctx)
	mustApplyRemote(t, c, mustOpsAfter(t, a, siteA, v[siteA], 1000))
	wantNoDoubleBooking(t, c, escrowDay)
	if _, err := c.Appointment(ctx, y.ID); err == nil {
		t.Fatal("C shows Y before it holds the cancel of X")
	}
	// B's cancel arrives: X is cancelled and Y appears.
	exchange(t, b, c)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, err := c.Appointment(ctx, y.ID); err == nil && got.Status == engine.ApptBooked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("C never shows Y after the cancel arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantNoDoubleBooking(t, c, escrowDay)
	if got := mustAppointment(t, c, x.ID); got.Status != engine.ApptCancelled {
		t.Errorf("X is %s at C", got.Status)
	}
}

// TestEscrowReturnedTokensStayHome: a branch whose clock runs ahead
// returns today's tokens at its release time while the home site's clock
// is still before it: the home site keeps them instead of dealing them
// out again.
func TestEscrowReturnedTokensStayHome(t *testing.T) {
	a, b, clock := escrowSites(t, map[string]int{siteB: 50}, 0)
	clock.Set(on(bookingDay, "07:00"))
	if _, err := a.ReconcileTokens(context.Background(), author); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	clock.Set(on(bookingDay, "07:50")) // the branch's clock: past release
	if n, err := b.ReconcileTokens(context.Background(), author); err != nil || n == 0 {
		t.Fatalf("the branch returned %d tokens: %v", n, err)
	}
	exchange(t, a, b)
	clock.Set(on(bookingDay, "07:40")) // the home site's clock: not yet
	if n, err := a.ReconcileTokens(context.Background(), author); err != nil || n != 0 {
		t.Fatalf("the home site dealt out %d of today's returned tokens again: %v", n, err)
	}
}
