package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// visitHistory writes seven weeks of visits at s, a few a day at random, some
// picked up and signed out, and returns their ids.
func visitHistory(t *testing.T, s *store.Store, clock *engine.FixedClock, rng *rand.Rand, start time.Time, days int) []string {
	t.Helper()
	var ids []string
	hosts := map[string]string{"rathaus-1": "staff-mueller", "buergerbuero": "staff-aydin"}
	for d := 0; d < days; d++ {
		clock.Set(start.AddDate(0, 0, d).Add(time.Duration(rng.IntN(6*60)) * time.Minute))
		for i := rng.IntN(4); i > 0; i-- {
			b := []string{"rathaus-1", "buergerbuero"}[rng.IntN(2)]
			v := mustRegister(t, s, engine.NewVisit{Building: b, Name: fmt.Sprintf("Gast %d-%d", d, i),
				Phone: fmt.Sprintf("0170 %07d", rng.IntN(9999999)), Host: hosts[b], Reason: "Termin ohne Buchung"})
			ids = append(ids, v.ID)
			clock.Add(time.Duration(1+rng.IntN(20)) * time.Minute)
			if rng.IntN(3) > 0 {
				mustPickUp(t, s, v.ID, "")
			}
			if rng.IntN(2) > 0 {
				mustLeave(t, s, v.ID)
			}
		}
	}
	return ids
}

// purgeState is what a site holds of origin's ops and the visits: every op's
// identity, data and personal part, and every visit as folded.
func purgeState(t *testing.T, s *store.Store, origin string, visits []string) string {
	t.Helper()
	var b strings.Builder
	for _, op := range siteOps(t, s, origin) {
		fmt.Fprintf(&b, "%s/%d %s %s %s personal=%q hash=%x\n", op.Origin, op.Seq, op.Kind, op.Entity, op.Data, op.Personal, op.PersonalHash)
	}
	for _, id := range visits {
		b.WriteString(asJSON(t, mustVisit(t, s, id)) + "\n")
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// replicate gives to everything from has of origin.
func replicate(t *testing.T, from, to *store.Store, origin string) {
	t.Helper()
	mustLearn(t, to, mustSiteKeys(t, from))
	ops := mustOpsAfter(t, from, origin, 0, 1_000_000)
	res, err := to.ApplyRemote(context.Background(), ops)
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("replicate %d ops of %s: %v %+v", len(ops), origin, err, res.Rejected)
	}
}

func mustPurge(t *testing.T, s *store.Store) store.PurgeResult {
	t.Helper()
	res, err := s.Purge(context.Background())
	if err != nil {
		t.Fatalf("purge at %s: %v", s.Site(), err)
	}
	return res
}

// TestPurgeAndSyncCommute: whatever the order of purging and syncing, a
// site ends with the same ops and visits: purge-then-sync (the sender
// purged), sync-then-purge (the receiver purged later), a sender that has
// not purged yet (it strips what it sends), and a receiver that takes old
// ops after their retention (it strips what it takes). Seeded histories of
// seven weeks; PFORTE_SEEDS=N for more.
func TestPurgeAndSyncCommute(t *testing.T) {
	for _, seed := range seeds(t, 3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			start := time.Date(2026, 9, 1, 8, 0, 0, 0, engine.Berlin)
			later := start.AddDate(0, 0, 49).Add(10 * time.Hour) // seven weeks on: the first three are past 28 days
			a, aClock, _ := newStore(t)
			ids := visitHistory(t, a, aClock, rng, start, 42)

			// Sync first (while nothing expired), purge later.
			b, bClock := newNamedStore(t, "b")
			bClock.Set(aClock.Now())
			replicate(t, a, b, site)
			bClock.Set(later)
			mustPurge(t, b)

			// A sender that has not purged strips what it sends; a
			// receiver takes ops after their retention without it.
			aClock.Set(later)
			c, cClock := newNamedStore(t, "c")
			cClock.Set(later)
			replicate(t, a, c, site)

			// Purge first, then sync.
			res := mustPurge(t, a)
			if res[engine.PersonalVisit] == 0 {
				t.Fatalf("the purge erased nothing of %d visits over seven weeks", len(ids))
			}
			d, dClock := newNamedStore(t, "d")
			dClock.Set(later)
			replicate(t, a, d, site)

			want := purgeState(t, a, site, ids)
			for _, other := range []*store.Store{b, c, d} {
				if got := purgeState(t, other, site, ids); got != want {
					t.Errorf("%s: state %s, want %s (the purging site's)", other.Site(), got, want)
				}
			}
			// And the purge changed what it had to: old visits without
			// names, recent ones with.
			for _, id := range ids {
				v := mustVisit(t, a, id)
				old := engine.Day(v.ArrivedAt) <= engine.Day(later.AddDate(0, 0, -28))
				if old != (v.Name == "") {
					t.Fatalf("visit of %s at %s: name %q", engine.Day(v.ArrivedAt), engine.Day(later), v.Name)
				}
			}
		})
	}
}

// newNamedStore opens a fresh seeded store for another site.
func newNamedStore(t *testing.T, name string) (*store.Store, *engine.FixedClock) {
	t.Helper()
	clock := engine.NewFixedClock(wednesdayMorning)
	s := mustOpen(t, filepath.Join(t.TempDir(), "pforte.db"), name, clock)
	mustApply(t, s, seedOps())
	return s, clock
}

// seeds returns the seeds 1…n, or 1…PFORTE_SEEDS.
func seeds(t *testing.T, n int) []uint64 {
	t.Helper()
	if v := os.Getenv("PFORTE_SEEDS"); v != "" {
		if k, err := strconv.Atoi(v); err == nil && k > 0 {
			n = k
		}
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}
