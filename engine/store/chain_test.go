package store_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"pforte/engine"
	"pforte/engine/store"
)

// Each site chains its ops (Prev = the hash of its op before), so that a
// receiver checks one signature per run of consecutive ops. These tests
// hold the chain to what it must give: unbroken local chains, and no op a
// receiver takes that the origin did not sign.

// wantChain fails unless ops (one origin's, from seq 1) link up.
func wantChain(t *testing.T, ops []engine.Op) {
	t.Helper()
	for i, op := range ops {
		if op.Seq != uint64(i+1) {
			t.Fatalf("op %d has seq %d", i+1, op.Seq)
		}
		if i == 0 {
			if len(op.Prev) != 0 {
				t.Errorf("first op has prev %x, want none", op.Prev)
			}
			continue
		}
		if !ops[i-1].Precedes(op) {
			t.Errorf("op %d does not link to op %d", op.Seq, ops[i-1].Seq)
		}
	}
}

func TestLocalOpsAreChained(t *testing.T) {
	a, clock, path := newSite(t, siteA)
	morning(t, a, clock)

	// Concurrent writers share transactions (group commit); some fail and
	// roll back to their savepoint: the chain skips nothing and forks nowhere.
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := maria()
			v.Name = fmt.Sprintf("Besucher %d", i)
			if i%4 == 0 {
				v.Host = "staff-niemand" // unknown host: refused
			}
			a.RegisterVisit(context.Background(), author, v)
		}()
	}
	wg.Wait()
	wantChain(t, siteOps(t, a, siteA))

	// After a restart the next op links to the last one written before.
	mustClose(t, a)
	a = mustOpen(t, path, siteA, clock)
	mustRegister(t, a, maria())
	own := siteOps(t, a, siteA)
	wantChain(t, own)
	pub := mustSiteKeys(t, a)[siteA]
	for _, op := range own {
		if err := engine.Verify(op, pub); err != nil {
			t.Errorf("op %d: %v", op.Seq, err)
		}
	}
}

// chainSites returns site A with ten registrations and site B knowing A's
// key, and A's ten ops.
func chainSites(t *testing.T) (a, b *store.Store, ops []engine.Op) {
	t.Helper()
	a, _, _ = newSite(t, siteA)
	b, _, _ = newSite(t, siteB)
	mustLearn(t, b, map[string]ed25519.PublicKey{siteA: mustSiteKeys(t, a)[siteA]})
	for i := range 10 {
		v := maria()
		v.Name = fmt.Sprintf("Besucherin %d", i)
		mustRegister(t, a, v)
	}
	ops = mustOpsAfter(t, a, siteA, 0, 100)
	if len(ops) != 10 {
		t.Fatalf("A wrote %d ops, want 10", len(ops))
	}
	return a, b, ops
}

// wantApplied fails unless B holds exactly A's ops 1..n and the result
// rejects the rest, the first of them for want.
func wantApplied(t *testing.T, b *store.Store, res engine.ApplyResult, n int, want string) {
	t.Helper()
	if res.Applied != n {
		t.Errorf("applied %d ops, want %d (rejected: %+v)", res.Applied, n, res.Rejected)
	}
	if got := siteOps(t, b, siteA); len(got) != n {
		t.Errorf("B holds %d of A's ops, want %d", len(got), n)
	}
	if n < 10 && (len(res.Rejected) == 0 || !strings.Contains(res.Rejected[0].Reason, want)) {
		t.Errorf("first rejection %+v, want one for %q", res.Rejected, want)
	}
}

func TestChainedRunWithForgedOp(t *testing.T) {
	_, b, ops := chainSites(t)
	forged := append([]engine.Op(nil), ops...)
	// Op 5 says another visitor: its signature no longer holds, and op 6
	// does not link to it. Ops 1–4 are proven one by one instead; 6–10
	// wait behind the gap.
	forged[4].Data = []byte(strings.Replace(string(forged[4].Data), "rathaus-1", "rathaus-2", 1))
	wantApplied(t, b, mustApplyRemote(t, b, forged), 4, engine.ErrBadSignature.Error())

	// The genuine ops still apply.
	res := mustApplyRemote(t, b, ops)
	if res.Applied != 6 || res.Skipped != 4 || len(res.Rejected) != 0 {
		t.Errorf("genuine ops: %+v, want 6 applied and 4 skipped", res)
	}
}

func TestChainedRunWithChangedPersonalData(t *testing.T) {
	_, b, ops := chainSites(t)
	changed := append([]engine.Op(nil), ops...)
	// Personal data is signed by its hash: a changed name in the middle
	// of a run is caught even though its signature is the run's to prove.
	changed[2].Personal = []byte(strings.Replace(string(changed[2].Personal), "Besucherin", "Besucher", 1))
	wantApplied(t, b, mustApplyRemote(t, b, changed), 2, engine.ErrPersonalChanged.Error())
}

func TestChainedRunSignedByAnotherKey(t *testing.T) {
	_, b, ops := chainSites(t)
	// A peer with its own key rewrites A's ops and links them up again
	// itself: a perfect chain, signed by the wrong key.
	_, other, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	forged := make([]engine.Op, len(ops))
	for i, op := range ops {
		op.Data = []byte(strings.Replace(string(op.Data), "rathaus-1", "rathaus-2", 1))
		op.Prev = nil
		if i > 0 {
			op.Prev = forged[i-1].Hash()
		}
		forged[i] = engine.Sign(op, other)
	}
	res := mustApplyRemote(t, b, forged)
	wantApplied(t, b, res, 0, engine.ErrBadSignature.Error())
	for _, r := range res.Rejected {
		if !strings.Contains(r.Reason, engine.ErrBadSignature.Error()) && !strings.Contains(r.Reason, "gap") {
			t.Errorf("op %d rejected for %q", r.Seq, r.Reason)
		}
	}
	if !errors.Is(engine.Verify(forged[9], mustSiteKeys(t, b)[siteA]), engine.ErrBadSignature) {
		t.Fatal("the forged chain's last op verifies with A's key")
	}
}

func TestChainedRunWithSwappedOps(t *testing.T) {
	_, b, ops := chainSites(t)
	// Two genuine ops in the wrong order: each is signed, but they do not
	// link. Op 8 comes too early (a gap), op 7 is then the next; 9 and 10
	// wait behind the missing 8.
	swapped := append([]engine.Op(nil), ops...)
	swapped[6], swapped[7] = swapped[7], swapped[6]
	wantApplied(t, b, mustApplyRemote(t, b, swapped), 7, "gap")
}
