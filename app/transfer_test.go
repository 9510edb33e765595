package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestBookingOnAnotherSitesToken: the Bürger Büro is escrowed with the
// home site "rathaus"; a clerk at the branch books a place there. Online,
// the branch asks the home site for the tokens and books, and the clerk
// notices nothing; the home site then holds the booking and cannot book
// the same place. The home site's own clerk books as before.
func TestBookingOnAnotherSitesToken(t *testing.T) {
	a, b := openPair(t, "rathaus", "zweigstelle")
	for _, s := range []*site{a, b} {
		bb, err := s.app.BuildingForTest(context.Background(), "buergerbuero")
		if err != nil {
			t.Fatal(err)
		}
		bb.HomeSite = "rathaus"
		if err := s.app.RedefineBuildingForTest(context.Background(), bb); err != nil {
			t.Fatal(err)
		}
	}
	waitForPeerSync(t, b, "rathaus")

	start := time.Now()
	got := b.mustBook(t, bookBody("2026-11-25T10:00:00+01:00", klaus, "meldebescheinigung"))
	t.Logf("booked at the branch on the home site's tokens in %v", time.Since(start).Round(time.Millisecond))
	if got.Counter == "" {
		t.Fatalf("booking without a counter: %+v", got)
	}

	// The home site has the booking (it pulled nothing: the branch's
	// booking op arrives by sync) and can no longer book that counter then.
	deadline := time.Now().Add(5 * time.Second)
	for {
		found := false
		for _, x := range a.mustAppointments(t, "buergerbuero", "2026-11-25") {
			found = found || x.ID == got.ID
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the branch's booking did not reach the home site")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range 10 { // every counter serving it at 10:00, until none is left
		r := a.post(t, "/api/appointments", bookBody("2026-11-25T10:00:00+01:00", apiCitizen{Name: "Erika Weber",
			BirthDate: "1975-02-03", Phone: "02921 1"}, "meldebescheinigung"))
		if r.status != http.StatusCreated {
			r.wantError(t, http.StatusConflict, "slot_taken", "start")
			break
		}
	}
	for _, x := range a.mustAppointments(t, "buergerbuero", "2026-11-25") {
		if x.ID != got.ID && x.Counter == got.Counter && x.Start == got.Start && x.Status != "cancelled" {
			t.Errorf("the home site double-booked %s at 10:00", got.Counter)
		}
	}
}
