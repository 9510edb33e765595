package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
	"pforte/internal/cputime"
)

// Convergence benchmarks: how long the cluster takes, after a partition
// heals or after a burst of writes, until every site holds the same
// vector. Both run whole clusters; run them with -benchtime=1x.

// errPartitioned is what a partitioned site's Dial returns.
var errPartitioned = errors.New("bench: partitioned")

// gatedDial dials over TCP unless the gate is closed, and counts the
// attempts (each one is a session the node tries to run).
type gatedDial struct {
	closed   atomic.Bool
	attempts atomic.Int64
	d        net.Dialer
}

func (g *gatedDial) dial(ctx context.Context, addr string) (net.Conn, error) {
	if g.closed.Load() {
		return nil, errPartitioned
	}
	g.attempts.Add(1)
	return g.d.DialContext(ctx, "tcp", addr)
}

// convergedVectors reports whether every vector equals the first.
func convergedVectors(vecs []map[string]uint64) bool {
	for _, v := range vecs[1:] {
		if !mapsEqual(vecs[0], v) {
			return false
		}
	}
	return true
}

func vectorTotal(v map[string]uint64) uint64 {
	var n uint64
	for _, s := range v {
		n += s
	}
	return n
}

// BenchmarkPartitionHeal: three sites with real SQLite stores
// (synchronous=FULL) and real nodes on 127.0.0.1 are partitioned (no
// peers, and Dial refuses) while each registers 10,000 visits. Then the
// partition heals: every node gets the other two as peers and is
// triggered for both. The timer runs from the heal until the three
// vectors are equal (polled every 10 ms); each site must verify, store
// and fold the other two sites' 20,000 ops.
func BenchmarkPartitionHeal(b *testing.B) {
	const (
		nSites  = 3
		perSite = 10_000
		writers = 32 // concurrent RegisterVisit callers per site: group commit
	)
	ctx := context.Background()
	var secs float64
	var applied, dials, sent int64
	var writeSecs, cpuSecs float64
	for b.Loop() {
		b.StopTimer()
		testClusters.Delete(b) // a new cluster each round
		dir := b.TempDir()
		type site struct {
			st   *store.Store
			node *Node
			gate *gatedDial
		}
		sites := make([]*site, nSites)
		for i := range sites {
			name := fmt.Sprintf("site-%c", 'a'+i)
			st, err := store.Open(ctx, filepath.Join(dir, name+".db"), name, engine.NewFixedClock(storeMorning))
			if err != nil {
				b.Fatal(err)
			}
			var once gosync.Once
			closeStore := func() { once.Do(func() { st.Close() }) }
			b.Cleanup(closeStore)
			if _, err := st.Apply(ctx, storeSeed()); err != nil {
				b.Fatal(err)
			}
			joinTestCluster(b, st, "rathaus-1")
			g := &gatedDial{}
			g.closed.Store(true)
			n := mustNode(b, st, func(c *Config) {
				c.Dial = g.dial
				c.Interval = time.Second
				c.MaxBackoff = 2 * time.Second
			})
			sites[i] = &site{st: st, node: n, gate: g}
		}

		// Partitioned: every site writes its 10,000 visits, the three at
		// once, each with several writers so that group commit batches.
		start := time.Now()
		var wg gosync.WaitGroup
		errs := make(chan error, nSites*writers)
		for _, s := range sites {
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < perSite; i += writers {
						if _, err := s.st.RegisterVisit(ctx, "reception", engine.NewVisit{
							Building: "rathaus-1", Name: fmt.Sprintf("Maria Schneider %d", i), Phone: "02921 103-0",
							Host: "staff-mueller", Reason: "Rückfrage zum Bescheid"}); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		writeSecs += time.Since(start).Seconds()
		before := make([]uint64, nSites)
		for i, s := range sites {
			v, err := s.st.Vector(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if v[s.st.Site()] != perSite {
				b.Fatalf("%s holds %d own ops, want %d", s.st.Site(), v[s.st.Site()], perSite)
			}
			before[i] = vectorTotal(v)
		}

		// Heal.
		b.StartTimer()
		healed, cpu0 := time.Now(), cputime.Used()
		for i, s := range sites {
			var others []string
			for j, o := range sites {
				if j != i {
					others = append(others, o.node.Addr())
				}
			}
			s.gate.closed.Store(false)
			s.node.SetPeers(func() []string { return others })
			for _, a := range others {
				s.node.Trigger(a)
			}
		}
		vecs := make([]map[string]uint64, nSites)
		deadline := healed.Add(2 * time.Minute)
		for {
			for i, s := range sites {
				v, err := s.st.Vector(ctx)
				if err != nil {
					b.Fatal(err)
				}
				vecs[i] = v
			}
			if convergedVectors(vecs) && vecs[0]["site-a"] == perSite && vecs[0]["site-b"] == perSite && vecs[0]["site-c"] == perSite {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("not converged 2 min after the heal: %v", vecs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(healed)
		cpuSecs += (cputime.Used() - cpu0).Seconds()
		b.StopTimer()
		secs += took.Seconds()
		for i := range sites {
			applied += int64(vectorTotal(vecs[i]) - before[i])
			dials += sites[i].gate.attempts.Load()
		}
		for _, s := range sites {
			s.node.Close() // first: sessions still running add to the counts
			for _, p := range s.node.Status() {
				sent += int64(p.OpsSent)
			}
		}
		b.StartTimer()
	}
	iters := float64(b.N)
	b.ReportMetric(secs/iters, "s-to-converge")
	b.ReportMetric(float64(applied)/secs, "ops-applied/s")
	b.ReportMetric(float64(dials)/iters, "sessions")
	// Ops sent, all sessions: 60,000 if no op travelled twice. Two sites
	// dialling each other at the heal both send their backlogs, and the
	// store verifies an op's signature before it finds it held.
	b.ReportMetric(float64(sent)/iters, "ops-sent")
	b.ReportMetric(writeSecs/iters, "s-partitioned-writes")
	// All three sites' CPU from the heal to convergence (and anything else
	// the process does meanwhile): on a shared machine the wall time says
	// little, this says what the heal costs.
	b.ReportMetric(cpuSecs/iters, "cpu-s-to-converge")
}

// BenchmarkFiftySites: fifty sites in one process, each an in-memory log
// (memLog, signing with its own ed25519 key and verifying every op it
// applies) behind a real node on its own 127.0.0.1 listener with TLS.
// Each site writes 100 ops; the timer runs from the last write until all
// fifty vectors are equal.
//
//   - gossip5: each node knows five peers (the next site in a ring, for
//     connectivity, and four random others) and finds the rest by full
//     syncs every Interval; right after the writes every node is
//     triggered for its five peers. Interval is the default, 3 s.
//   - hints: each node knows every other site, and after the writes gets
//     a "seq" hint from every other site, as Serf's user event would
//     deliver it (Hint), plus full syncs every 3 s.
func BenchmarkFiftySites(b *testing.B) {
	b.Run("gossip5", func(b *testing.B) { benchFiftySites(b, false) })
	b.Run("hints", func(b *testing.B) { benchFiftySites(b, true) })
}

func benchFiftySites(b *testing.B, hints bool) {
	const (
		nSites  = 50
		perSite = 100
		fanout  = 5
	)
	var secs float64
	var sessions, sent int64
	for b.Loop() {
		b.StopTimer()
		logs := make([]*memLog, nSites)
		nodes := make([]*Node, nSites)
		gates := make([]*gatedDial, nSites)
		for i := range logs {
			logs[i] = newMemLog(fmt.Sprintf("site-%02d", i))
			gates[i] = &gatedDial{}
			g := gates[i]
			nodes[i] = mustNode(b, logs[i], func(c *Config) {
				c.Dial = g.dial
				c.Interval = 3 * time.Second
			})
		}
		addrs := make([]string, nSites)
		for i, n := range nodes {
			addrs[i] = n.Addr()
		}
		peers := make([][]string, nSites)
		for i := range nodes {
			if hints {
				for j := range nodes {
					if j != i {
						peers[i] = append(peers[i], addrs[j])
					}
				}
			} else {
				chosen := map[int]bool{(i + 1) % nSites: true}
				for len(chosen) < fanout {
					if j := rand.IntN(nSites); j != i {
						chosen[j] = true
					}
				}
				for j := range chosen {
					peers[i] = append(peers[i], addrs[j])
				}
			}
			p := peers[i]
			nodes[i].SetPeers(func() []string { return p })
		}
		for _, g := range gates {
			g.attempts.Store(0)
		}
		// The writes: fifty sites, 100 signed ops each, one after the other.
		for _, l := range logs {
			l.commit(perSite)
		}
		b.StartTimer()
		last := time.Now()
		for i, n := range nodes {
			if hints {
				for j, l := range logs {
					if j != i {
						n.Hint(l.site, perSite, addrs[j])
					}
				}
			} else {
				for _, a := range peers[i] {
					n.Trigger(a)
				}
			}
		}
		vecs := make([]map[string]uint64, nSites)
		deadline := last.Add(2 * time.Minute)
		for {
			for i, l := range logs {
				vecs[i], _ = l.Vector(context.Background())
			}
			if convergedVectors(vecs) && len(vecs[0]) == nSites && vectorTotal(vecs[0]) == nSites*perSite {
				break
			}
			if time.Now().After(deadline) {
				held := make([]int, nSites)
				for i, l := range logs {
					held[i] = l.count()
				}
				b.Fatalf("not converged 2 min after the last write; ops held: %v", held)
			}
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(last)
		b.StopTimer()
		secs += took.Seconds()
		for _, g := range gates {
			sessions += g.attempts.Load()
		}
		for _, n := range nodes {
			n.Close()
			for _, p := range n.Status() {
				sent += int64(p.OpsSent)
			}
		}
		b.StartTimer()
	}
	iters := float64(b.N)
	b.ReportMetric(secs/iters, "s-to-converge")
	b.ReportMetric(float64(sessions)/iters, "sessions")
	// Ops sent, all sessions: 245,000 (49 × 100 to each of 50) if no op
	// travelled twice.
	b.ReportMetric(float64(sent)/iters, "ops-sent")
}
