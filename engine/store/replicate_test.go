package store_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
	pfsync "pforte/sync"
)

// The store is the log that sync replicates.
var _ pfsync.Log = (*store.Store)(nil)

// The replication tests run three sites, each with the same seed
// configuration (applied, not replicated), their clocks at bookingMorning.
const (
	siteA = "site-a"
	siteB = "site-b"
	siteC = "site-c"
)

// newSite opens a fresh site with the seed, the services and the counters.
// It returns the database path for reopening.
func newSite(t *testing.T, name string) (*store.Store, *engine.FixedClock, string) {
	t.Helper()
	clock := engine.NewFixedClock(bookingMorning)
	path := filepath.Join(t.TempDir(), "pforte.db")
	s := mustOpen(t, path, name, clock)
	mustApply(t, s, seedOps())
	mustApply(t, s, bookingOps())
	return s, clock, path
}

// newSiteInStep opens a fresh site like newSite whose clock then reads
// what clock reads: sites' clocks agree to a few seconds, and a site
// refuses ops stamped more than engine.MaxClockAhead ahead of its own
// (TestApplyRemoteRefusesOpsFromTheFuture), such as those of a morning
// that ends at 08:50 while its clock stood at 08:05.
func newSiteInStep(t *testing.T, name string, clock *engine.FixedClock) (*store.Store, *engine.FixedClock) {
	t.Helper()
	s, own, _ := newSite(t, name)
	own.Set(clock.Now())
	return s, own
}

// morning is an early hour of work at a site: two visitors come, are
// picked up and one leaves; three citizens book, one cancels, one moves,
// one checks in.
func morning(t *testing.T, s *store.Store, clock *engine.FixedClock) {
	t.Helper()
	ctx := context.Background()
	schneider := mustRegister(t, s, maria())
	clock.Add(2 * time.Minute)
	weber := mustRegister(t, s, engine.NewVisit{Building: "buergerbuero", Name: "Jonas Weber", Phone: "0170 1234567",
		Host: "staff-aydin", Reason: "Abgabe von Unterlagen"})
	clock.Add(3 * time.Minute)
	mustPickUp(t, s, schneider.ID, "")
	passport := mustBook(t, s, booking(at("09:00"), "reisepass"))
	moved := mustBook(t, s, bookingFor(erika, at("09:30"), "anmeldung"))
	cancelled := mustBook(t, s, bookingFor(erika, at("10:00"), "meldebescheinigung"))
	clock.Add(4 * time.Minute)
	mustPickUp(t, s, weber.ID, "staff-lange")
	mustLeave(t, s, schneider.ID)
	if _, err := s.Cancel(ctx, author, cancelled.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := s.Move(ctx, author, moved.ID, at("10:30")); err != nil {
		t.Fatalf("move: %v", err)
	}
	clock.Set(at("08:50"))
	mustCheckIn(t, s, store.CheckInRequest{Building: "buergerbuero", Code: passport.Code})
}

// view is what a site shows of the booking day: visits, who is present,
// appointments, calls, free places, and a digest of all of it.
func view(t *testing.T, s *store.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, b := range seedBuildings {
		out["visits "+b.ID] = asJSON(t, mustVisits(t, s, b.ID, bookingDay))
		out["present "+b.ID] = asJSON(t, mustPresent(t, s, b.ID))
		as, err := s.Appointments(ctx, b.ID, bookingDay)
		if err != nil {
			t.Fatalf("appointments of %s: %v", b.ID, err)
		}
		out["appointments "+b.ID] = asJSON(t, as)
		calls, err := s.Calls(ctx, b.ID, bookingDay, 10)
		if err != nil {
			t.Fatalf("calls of %s: %v", b.ID, err)
		}
		out["calls "+b.ID] = asJSON(t, calls)
	}
	// The occupancy index learnt the remote appointments too.
	for _, service := range []string{"reisepass", "anmeldung"} {
		out["free "+service] = asJSON(t, slotsOn(t, s, engine.NewFixedClock(bookingMorning), bookingDay, service))
	}
	sum := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(out)) {
		io.WriteString(sum, k+"\n"+out[k]+"\n")
	}
	out["digest"] = hex.EncodeToString(sum.Sum(nil))
	return out
}

func mustSiteKeys(t *testing.T, s *store.Store) map[string]ed25519.PublicKey {
	t.Helper()
	keys, err := s.SiteKeys(context.Background())
	if err != nil {
		t.Fatalf("site keys of %s: %v", s.Site(), err)
	}
	return keys
}

func mustLearn(t *testing.T, s *store.Store, keys map[string]ed25519.PublicKey) {
	t.Helper()
	if err := s.LearnSiteKeys(context.Background(), keys); err != nil {
		t.Fatalf("%s learns keys: %v", s.Site(), err)
	}
}

func mustOpsAfter(t *testing.T, s *store.Store, origin string, after uint64, limit int) []engine.Op {
	t.Helper()
	ops, err := s.OpsAfter(context.Background(), origin, after, limit)
	if err != nil {
		t.Fatalf("%s: ops of %s after %d: %v", s.Site(), origin, after, err)
	}
	return ops
}

func mustApplyRemote(t *testing.T, s *store.Store, ops []engine.Op) engine.ApplyResult {
	t.Helper()
	res, err := s.ApplyRemote(context.Background(), ops)
	if err != nil {
		t.Fatalf("%s: apply %d remote ops: %v", s.Site(), len(ops), err)
	}
	return res
}

// wantSameAs fails unless replica shows what source shows and holds
// source's ops of origin, signatures and all.
func wantSameAs(t *testing.T, replica, source *store.Store, want map[string]string, origin string) {
	t.Helper()
	if d := diffState(view(t, replica), want); d != "" {
		t.Fatalf("%s differs from %s:%s", replica.Site(), source.Site(), d)
	}
	got, wantOps := siteOps(t, replica, origin), siteOps(t, source, origin)
	if asJSON(t, got) != asJSON(t, wantOps) {
		t.Fatalf("%s holds other ops of %s than %s:\ngot  %s\nwant %s", replica.Site(), origin, source.Site(),
			asJSON(t, got), asJSON(t, wantOps))
	}
}

// addResult sums up the results of several batches.
func addResult(total *engine.ApplyResult, r engine.ApplyResult) {
	total.Applied += r.Applied
	total.Skipped += r.Skipped
	total.Rejected = append(total.Rejected, r.Rejected...)
}

func TestLocalOpsAreSigned(t *testing.T) {
	a, clock, _ := newSite(t, siteA)
	morning(t, a, clock)
	pub := mustSiteKeys(t, a)[siteA]
	if len(pub) != ed25519.PublicKeySize {
		t.Fatalf("no public key of %s in its own site keys", siteA)
	}
	own := siteOps(t, a, siteA)
	if len(own) < 10 {
		t.Fatalf("the morning wrote %d ops, want at least 10", len(own))
	}
	for _, op := range own {
		if err := engine.Verify(op, pub); err != nil {
			t.Errorf("own op %d (%s): %v", op.Seq, op.Kind, err)
		}
		if len(op.Personal) > 0 && len(op.PersonalHash) == 0 {
			t.Errorf("own op %d (%s) has personal data but no hash", op.Seq, op.Kind)
		}
	}
	// What Apply stored stays as it was given: the seed is unsigned.
	for _, op := range siteOps(t, a, seedOrigin) {
		if op.Sig != nil || op.PersonalHash != nil {
			t.Errorf("seed op %d got signed by Apply", op.Seq)
		}
	}
}

func TestOpsAfter(t *testing.T) {
	a, clock, _ := newSite(t, siteA)
	morning(t, a, clock)
	n := uint64(len(siteOps(t, a, siteA)))
	seqs := func(from, to uint64) []uint64 {
		var out []uint64
		for s := from; s <= to; s++ {
			out = append(out, s)
		}
		return out
	}
	tests := []struct {
		name   string
		origin string
		after  uint64
		limit  int
		want   []uint64
	}{
		{"from the start, limited", siteA, 0, 3, seqs(1, 3)},
		{"the rest", siteA, 3, 1000, seqs(4, n)},
		{"a page in the middle", siteA, 5, 2, seqs(6, 7)},
		{"nothing after the last", siteA, n, 10, nil},
		{"another origin", seedOrigin, 0, 2, seqs(1, 2)},
		{"an unknown origin", "site-x", 0, 10, nil},
		{"after beyond any seq", siteA, 1 << 63, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := mustOpsAfter(t, a, tt.origin, tt.after, tt.limit)
			var got []uint64
			for _, op := range ops {
				if op.Origin != tt.origin {
					t.Errorf("op %s/%d, want origin %s", op.Origin, op.Seq, tt.origin)
				}
				got = append(got, op.Seq)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("seqs: got %v, want %v", got, tt.want)
			}
			if tt.origin == siteA {
				for _, op := range ops {
					if len(op.Sig) == 0 {
						t.Errorf("op %d comes without its signature", op.Seq)
					}
				}
			}
		})
	}
	t.Run("no limit", func(t *testing.T) {
		_, err := a.OpsAfter(context.Background(), siteA, 0, 0)
		wantError(t, err, engine.CodeInvalidField, "limit")
	})
}

// TestApplyRemoteDelivers: however A's ops reach B (at once, one by one,
// twice, shuffled with gaps and then resent from B's vector), B ends up
// showing what A shows.
func TestApplyRemoteDelivers(t *testing.T) {
	a, clock, _ := newSite(t, siteA)
	morning(t, a, clock)
	ops := mustOpsAfter(t, a, siteA, 0, 1000)
	n := len(ops)
	keys := mustSiteKeys(t, a)
	want := view(t, a)

	// resend delivers what B misses, as sync does: from B's vector on.
	resend := func(t *testing.T, b *store.Store, batch int) engine.ApplyResult {
		t.Helper()
		var total engine.ApplyResult
		for range n + 1 {
			v, err := b.Vector(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			missing := mustOpsAfter(t, a, siteA, v[siteA], batch)
			if len(missing) == 0 {
				return total
			}
			addResult(&total, mustApplyRemote(t, b, missing))
		}
		t.Fatalf("resending from the vector did not complete")
		return total
	}
	tests := []struct {
		name        string
		deliver     func(t *testing.T, b *store.Store) engine.ApplyResult
		wantApplied int
		wantSkipped int
		// wantGaps: how many ops are refused for a gap (-1: some), the
		// only refusal expected.
		wantGaps int
	}{
		{"in order, one batch", func(t *testing.T, b *store.Store) engine.ApplyResult {
			return mustApplyRemote(t, b, ops)
		}, n, 0, 0},
		{"one op at a time", func(t *testing.T, b *store.Store) engine.ApplyResult {
			var total engine.ApplyResult
			for _, op := range ops {
				addResult(&total, mustApplyRemote(t, b, []engine.Op{op}))
			}
			return total
		}, n, 0, 0},
		{"twice: the second time everything is skipped", func(t *testing.T, b *store.Store) engine.ApplyResult {
			first := mustApplyRemote(t, b, ops)
			if first.Applied != n {
				t.Fatalf("first delivery applied %d, want %d", first.Applied, n)
			}
			return mustApplyRemote(t, b, ops)
		}, 0, n, 0},
		{"overlapping batches", func(t *testing.T, b *store.Store) engine.ApplyResult {
			var total engine.ApplyResult
			addResult(&total, mustApplyRemote(t, b, ops[:8]))
			addResult(&total, mustApplyRemote(t, b, ops[4:]))
			return total
		}, n, 4, 0},
		{"a batch starting after a gap, then resent from the vector", func(t *testing.T, b *store.Store) engine.ApplyResult {
			total := mustApplyRemote(t, b, ops[5:])
			addResult(&total, resend(t, b, 4))
			return total
		}, n, 0, n - 5},
		{"shuffled batches with gaps, then resent from the vector", func(t *testing.T, b *store.Store) engine.ApplyResult {
			rnd := rand.New(rand.NewPCG(18, 11))
			shuffled := slices.Clone(ops)
			rnd.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			var total engine.ApplyResult
			for batch := range slices.Chunk(shuffled, 4) {
				addResult(&total, mustApplyRemote(t, b, batch))
			}
			if total.Applied == n {
				t.Fatalf("the shuffled delivery left no gap: the test shows nothing")
			}
			// What arrived after a gap was refused, not held: the resend
			// brings it all, and some ops twice.
			addResult(&total, resend(t, b, 5))
			return total
		}, n, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, clockB := newSiteInStep(t, siteB, clock)
			clockB.Add(-4 * time.Minute) // a little behind A's, within engine.MaxClockAhead
			mustLearn(t, b, keys)
			got := tt.deliver(t, b)
			if got.Applied != tt.wantApplied || got.Skipped != tt.wantSkipped {
				t.Errorf("applied %d, skipped %d; want %d, %d", got.Applied, got.Skipped, tt.wantApplied, tt.wantSkipped)
			}
			for _, r := range got.Rejected {
				if !strings.HasPrefix(r.Reason, "gap: have ") {
					t.Errorf("op %s/%d refused: %s; want only gaps", r.Origin, r.Seq, r.Reason)
				}
			}
			if gaps := len(got.Rejected); tt.wantGaps >= 0 && gaps != tt.wantGaps || tt.wantGaps < 0 && gaps == 0 {
				t.Errorf("%d ops refused for a gap, want %d (-1: some)", gaps, tt.wantGaps)
			}
			wantSameAs(t, b, a, want, siteA)
			if v, _ := b.Vector(context.Background()); v[siteA] != uint64(n) {
				t.Errorf("B's vector holds %d of %s, want %d", v[siteA], siteA, n)
			}
			// B's clock is behind A's: its next op still comes after
			// every op it received.
			v := mustRegister(t, b, maria())
			last := siteOps(t, b, siteB)
			if mine, theirs := last[len(last)-1].HLC, ops[n-1].HLC; mine <= theirs {
				t.Errorf("B's op %s (%v) not after A's last %v", v.ID, mine, theirs)
			}
		})
	}
}

// TestApplyRemoteRefuses: a bad op in a batch is refused and reported,
// and every good op of the batch is applied all the same.
func TestApplyRemoteRefuses(t *testing.T) {
	a, clockA, pathA := newSite(t, siteA)
	morning(t, a, clockA)
	// A site restored from a backup writes seqs that A already wrote, with
	// other content: a fork of A's history, signed with A's key.
	mustClose(t, a)
	forkPath := filepath.Join(t.TempDir(), "pforte.db")
	copyFile(t, pathA, forkPath)
	a = mustOpen(t, pathA, siteA, clockA)
	fork := mustOpen(t, forkPath, siteA, engine.NewFixedClock(at("08:55")))
	mustRegister(t, a, engine.NewVisit{Building: "rathaus-1", Name: "Paul Klein", Phone: "02921 103-1", Host: "staff-schmidt",
		Reason: "Vorstellungsgespräch"})
	mustRegister(t, fork, engine.NewVisit{Building: "rathaus-1", Name: "Mallory", Phone: "0170 666", Host: "staff-schmidt",
		Reason: "Vorstellungsgespräch"})

	ops := mustOpsAfter(t, a, siteA, 0, 1000)
	forked := siteOps(t, fork, siteA)
	n := len(ops)
	if forked[n-1].Seq != ops[n-1].Seq || forked[n-1].Entity == ops[n-1].Entity {
		t.Fatalf("the fork's last op %s/%d should differ from A's at the same seq", forked[n-1].Origin, forked[n-1].Seq)
	}
	keys := mustSiteKeys(t, a)
	want := view(t, a)

	c, clockC, _ := newSite(t, siteC)
	morning(t, c, clockC)
	fromC := siteOps(t, c, siteC)

	_, strangerKey, _ := ed25519.GenerateKey(nil)
	registration := slices.IndexFunc(ops, func(op engine.Op) bool { return op.Kind == engine.KindVisitRegistered })
	pickUp := slices.IndexFunc(ops, func(op engine.Op) bool { return op.Kind == engine.KindVisitPickedUp })
	edited := func(i int, edit func(op *engine.Op)) func() engine.Op {
		return func() engine.Op {
			op := ops[i]
			op.Data, op.Personal = slices.Clone(op.Data), slices.Clone(op.Personal)
			edit(&op)
			return op
		}
	}
	replace := func(p []byte, old, new string) []byte {
		if !bytes.Contains(p, []byte(old)) {
			t.Fatalf("%s holds no %q", p, old)
		}
		return bytes.ReplaceAll(p, []byte(old), []byte(new))
	}

	tests := []struct {
		name string
		bad  func() engine.Op
		// after: the bad op comes right after the good op of its seq
		// (a replay), else right before it (it would take its place).
		after      bool
		wantReason string
	}{
		{"data changed, signature kept", edited(registration, func(op *engine.Op) {
			op.Data = replace(op.Data, "rathaus-1", "buergerbuero")
		}), false, engine.ErrBadSignature.Error()},
		{"personal data changed, hash and signature kept", edited(registration, func(op *engine.Op) {
			op.Personal = replace(op.Personal, "Maria Schneider", "Mallory")
		}), false, engine.ErrPersonalChanged.Error()},
		{"personal data and its hash changed", edited(registration, func(op *engine.Op) {
			op.Personal = replace(op.Personal, "Maria Schneider", "Mallory")
			op.PersonalHash = engine.PersonalDigest(op.Personal)
		}), false, engine.ErrBadSignature.Error()},
		{"signed with another key", edited(registration, func(op *engine.Op) {
			*op = engine.Sign(*op, strangerKey)
		}), false, engine.ErrBadSignature.Error()},
		{"no signature", edited(pickUp, func(op *engine.Op) { op.Sig = nil }), false, engine.ErrBadSignature.Error()},
		{"a held op replayed with other content, signature kept", edited(pickUp, func(op *engine.Op) {
			op.Data = replace(op.Data, "staff-mueller", "staff-schmidt")
		}), true, engine.ErrBadSignature.Error()},
		{"a held seq written again by a restored backup", func() engine.Op { return forked[n-1] }, true, "conflicts with held op"},
		{"an unknown site", func() engine.Op { return fromC[0] }, false, "unknown site key"},
		{"this site's own op, not signed by it", edited(pickUp, func(op *engine.Op) { op.Origin = siteB }), false, engine.ErrBadSignature.Error()},
		{"a demo op", edited(pickUp, func(op *engine.Op) { op.Origin = "demo" }), false, "demo ops are not replicated"},
		{"no origin", edited(pickUp, func(op *engine.Op) { op.Origin = "" }), false, "malformed: no origin"},
		{"seq 0", edited(pickUp, func(op *engine.Op) { op.Seq = 0 }), false, "malformed: seq 0"},
		{"no kind", edited(pickUp, func(op *engine.Op) { op.Kind = "" }), false, "malformed: no kind"},
		{"no entity", edited(pickUp, func(op *engine.Op) { op.Entity = "" }), false, "malformed: no entity"},
		{"unknown entity type", edited(pickUp, func(op *engine.Op) { op.Kind = "parcel.received" }), false,
			`malformed: unknown entity type "parcel"`},
		{"unknown kind", edited(pickUp, func(op *engine.Op) { op.Kind = "visit.renamed" }), false,
			`malformed: unknown kind "visit.renamed"`},
		{"data not JSON", edited(pickUp, func(op *engine.Op) { op.Data = op.Data[:len(op.Data)-1] }), false,
			"malformed: data is not JSON"},
		{"data that does not fold", edited(pickUp, func(op *engine.Op) { op.Data = []byte(`{"by":7}`) }), false,
			"malformed: visit.picked_up does not fold"},
		{"a configuration without data", func() engine.Op {
			op := engine.Op{Origin: siteA, Seq: ops[0].Seq, HLC: ops[0].HLC, Kind: engine.KindRoomDefined, Entity: "r-1"}
			return op
		}, false, "malformed: room.defined does not fold: no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := newSiteInStep(t, siteB, clockA)
			mustLearn(t, b, keys)
			bad := tt.bad()
			at := slices.IndexFunc(ops, func(op engine.Op) bool { return op.Seq == bad.Seq })
			if at < 0 {
				at = n / 2
			} else if tt.after {
				at++
			}
			batch := slices.Concat(ops[:at], []engine.Op{bad}, ops[at:])
			got := mustApplyRemote(t, b, batch)
			if got.Applied != n || got.Skipped != 0 || len(got.Rejected) != 1 {
				t.Fatalf("applied %d, skipped %d, refused %+v; want %d applied and the bad op refused",
					got.Applied, got.Skipped, got.Rejected, n)
			}
			r := got.Rejected[0]
			if r.Origin != bad.Origin || r.Seq != bad.Seq || !strings.Contains(r.Reason, tt.wantReason) {
				t.Errorf("refused %s/%d: %q; want %s/%d: %q", r.Origin, r.Seq, r.Reason, bad.Origin, bad.Seq, tt.wantReason)
			}
			wantSameAs(t, b, a, want, siteA)
			if got := siteOps(t, b, siteC); len(got) != 0 {
				t.Errorf("B holds %d ops of a site whose key it does not know", len(got))
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRelay: C never talks to A; it learns A's ops and A's key from B,
// and the signatures prove they are A's.
func TestRelay(t *testing.T) {
	a, clock, _ := newSite(t, siteA)
	morning(t, a, clock)
	b, _ := newSiteInStep(t, siteB, clock)
	c, _ := newSiteInStep(t, siteC, clock)
	mustLearn(t, b, mustSiteKeys(t, a))
	mustApplyRemote(t, b, mustOpsAfter(t, a, siteA, 0, 1000))

	mustLearn(t, c, mustSiteKeys(t, b))
	if got, want := mustSiteKeys(t, c)[siteA], mustSiteKeys(t, a)[siteA]; !bytes.Equal(got, want) {
		t.Fatalf("C learnt A's key %x from B, want %x", got, want)
	}
	relayed := mustOpsAfter(t, b, siteA, 0, 1000)
	got := mustApplyRemote(t, c, relayed)
	if got.Applied != len(relayed) || got.Skipped != 0 || len(got.Rejected) != 0 {
		t.Fatalf("C applied %d, skipped %d, refused %+v of %d relayed ops", got.Applied, got.Skipped, got.Rejected, len(relayed))
	}
	wantSameAs(t, c, a, view(t, a), siteA)

	// B cannot pass off its own change as A's.
	forged := relayed[len(relayed)-1]
	forged.Seq++
	res := mustApplyRemote(t, c, []engine.Op{forged})
	if len(res.Rejected) != 1 || !strings.Contains(res.Rejected[0].Reason, engine.ErrBadSignature.Error()) {
		t.Errorf("an op forged by the relay: got %+v, want it refused for its signature", res)
	}
}

// TestErasedPersonalDataStillApplies: the purge erases an op's personal
// data but keeps its hash, so the op still verifies and replicates; a
// resend with the personal data does not undo the erasure.
func TestErasedPersonalDataStillApplies(t *testing.T) {
	a, clock, _ := newSite(t, siteA)
	morning(t, a, clock)
	ops := mustOpsAfter(t, a, siteA, 0, 1000)
	i := slices.IndexFunc(ops, func(op engine.Op) bool { return op.Kind == engine.KindVisitRegistered })
	erased := slices.Clone(ops)
	erased[i].Personal = nil
	pub := mustSiteKeys(t, a)[siteA]
	if err := engine.Verify(erased[i], pub); err != nil {
		t.Fatalf("the erased op does not verify: %v", err)
	}

	b, _ := newSiteInStep(t, siteB, clock)
	mustLearn(t, b, mustSiteKeys(t, a))
	if got := mustApplyRemote(t, b, erased); got.Applied != len(ops) || len(got.Rejected) != 0 {
		t.Fatalf("applied %d of %d, refused %+v", got.Applied, len(ops), got.Rejected)
	}
	id := ops[i].Entity
	gotVisit, wantVisit := mustVisit(t, b, id), mustVisit(t, a, id)
	if gotVisit.Name != "" || gotVisit.Phone != "" {
		t.Errorf("the erased visit shows %q, %q", gotVisit.Name, gotVisit.Phone)
	}
	gotVisit.Name, gotVisit.Phone, gotVisit.Email, gotVisit.Address, gotVisit.Reason = wantVisit.Name,
		wantVisit.Phone, wantVisit.Email, wantVisit.Address, wantVisit.Reason
	if asJSON(t, gotVisit) != asJSON(t, wantVisit) {
		t.Errorf("apart from personal data, B's visit\n%+v\nwant A's\n%+v", gotVisit, wantVisit)
	}

	if got := mustApplyRemote(t, b, ops); got.Skipped != len(ops) || len(got.Rejected) != 0 {
		t.Errorf("resend with personal data: skipped %d of %d, refused %+v", got.Skipped, len(ops), got.Rejected)
	}
	if v := mustVisit(t, b, id); v.Name != "" {
		t.Errorf("a resend brought the erased name %q back", v.Name)
	}

	// B relays the erased op; C verifies it with the hash B kept.
	held := mustOpsAfter(t, b, siteA, 0, 1000)
	if held[i].Personal != nil || !bytes.Equal(held[i].PersonalHash, ops[i].PersonalHash) {
		t.Fatalf("B holds personal %s, hash %x; want none and %x", held[i].Personal, held[i].PersonalHash, ops[i].PersonalHash)
	}
	c, _ := newSiteInStep(t, siteC, clock)
	mustLearn(t, c, mustSiteKeys(t, b))
	if got := mustApplyRemote(t, c, held); got.Applied != len(ops) || len(got.Rejected) != 0 {
		t.Fatalf("C applied %d of %d relayed ops, refused %+v", got.Applied, len(ops), got.Rejected)
	}
}

// TestSigningKeySurvivesReopen: a site keeps its key, so its old and new
// ops verify with the one public key the others learnt.
func TestSigningKeySurvivesReopen(t *testing.T) {
	a, clock, path := newSite(t, siteA)
	mustRegister(t, a, maria())
	before := mustSiteKeys(t, a)[siteA]
	mustClose(t, a)

	a = mustOpen(t, path, siteA, clock)
	if after := mustSiteKeys(t, a)[siteA]; !bytes.Equal(after, before) {
		t.Fatalf("public key after reopen %x, want %x", after, before)
	}
	mustRegister(t, a, maria())
	for _, op := range siteOps(t, a, siteA) {
		if err := engine.Verify(op, before); err != nil {
			t.Errorf("op %d: %v", op.Seq, err)
		}
	}
}

// TestSigningKeyForOldDatabase: a database written before ops were
// signed gets a key at its first open with this code, and the site signs
// the ops it wrote before, so that they can be replicated.
func TestSigningKeyForOldDatabase(t *testing.T) {
	a, clock, path := newSite(t, siteA)
	morning(t, a, clock)
	mustClose(t, a)
	unsign(t, path)

	a = mustOpen(t, path, siteA, clock)
	pub := mustSiteKeys(t, a)[siteA]
	if len(pub) != ed25519.PublicKeySize {
		t.Fatal("no key created for the old database")
	}
	ops := siteOps(t, a, siteA)
	for _, op := range ops {
		if err := engine.Verify(op, pub); err != nil {
			t.Errorf("old op %d: %v", op.Seq, err)
		}
	}
	for _, op := range siteOps(t, a, seedOrigin) {
		if op.Sig != nil {
			t.Errorf("seed op %d got signed: only the site's own ops are its to sign", op.Seq)
		}
	}
	b, _ := newSiteInStep(t, siteB, clock)
	mustLearn(t, b, mustSiteKeys(t, a))
	if got := mustApplyRemote(t, b, ops); got.Applied != len(ops) {
		t.Errorf("B applied %d of the %d old ops, refused %+v", got.Applied, len(ops), got.Rejected)
	}
}

// unsign makes the database at path look like one written before ops
// were signed: no signatures, no key.
func unsign(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE ops SET sig = NULL, personal_hash = NULL`,
		`DELETE FROM meta WHERE key = 'signing_key'`,
		`DELETE FROM site_keys`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
