package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"pforte/engine"
)

// TestGroupCommitKeepsEachWriteSeparate: many clerks booking at once share
// transactions, but each booking stands or falls alone: the ones that fit
// are all there, each exactly once, the refused ones left nothing behind,
// and the site's ops stay gap-free.
func TestGroupCommitKeepsEachWriteSeparate(t *testing.T) {
	s, _, _ := newBookingStore(t)
	before := opCount(t, s)
	// 40 clients ask for 20 starts (08:10 … 09:45), two clients per start;
	// "reisepass" has one counter, so per start exactly one of the two wins.
	type result struct {
		start time.Time
		a     engine.Appointment
		err   error
	}
	results := make(chan result, 40)
	var wg sync.WaitGroup
	for i := range 40 {
		start := at("08:10").Add(time.Duration(i/2) * 5 * time.Minute)
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := s.Book(context.Background(), author, booking(start, "reisepass"))
			results <- result{start, a, err}
		}()
	}
	wg.Wait()
	close(results)

	won := map[time.Time]string{}
	for r := range results {
		switch {
		case r.err == nil:
			if prev, ok := won[r.start]; ok {
				t.Errorf("start %s booked twice: %s and %s", r.start.Format("15:04"), prev, r.a.ID)
			}
			won[r.start] = r.a.ID
		case engine.AsError(r.err).Code == engine.CodeSlotTaken:
		default:
			t.Errorf("book %s: %v", r.start.Format("15:04"), r.err)
		}
	}
	// A 15-minute passport appointment blocks the next two 5-minute starts
	// on the one counter, so the winners are not simply one per start; what
	// matters is that they never overlap and each is stored.
	var booked []engine.Appointment
	for _, id := range won {
		booked = append(booked, mustAppointment(t, s, id))
	}
	for i, a := range booked {
		for _, b := range booked[i+1:] {
			if a.Start.Before(b.End) && b.Start.Before(a.End) {
				t.Errorf("%s–%s overlaps %s–%s on %s", a.Start.Format("15:04"), a.End.Format("15:04"),
					b.Start.Format("15:04"), b.End.Format("15:04"), a.Counter)
			}
		}
	}
	if len(won) == 0 {
		t.Fatal("no booking succeeded")
	}
	if got, want := opCount(t, s)-before, len(won); got != want {
		t.Errorf("ops written = %d, want one per successful booking (%d)", got, want)
	}
	ops := siteOps(t, s, site)
	for i, op := range ops {
		if op.Seq != uint64(i+1) {
			t.Fatalf("op %d has seq %d: not gap-free", i, op.Seq)
		}
	}
}
