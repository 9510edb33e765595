package sync

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestClusterSerfPartitionCrashAndHeal walks the cluster through one
// partition step by step, checking at each what Serf makes of it: the
// sites mark what they cannot reach failed and sync within their side; a
// site that crashes there without a goodbye comes back on new ports,
// reclaims its name and catches up; after healing, gossip finds the other
// side again and the cluster converges by itself.
func TestClusterSerfPartitionCrashAndHeal(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test: four SQLite sites with Serf in real time; not in -short")
	}
	t.Parallel()
	ctx := context.Background()
	c := newCluster(t, 1_000_001)
	a, b, cc, d := c.sites[0], c.sites[1], c.sites[2], c.sites[3]
	if !eventually(t, 10*time.Second, c.serfWhole) {
		c.fatalf("Serf never saw all four sites alive")
	}

	c.net.partition([][]int{{0, 1}, {2, 3}})
	c.logf("partition [0 1] | [2 3]")
	if !c.serfSeesSplit(10 * time.Second) {
		for _, s := range c.sites {
			t.Logf("%s sees %+v", s.name, s.members.Peers())
		}
		c.fatalf("Serf did not mark the other side failed")
	}
	onlyB := func() bool { return slices.Equal(a.members.SyncPeers(), []string{b.addr}) }
	if !eventually(t, 5*time.Second, onlyB) {
		t.Errorf("under the partition %s syncs with %v; want only %s's %s", a.name, a.members.SyncPeers(), b.name, b.addr)
	}

	onA, onC := c.visitAt(a), c.visitAt(cc)
	c.waitHolds(b, onA, "its side's visit")
	c.waitHolds(d, onC, "its side's visit")
	for _, s := range []*clusterSite{cc, d} {
		if _, err := s.st.Visit(ctx, onA); err == nil {
			t.Errorf("%s holds %s's visit across the partition", s.name, a.name)
		}
	}

	oldGossip, oldSync := b.gossip, b.addr
	c.crash(b)
	c.restart(b)
	if b.gossip == oldGossip || b.addr == oldSync {
		t.Fatalf("restart kept the ports (gossip %s, sync %s); want new ones", b.gossip, b.addr)
	}
	if !eventually(t, 10*time.Second, func() bool {
		return a.members.PeerSyncAddr(b.name) == b.addr && slices.Equal(a.members.SyncPeers(), []string{b.addr})
	}) {
		c.fatalf("%s did not take %s back at its new address %s: sees %+v", a.name, b.name, b.addr, a.members.Peers())
	}
	onB := c.visitAt(b)
	c.waitHolds(a, onB, "the restarted site's visit")

	c.net.heal()
	c.logf("heal")
	c.converge(settle)
	for _, id := range []string{onA, onB, onC} {
		for _, s := range c.sites {
			if _, err := s.st.Visit(ctx, id); err != nil {
				t.Errorf("%s lacks visit %s after healing: %v", s.name, id, err)
			}
		}
	}
	c.checkSameDigest()
}

// visitAt registers a visitor at s and returns the visit's id.
func (c *cluster) visitAt(s *clusterSite) string {
	c.t.Helper()
	n := len(c.acks)
	c.register(s)
	if len(c.acks) == n {
		c.fatalf("%s did not register the visitor", s.name)
	}
	return c.acks[n].id
}

// waitHolds waits until s holds the visit, brought by its node.
func (c *cluster) waitHolds(s *clusterSite, visit, what string) {
	c.t.Helper()
	ctx := context.Background()
	if !eventually(c.t, 10*time.Second, func() bool { _, err := s.st.Visit(ctx, visit); return err == nil }) {
		c.fatalf("%s did not receive %s %s; its sessions: %+v", s.name, what, visit, s.node.Status())
	}
}
