package sync

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	gosync "sync"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The store is the log sync replicates.
var _ Log = (*store.Store)(nil)

// storeMorning is 09:14 in Berlin on an ordinary Wednesday.
var storeMorning = time.Date(2026, 11, 18, 9, 14, 0, 0, engine.Berlin)

// storeSeed is a small configuration with the demo seed's origin: every
// site applies it itself, the way app.DemoOps is, and sync leaves it alone.
func storeSeed() []engine.Op {
	var ops []engine.Op
	add := seedStamper(&ops)
	add(engine.KindBuildingDefined, "rathaus-1", engine.Building{ID: "rathaus-1", Name: "Rathaus I",
		Hours: []engine.Interval{{Weekday: 3, Open: "08:30", Close: "12:30"}}})
	add(engine.KindStaffDefined, "staff-mueller", engine.Staff{ID: "staff-mueller", Name: "Anna Müller", Building: "rathaus-1"})
	add(engine.KindStaffDefined, "staff-lange", engine.Staff{ID: "staff-lange", Name: "Petra Lange", Building: "rathaus-1"})
	return ops
}

// seedStamper returns a function that appends a definition to *ops the
// way the demo seed is written: under the demo origin, numbered on from
// what *ops holds, stamped at the start of 2026.
func seedStamper(ops *[]engine.Op) func(kind, id string, v any) {
	return func(kind, id string, v any) {
		op := engine.DefineOp(kind, id, v)
		op.Origin, op.Author = demoOrigin, demoOrigin
		op.Seq = uint64(len(*ops) + 1)
		op.HLC = engine.MakeHLC(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), uint16(len(*ops)))
		*ops = append(*ops, op)
	}
}

type storeSite struct {
	st    *store.Store
	clock *engine.FixedClock
	node  *Node
}

func mustStoreSite(t testing.TB, name string, change ...func(*Config)) *storeSite {
	t.Helper()
	ctx := context.Background()
	clock := engine.NewFixedClock(storeMorning)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "pforte.db"), name, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Apply(ctx, storeSeed()); err != nil {
		t.Fatal(err)
	}
	joinTestCluster(t, st, "rathaus-1")
	return &storeSite{st: st, clock: clock, node: mustNode(t, st, change...)}
}

func (s *storeSite) register(t *testing.T, name string) engine.Visit {
	t.Helper()
	v, err := s.st.RegisterVisit(context.Background(), "reception", engine.NewVisit{
		Building: "rathaus-1", Name: name, Phone: "02921 103-0", Host: "staff-mueller", Reason: "Rückfrage zum Bescheid"})
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Add(time.Minute)
	return v
}

// visits returns the day's visits as JSON, by id: what a clerk sees.
func (s *storeSite) visits(t *testing.T) map[string]string {
	t.Helper()
	vs, err := s.st.Visits(context.Background(), "rathaus-1", "2026-11-18")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, v := range vs {
		b, _ := json.Marshal(v)
		out[v.ID] = string(b)
	}
	return out
}

func sameVectors(t *testing.T, sites ...*storeSite) {
	t.Helper()
	var first map[string]uint64
	for i, s := range sites {
		v, err := s.st.Vector(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = v
			continue
		}
		if !mapsEqual(first, v) {
			t.Errorf("vectors differ: %v vs %v", first, v)
		}
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestStoresConverge(t *testing.T) {
	ctx := context.Background()
	a, b, c := mustStoreSite(t, "site-a"), mustStoreSite(t, "site-b"), mustStoreSite(t, "site-c")
	maria := a.register(t, "Maria Schneider")
	a.register(t, "Jonas Weber")
	b.register(t, "Erika Mustermann")

	stats := mustSync(t, a.node, b.node)
	if stats.Sent != 2 || stats.Applied != 1 || stats.Rejected != 0 {
		t.Errorf("a ↔ b: %+v; want 2 sent, 1 applied", stats)
	}
	// b picks up a's visitor: a change of a's visit, written at b.
	if _, err := b.st.PickUpVisit(ctx, "reception", maria.ID, "staff-lange"); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b.node, a.node)
	// c only ever talks to b: a's ops reach it relayed, signed by a.
	stats = mustSync(t, c.node, b.node)
	if stats.Applied != 4 || stats.Rejected != 0 {
		t.Errorf("c ↔ b: %+v; want 4 applied", stats)
	}

	sameVectors(t, a, b, c)
	want := a.visits(t)
	if len(want) != 3 {
		t.Fatalf("a sees %d visits, want 3", len(want))
	}
	for _, s := range []*storeSite{b, c} {
		if got := s.visits(t); !mapsEqual(got, want) {
			t.Errorf("%s sees %v\nwant %v", s.st.Site(), got, want)
		}
	}
	if v, _ := c.st.Visit(ctx, maria.ID); v.PickedUpBy != "staff-lange" {
		t.Errorf("c sees maria picked up by %q, want staff-lange", v.PickedUpBy)
	}
}

// TestStoresConvergeByThemselves: the anti-entropy loop alone, nobody
// calling SyncWith, brings a visit registered at one site to the others.
func TestStoresConvergeByThemselves(t *testing.T) {
	sites := []*storeSite{mustStoreSite(t, "site-a", fast), mustStoreSite(t, "site-b", fast), mustStoreSite(t, "site-c", fast)}
	var addrs []string
	for _, s := range sites {
		addrs = append(addrs, s.node.Addr())
	}
	for _, s := range sites {
		s.node.SetPeers(func() []string { return slices.Clone(addrs) })
	}
	for i, s := range sites {
		for range i + 1 {
			s.register(t, "Besucher von "+s.st.Site())
		}
	}
	if !eventually(t, 10*time.Second, func() bool {
		for _, s := range sites {
			if len(s.visits(t)) != 6 {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("visits seen: a %d, b %d, c %d; want 6 each",
			len(sites[0].visits(t)), len(sites[1].visits(t)), len(sites[2].visits(t)))
	}
	sameVectors(t, sites...)
}

// BenchmarkSessionStores streams 10,000 visit registrations of a third
// site from one real store to a fresh one over TLS on 127.0.0.1: the
// receiver verifies, stores and folds each op (synchronous=FULL).
func BenchmarkSessionStores(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	openStore := func(name string) *store.Store {
		st, err := store.Open(ctx, filepath.Join(b.TempDir(), "pforte.db"), name, engine.NewFixedClock(storeMorning))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		if _, err := st.Apply(ctx, storeSeed()); err != nil {
			b.Fatal(err)
		}
		return st
	}
	// site-x writes the visits; site-a holds them; a fresh site-b takes
	// them from site-a in each round.
	src, x := openStore("site-a"), openStore("site-x")
	joinTestCluster(b, src, "rathaus-1")
	joinTestCluster(b, x, "rathaus-1")
	for range n {
		if _, err := x.RegisterVisit(ctx, "reception", engine.NewVisit{Building: "rathaus-1", Name: "Maria Schneider",
			Phone: "02921 103-0", Host: "staff-mueller", Reason: "Rückfrage zum Bescheid"}); err != nil {
			b.Fatal(err)
		}
	}
	xops, err := x.OpsAfter(ctx, "site-x", 0, 2*n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := src.ApplyRemote(ctx, xops); err != nil {
		b.Fatal(err)
	}
	na := mustNode(b, src)
	site := 0
	var total, bytes int64
	var secs float64
	for b.Loop() {
		b.StopTimer()
		site++
		fresh := openStore(fmt.Sprintf("site-b%d", site))
		joinTestCluster(b, fresh, "rathaus-1")
		nb := mustNode(b, fresh)
		b.StartTimer()
		stats, err := nb.SyncWith(ctx, na.Addr())
		if err != nil || stats.Applied < n {
			b.Fatalf("applied %d (%d rejected): %v", stats.Applied, stats.Rejected, err)
		}
		total += int64(stats.Applied)
		bytes += stats.BytesReceived + stats.BytesSent
		secs += stats.Duration.Seconds()
		b.StopTimer()
		nb.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/secs, "ops/s")
	b.ReportMetric(float64(bytes)/float64(total), "bytes/op")
}

// testClusters: per test, the root and the stores enrolled so far
// (joinTestCluster).
var testClusters gosync.Map // testing.TB → *testCluster

type testCluster struct {
	mu     gosync.Mutex
	root   *store.Store
	stores []*store.Store
}

// joinTestCluster enrolls st in the test's cluster as a real site would
// be: a root of its own, that never syncs, enrolls itself first (so that
// the sites under test hold no ops they did not write), st redeems an
// invitation at it and records it as the root, and every member gets the
// root's ops, so that all of them know every key before they sync. st
// must hold its configuration (the demo origin's ops) already.
func joinTestCluster(t testing.TB, st *store.Store, building string) {
	t.Helper()
	ctx := context.Background()
	v, _ := testClusters.LoadOrStore(t, &testCluster{})
	c := v.(*testCluster)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.root == nil {
		root, err := store.Open(ctx, filepath.Join(t.TempDir(), "root.db"), "site-root", engine.NewFixedClock(storeMorning))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { root.Close(); testClusters.Delete(t) })
		seed, err := st.OpsAfter(ctx, demoOrigin, 0, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := root.Apply(ctx, seed); err != nil {
			t.Fatal(err)
		}
		if _, err := root.SelfEnroll(ctx, building); err != nil {
			t.Fatalf("the root enrolls itself: %v", err)
		}
		c.root = root
	}
	root := c.root
	secret := []byte("invitation of " + st.Site())
	sum := sha256.Sum256(secret)
	if err := root.CreateInvitation(ctx, root.Site(), st.Site(), building, sum[:], storeMorning.Add(1000*time.Hour)); err != nil {
		t.Fatalf("invite %s: %v", st.Site(), err)
	}
	if _, err := root.RedeemInvitation(ctx, secret, st.Site(), building, st.PublicKey()); err != nil {
		t.Fatalf("enroll %s: %v", st.Site(), err)
	}
	if err := st.JoinCluster(ctx, root.Site(), root.PublicKey()); err != nil {
		t.Fatalf("%s joins: %v", st.Site(), err)
	}
	c.stores = append(c.stores, st)
	ops, err := root.OpsAfter(ctx, root.Site(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range c.stores {
		if res, err := o.ApplyRemote(ctx, ops); err != nil || len(res.Rejected) > 0 {
			t.Fatalf("%s takes the root's ops: %v %v", o.Site(), res.Rejected, err)
		}
	}
}
