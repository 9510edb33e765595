package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// TestApplyRemoteRefusesOpsFromTheFuture: A's clock runs ahead of B's; B
// takes A's ops only when they are stamped at most engine.MaxClockAhead
// ahead of its own clock. A refused op is neither stored nor observed (B's
// HLC does not follow it), the op of A after it waits, C's op in the same
// batch is taken, and once B's clock has passed them, A's ops are taken.
func TestApplyRemoteRefusesOpsFromTheFuture(t *testing.T) {
	tests := []struct {
		name  string
		ahead time.Duration // A's clock ahead of B's
		top   bool          // A's clock past the top of the HLC instead (year 6429)
		taken bool
	}{
		{"a minute ahead", time.Minute, false, true},
		{"just within the bound", engine.MaxClockAhead, false, true},
		{"a millisecond past the bound", engine.MaxClockAhead + time.Millisecond, false, false},
		{"a year ahead", 365 * 24 * time.Hour, false, false},
		{"past the top of the HLC", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, clockA, _ := newSite(t, siteA)
			b, clockB, _ := newSite(t, siteB)
			c, _, _ := newSite(t, siteC)
			clockA.Set(clockB.Now().Add(tt.ahead))
			if tt.top {
				clockA.Set(time.Date(6500, 1, 1, 0, 0, 0, 0, time.UTC))
				tt.ahead = 290 * 365 * 24 * time.Hour // Ahead saturates near 292 years
			}
			mustRegister(t, a, maria())
			mustRegister(t, a, maria()) // stamped a millisecond after the first
			mustRegister(t, c, maria())
			fromA, fromC := siteOps(t, a, siteA), siteOps(t, c, siteC)
			mustLearn(t, b, mustSiteKeys(t, a))
			mustLearn(t, b, mustSiteKeys(t, c))
			hlcB := b.LastHLC()

			res := mustApplyRemote(t, b, append(fromA, fromC...))

			if tt.taken {
				if res.Applied != 3 || len(res.Rejected) != 0 {
					t.Fatalf("applied %d, refused %+v; want all 3 taken", res.Applied, res.Rejected)
				}
				if b.LastHLC() < fromA[1].HLC {
					t.Errorf("B's HLC %v, want past A's op %v", b.LastHLC(), fromA[1].HLC)
				}
				return
			}
			if res.Applied != 1 || len(res.Rejected) != 2 {
				t.Fatalf("applied %d, refused %+v; want C's op taken and A's two refused", res.Applied, res.Rejected)
			}
			first, second := res.Rejected[0], res.Rejected[1]
			if first.Origin != siteA || first.Seq != 1 || first.Ahead < tt.ahead-time.Second ||
				!strings.Contains(first.Reason, "ahead") {
				t.Errorf("first refusal %+v; want site-a/1 refused as %v ahead", first, tt.ahead)
			}
			if second.Origin != siteA || second.Seq != 2 || second.Ahead <= 0 ||
				!strings.Contains(second.Reason, "waits for site-a/1") {
				t.Errorf("second refusal %+v; want site-a/2 waiting for site-a/1", second)
			}
			if got := b.LastHLC(); got < fromC[0].HLC || got.Ahead(clockB.Now()) > engine.MaxClockAhead {
				t.Errorf("B's HLC moved from %v to %v: past C's op %v, but not into the future", hlcB, got, fromC[0].HLC)
			}
			if got, err := b.Vector(context.Background()); err != nil || got[siteA] != 0 || got[siteC] != 1 {
				t.Errorf("B's vector %v; want none of A's ops and C's one", got)
			}
			if next := mustRegister(t, b, maria()); next.ArrivedAt.Sub(clockB.Now()).Abs() > time.Second {
				t.Errorf("B's own visit arrived at %v, want its clock's %v", next.ArrivedAt, clockB.Now())
			}
			if own := siteOps(t, b, siteB); own[len(own)-1].HLC.Ahead(clockB.Now()) > time.Second {
				t.Errorf("B's own op stamped %v, with its clock at %v", own[len(own)-1].HLC, clockB.Now())
			}

			// B's clock passes A's ops (A's stands still): they are taken,
			// even at the top, where both A's ops carry MaxHLC.
			clockB.Set(clockA.Now())
			res = mustApplyRemote(t, b, append(fromA, fromC...))
			if res.Applied != 2 || res.Skipped != 1 || len(res.Rejected) != 0 {
				t.Fatalf("once B's clock has caught up: applied %d, skipped %d, refused %+v; want A's two taken",
					res.Applied, res.Skipped, res.Rejected)
			}
			if b.LastHLC() < fromA[1].HLC {
				t.Errorf("B's HLC %v, want past A's op %v", b.LastHLC(), fromA[1].HLC)
			}
		})
	}
}

// TestClockSetRightKeepsOwnOrder: a site wrote ops while its clock ran a
// year ahead, and restarts with the clock set right. It goes on stamping
// after its last op, never before it (its changes would be folded before
// the ones they follow), so its HLC stays a year ahead of its clock: the
// price is that others refuse its new ops until their clocks get there.
func TestClockSetRightKeepsOwnOrder(t *testing.T) {
	a, clock, path := newSite(t, siteA)
	right := clock.Now()
	clock.Add(365 * 24 * time.Hour)
	v := mustRegister(t, a, maria())
	mustClose(t, a)

	clock.Set(right)
	a = mustOpen(t, path, siteA, clock)
	if ahead := a.LastHLC().Ahead(clock.Now()); ahead < 364*24*time.Hour {
		t.Errorf("reopened: HLC %v is %v ahead of the clock; want the year ahead its last op was stamped", a.LastHLC(), ahead)
	}
	mustLeave(t, a, v.ID)
	ops := siteOps(t, a, siteA)
	if len(ops) != 2 || !engine.Before(ops[0], ops[1]) || ops[1].HLC.Ahead(clock.Now()) < 364*24*time.Hour {
		t.Errorf("own ops %v then %v: want the departure stamped after the registration, a year ahead", ops[0].HLC, ops[1].HLC)
	}
	if got := mustVisit(t, a, v.ID); got.LeftAt.IsZero() {
		t.Errorf("the visit shows no departure: %+v", got)
	}
}
