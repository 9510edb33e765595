package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"pforte/engine"
)

var testKey = bytes.Repeat([]byte{7}, KeySize)

// mustNode starts a node for lg that only syncs when told (its full sync
// is an hour away), with the test's changes to its config.
func mustNode(t testing.TB, lg Log, change ...func(*Config)) *Node {
	t.Helper()
	cfg := Config{Log: lg, Identity: lg.(interface{ SigningKey() ed25519.PrivateKey }).SigningKey(), Interval: time.Hour, Logger: quietLogger()}
	for _, f := range change {
		f(&cfg)
	}
	n, err := NewNode(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func mustSync(t *testing.T, from *Node, to *Node) SessionStats {
	t.Helper()
	stats, err := from.SyncWith(context.Background(), to.Addr())
	if err != nil {
		t.Fatalf("sync %s → %s: %v", from.cfg.Log.Site(), to.cfg.Log.Site(), err)
	}
	return stats
}

func TestSessionConvergesBothWays(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	a.commit(30)
	b.commit(20)
	na, nb := mustNode(t, a), mustNode(t, b)

	stats := mustSync(t, na, nb)

	if stats.Peer != "b" || stats.Sent != 30 || stats.Received != 20 || stats.Applied != 20 || stats.Rejected != 0 {
		t.Errorf("stats = %+v; want peer b, 30 sent, 20 received and applied", stats)
	}
	if stats.BytesSent == 0 || stats.BytesReceived == 0 || stats.Duration <= 0 {
		t.Errorf("stats = %+v; want bytes and duration", stats)
	}
	sameOps(t, a, b, "a")
	sameOps(t, a, b, "b")
	// Nothing left to say: the next session sends nothing.
	if again := mustSync(t, nb, na); again.Sent != 0 || again.Received != 0 {
		t.Errorf("second session moved ops: %+v", again)
	}
}

func TestSessionRelaysThroughAThirdSite(t *testing.T) {
	a, b, c := newMemLog("a"), newMemLog("b"), newMemLog("c")
	a.commit(10)
	b.commit(5)
	na, nb, nc := mustNode(t, a), mustNode(t, b), mustNode(t, c)

	mustSync(t, na, nb)
	stats := mustSync(t, nc, nb) // c never talks to a

	if stats.Applied != 15 {
		t.Errorf("c applied %d ops, want 15 (10 of a relayed by b, 5 of b)", stats.Applied)
	}
	sameOps(t, a, c, "a")
	sameOps(t, b, c, "b")
}

func TestSessionStreamsBacklogInBoundedBatches(t *testing.T) {
	const n = 100_000
	a, b := newMemLog("a"), newMemLog("b")
	a.noVerify, b.noVerify = true, true
	a.commit(n)
	na, nb := mustNode(t, a), mustNode(t, b)

	stats := mustSync(t, nb, na)

	if stats.Applied != n || b.count() != n {
		t.Fatalf("b applied %d, holds %d; want %d", stats.Applied, b.count(), n)
	}
	if a.maxOpsAfter > DefaultBatch || b.maxApplied > DefaultBatch {
		t.Errorf("largest read %d, largest apply %d; want ≤ %d", a.maxOpsAfter, b.maxApplied, DefaultBatch)
	}
	if want := n / DefaultBatch; b.applyCalls != want {
		t.Errorf("%d transactions, want %d", b.applyCalls, want)
	}
	t.Logf("%d ops in %v, %d bytes in", n, stats.Duration, stats.BytesReceived)
}

func TestSessionBatchSplitsToFitFrame(t *testing.T) {
	for _, wire := range []int{wireJSON, wireCompact} {
		t.Run(fmt.Sprintf("wire %d", wire), func(t *testing.T) {
			a, b := newMemLog("a"), newMemLog("b")
			// 20 ops of 800 KiB each: a batch of 20 is ~16 MiB (21 as
			// JSON), over the frame limit, compressed or not (the
			// receiver bounds what a frame inflates to); the sender
			// halves it until each frame fits.
			for i := range 20 {
				op := engine.Op{Origin: "a", Seq: uint64(i + 1), HLC: engine.MakeHLC(1, uint16(i)), Kind: engine.KindVisitRegistered,
					Entity: "v", Data: []byte(`{"note":"` + strings.Repeat("x", 800<<10) + `"}`)}
				a.inject(engine.Sign(op, a.priv))
			}
			na, nb := mustNode(t, a, func(c *Config) { c.MaxWire = wire }), mustNode(t, b)
			if stats := mustSync(t, nb, na); stats.Applied != 20 {
				t.Fatalf("applied %d, want 20", stats.Applied)
			}
			if b.applyCalls < 4 {
				t.Errorf("%d batches; want the batch split into frames under %d bytes", b.applyCalls, maxFrame)
			}
		})
	}
}

// cutConn closes the connection after a number of bytes in either
// direction: a line that drops mid-stream.
type cutConn struct {
	net.Conn
	left atomic.Int64
}

func (c *cutConn) count(n int) {
	if c.left.Add(-int64(n)) <= 0 {
		c.Conn.Close()
	}
}

func (c *cutConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.count(n)
	return n, err
}

func (c *cutConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.count(n)
	return n, err
}

func TestSessionResumesAfterCut(t *testing.T) {
	const n = 2000
	a, b := newMemLog("a"), newMemLog("b")
	a.commit(n)
	b.commit(100)
	na := mustNode(t, a)
	var cutAfter atomic.Int64
	cutAfter.Store(100 << 10) // the first session breaks after 100 KiB (of about 200; 800 as JSON)
	nb := mustNode(t, b, func(c *Config) {
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err != nil {
				return nil, err
			}
			if limit := cutAfter.Swap(0); limit > 0 {
				cc := &cutConn{Conn: conn}
				cc.left.Store(limit)
				return cc, nil
			}
			return conn, nil
		}
	})

	if _, err := nb.SyncWith(context.Background(), na.Addr()); err == nil {
		t.Fatal("first session survived the cut")
	}
	got := b.count() - 100
	if got == 0 || got >= n {
		t.Fatalf("after the cut b holds %d of a's ops; want some but not all", got)
	}
	if st := nb.Status(); len(st) != 1 || st[0].Failures != 1 || st[0].LastError == "" {
		t.Errorf("status after the cut = %+v; want one failure", st)
	}

	stats := mustSync(t, nb, na)

	sameOps(t, a, b, "a")
	sameOps(t, a, b, "b")
	if stats.Skipped != 0 || b.applied != n || a.applied != 100 {
		t.Errorf("resumed session skipped %d; b applied %d in all (want %d), a %d (want 100)",
			stats.Skipped, b.applied, n, a.applied)
	}
	if st := nb.Status(); st[0].Failures != 0 || st[0].LastError != "" || st[0].OpsReceived != n {
		t.Errorf("status after resuming = %+v", st)
	}
}

func TestSessionRejectsForgedOpAndGoesOn(t *testing.T) {
	a, relay, b := newMemLog("a"), newMemLog("relay"), newMemLog("b")
	a.commit(10)
	relay.commit(10)
	relay.keys["a"] = a.keys["a"]
	for i, op := range a.held("a") {
		if i == 4 { // seq 5: the relay changed where the visitor goes
			op.Data = []byte(`{"host":"someone-else"}`)
		}
		relay.inject(op)
	}
	nr, nb := mustNode(t, relay), mustNode(t, b)

	stats := mustSync(t, nb, nr)

	if got := len(b.held("a")); got != 4 {
		t.Errorf("b holds %d ops of a; want 4 (seq 5 forged, after it a gap)", got)
	}
	sameOps(t, relay, b, "relay")
	if stats.Rejected != 6 || stats.Applied != 14 {
		t.Errorf("stats = %+v; want 14 applied, 6 rejected", stats)
	}
}

func TestSessionKeepsExactBytes(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	// JSON with spaces and characters encoding/json would escape: the
	// signature covers these exact bytes.
	op := engine.Op{Origin: "a", Seq: 1, HLC: 1, Kind: engine.KindVisitRegistered, Entity: "v1",
		Data:     []byte(`{ "note" : "Müller & Söhne <GmbH>" }`),
		Personal: []byte("{\"name\":\t\"Ötzi\"}\n")}
	a.inject(engine.Sign(op, a.priv))
	na, nb := mustNode(t, a), mustNode(t, b)
	if stats := mustSync(t, nb, na); stats.Applied != 1 {
		t.Fatalf("stats = %+v; want the op applied", stats)
	}
	sameOps(t, a, b, "a")
}

func TestSessionLeavesDemoSeedAlone(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	a.inject(engine.Op{Origin: demoOrigin, Seq: 1, Kind: engine.KindBuildingDefined, Entity: "rathaus-1"})
	a.commit(1)
	na, nb := mustNode(t, a), mustNode(t, b)
	if stats := mustSync(t, nb, na); stats.Received != 1 || len(b.held(demoOrigin)) != 0 {
		t.Errorf("stats = %+v, b holds %d demo ops; want only a's op sent", stats, len(b.held(demoOrigin)))
	}
}

func TestSessionWithItself(t *testing.T) {
	na := mustNode(t, newMemLog("a"))
	if _, err := na.SyncWith(context.Background(), na.Addr()); !errors.Is(err, ErrSameSite) {
		t.Fatalf("sync with itself: %v, want ErrSameSite", err)
	}
	// Its own address among the peers is never dialled again.
	na.SetPeers(func() []string { return []string{na.Addr()} })
	if r := na.round(context.Background()); len(r.peers) != 0 {
		t.Errorf("peers offered to the schedule: %q; want none", r.peers)
	}
}

// TestSessionConcurrent runs sessions of three sites with each other at
// once: the logs apply concurrently, duplicates are skipped, nothing is
// lost. Of two sessions between the same sites in opposite directions,
// only the one dialled by the site whose name sorts first may give way
// to none: the other may end superseded, never failed.
func TestSessionConcurrent(t *testing.T) {
	logs := []*memLog{newMemLog("a"), newMemLog("b"), newMemLog("c")}
	var nodes []*Node
	for i, l := range logs {
		l.commit(300 * (i + 1))
		nodes = append(nodes, mustNode(t, l))
	}
	var wg gosync.WaitGroup
	for round := range 2 {
		for i := range nodes {
			for j := range nodes {
				if i == j {
					continue
				}
				wg.Go(func() {
					_, err := nodes[i].SyncWith(context.Background(), nodes[j].Addr())
					if err != nil && (i < j || !errors.Is(err, ErrSuperseded)) {
						t.Errorf("round %d: %s → %s: %v", round, logs[i].site, logs[j].site, err)
					}
				})
			}
		}
		wg.Wait()
	}
	for _, l := range logs[1:] {
		for _, o := range []string{"a", "b", "c"} {
			sameOps(t, logs[0], l, o)
		}
	}
}

// TestSessionGivesARestoredSiteItsOwnOps: a site whose database was put
// back from an older backup learns from a peer's hello how far its own log
// got, and gets its own later ops back.
func TestSessionGivesARestoredSiteItsOwnOps(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	b.commit(5)
	na, nb := mustNode(t, a), mustNode(t, b)
	mustSync(t, na, nb)
	restored := newMemLog("b") // b's database, restored from an empty backup
	nr := mustNode(t, restored)
	stats := mustSync(t, nr, na)
	if stats.Received != 5 || restored.peerHoldsOwn != 5 {
		t.Errorf("restored b received %d of its own ops and heard a peer holds %d; want 5 and 5",
			stats.Received, restored.peerHoldsOwn)
	}
	sameOps(t, b, restored, "b")
}

// TestSessionsDialledBothWays: when two sites dial each other at once,
// as both do when a partition heals, the session dialled by the site
// whose name sorts first goes on, the other ends superseded on both ends
// without counting as a failure, and the backlogs travel once.
func TestSessionsDialledBothWays(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	a.commit(2000)
	b.commit(2000)
	// Both ends must agree at once which session gives way: one that waits
	// for its peer to hang up while the peer waits too would hang until
	// the idle timeout.
	idle := func(c *Config) { c.IdleTimeout = 20 * time.Second }
	na, nb := mustNode(t, a, idle), mustNode(t, b, idle)
	start := time.Now()
	var wg gosync.WaitGroup
	var sa, sb SessionStats
	var ea, eb error
	wg.Go(func() { sa, ea = na.SyncWith(context.Background(), nb.Addr()) })
	wg.Go(func() { sb, eb = nb.SyncWith(context.Background(), na.Addr()) })
	wg.Wait()
	if ea != nil && !errors.Is(ea, ErrSuperseded) {
		t.Fatalf("a → b: %v", ea)
	}
	if eb != nil && !errors.Is(eb, ErrSuperseded) {
		t.Fatalf("b → a: %v", eb)
	}
	if ea != nil && eb != nil {
		t.Fatal("both sessions gave way")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the sessions took %v: one side waited for the other to hang up", took)
	}
	sameOps(t, a, b, "a")
	sameOps(t, a, b, "b")
	for _, p := range append(na.Status(), nb.Status()...) {
		if p.Failures != 0 || p.LastError != "" {
			t.Errorf("peer %s/%s: %d failures, last error %q; giving way is no failure", p.Addr, p.Site, p.Failures, p.LastError)
		}
	}
	if eb != nil && sb.Sent >= 2000 {
		t.Errorf("b's superseded session sent its whole backlog (%d ops)", sb.Sent)
	}
	t.Logf("a → b: sent %d, err %v; b → a: sent %d, err %v", sa.Sent, ea, sb.Sent, eb)
}
