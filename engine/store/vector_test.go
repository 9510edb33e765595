package store_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
)

// The vector is kept in memory and advanced by every commit. What it says
// must be what the log holds: a vector ahead of the log would make a peer
// skip ops it lacks, one behind would make it send them again and again.
func TestVectorIsWhatTheLogHolds(t *testing.T) {
	a, clock, pathA := newSite(t, siteA)
	b, clockB, pathB := newSite(t, siteB)
	morning(t, a, clock)
	clockB.Set(clock.Now()) // in step with A's (engine.MaxClockAhead)
	mustLearn(t, b, mustSiteKeys(t, a))

	// B writes while it takes A's ops in batches, some of them refused
	// (a gap), and some of its own writes fail and roll back.
	ops := mustOpsAfter(t, a, siteA, 0, 1000)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			v := maria()
			v.Name = fmt.Sprintf("Besucher %d", i)
			if i%3 == 0 {
				v.Host = "staff-niemand" // refused
			}
			b.RegisterVisit(context.Background(), author, v)
		})
	}
	wg.Go(func() {
		mustApplyRemote(t, b, ops[5:]) // a gap: all refused
		mustApplyRemote(t, b, ops[:5])
		mustApplyRemote(t, b, ops[3:])
	})
	wg.Wait()

	for _, s := range []struct {
		st interface {
			Vector(context.Context) (map[string]uint64, error)
		}
		path string
		name string
	}{{a, pathA, siteA}, {b, pathB, siteB}} {
		got, err := s.st.Vector(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// A store opened on the same file reads the vector from the log.
		fresh := mustOpen(t, s.path, s.name, clock)
		want, err := fresh.Vector(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		mustClose(t, fresh)
		if !maps.Equal(got, want) {
			t.Errorf("%s: vector in memory %v, log holds %v", s.name, got, want)
		}
	}
	if v, _ := b.Vector(context.Background()); v[siteA] != uint64(len(ops)) {
		t.Errorf("B's vector has %d of A's ops, want %d", v[siteA], len(ops))
	}
}
