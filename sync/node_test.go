package sync

import (
	"context"
	"net"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

// fast makes a node's full sync run every few milliseconds.
func fast(c *Config) {
	c.Interval = 20 * time.Millisecond
	c.MaxBackoff = 100 * time.Millisecond
}

func holdsAll(logs []*memLog, n int) bool {
	for _, l := range logs {
		if l.count() != n {
			return false
		}
	}
	return true
}

func TestNodeFullSyncConverges(t *testing.T) {
	logs := []*memLog{newMemLog("a"), newMemLog("b"), newMemLog("c")}
	var nodes []*Node
	for i, l := range logs {
		l.commit(10 * (i + 1))
		nodes = append(nodes, mustNode(t, l, fast))
	}
	// A line: a knows b, b knows c, c knows a; ops travel around.
	for i, n := range nodes {
		next := nodes[(i+1)%len(nodes)].Addr()
		n.SetPeers(func() []string { return []string{next} })
	}
	if !eventually(t, 10*time.Second, func() bool { return holdsAll(logs, 60) }) {
		t.Fatalf("not converged: a %d, b %d, c %d ops; want 60 each", logs[0].count(), logs[1].count(), logs[2].count())
	}
	for _, o := range []string{"a", "b", "c"} {
		sameOps(t, logs[0], logs[1], o)
		sameOps(t, logs[0], logs[2], o)
	}
	if !eventually(t, 5*time.Second, func() bool {
		p := statusOf(nodes[0], nodes[1].Addr())
		return p.Site == "b" && !p.LastSync.IsZero() && p.LastError == ""
	}) {
		t.Errorf("a's status = %+v; want b synced", nodes[0].Status())
	}
}

func TestNodeStatusCountsIncomingSessions(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	a.commit(30)
	b.commit(20)
	na, nb := mustNode(t, a), mustNode(t, b)
	mustSync(t, na, nb)
	// b was dialled: it lists a by site, without an address.
	// a's vector as last seen: its hello's, plus what b sent it.
	want := PeerStatus{Site: "a", OpsReceived: 30, OpsSent: 20, Vector: map[string]uint64{"a": 30, "b": 20}}
	if !eventually(t, 5*time.Second, func() bool { return len(nb.Status()) == 1 }) {
		t.Fatalf("b's status = %+v; want a listed", nb.Status())
	}
	got := nb.Status()[0]
	if got.LastSync.IsZero() {
		t.Error("b's status of a has no last sync")
	}
	if got.VectorAt.IsZero() {
		t.Error("b's status of a has no time for a's vector")
	}
	got.LastSync, got.VectorAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("b's status of a = %+v, want %+v", got, want)
	}
	// Once b dials a, the entry moves to a's address, counts kept.
	a.commit(1)
	mustSync(t, nb, na)
	st := nb.Status()
	if len(st) != 1 || st[0].Addr != na.Addr() || st[0].OpsReceived != 31 {
		t.Errorf("b's status after dialling a = %+v; want one entry at %s with 31 ops received", st, na.Addr())
	}
	if want := map[string]uint64{"a": 31, "b": 20}; len(st) == 1 && !reflect.DeepEqual(st[0].Vector, want) {
		t.Errorf("b sees a's vector %v, want %v", st[0].Vector, want)
	}
}

func TestNodeTrigger(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	na, nb := mustNode(t, a), mustNode(t, b) // full sync an hour away
	a.commit(7)
	nb.Trigger(na.Addr())
	if !eventually(t, 5*time.Second, func() bool { return b.count() == 7 }) {
		t.Fatalf("b holds %d ops after the trigger; want 7", b.count())
	}
}

func TestNodeHint(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	var dials atomic.Int32
	na := mustNode(t, a)
	nb := mustNode(t, b, func(c *Config) { c.Dial = countDials(&dials) })
	a.commit(3)
	nb.Hint("a", 3, na.Addr())
	if !eventually(t, 5*time.Second, func() bool { return b.count() == 3 }) {
		t.Fatalf("b holds %d ops after the hint; want 3", b.count())
	}
	// A hint for what b holds already is dropped; the trigger after it
	// shows the loop has passed it.
	other := mustNode(t, newMemLog("c"))
	nb.Hint("a", 2, na.Addr())
	nb.Trigger(other.Addr())
	if !eventually(t, 5*time.Second, func() bool { return statusOf(nb, other.Addr()).Site == "c" }) {
		t.Fatal("trigger after the stale hint never ran")
	}
	if got := dials.Load(); got != 2 {
		t.Errorf("%d dials; want 2 (the stale hint dials nobody)", got)
	}
}

func countDials(n *atomic.Int32) func(ctx context.Context, addr string) (net.Conn, error) {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		n.Add(1)
		return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
}

func statusOf(n *Node, addr string) PeerStatus {
	for _, p := range n.Status() {
		if p.Addr == addr {
			return p
		}
	}
	return PeerStatus{}
}

func TestNodeUsesSeedsWithoutSerf(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	a.commit(4)
	na := mustNode(t, a)
	mustNode(t, b, fast, func(c *Config) { c.Seeds = []string{na.Addr()} })
	if !eventually(t, 5*time.Second, func() bool { return b.count() == 4 }) {
		t.Fatalf("b holds %d ops; want 4 from its seed", b.count())
	}
}

func TestNodeBacksOffFromFailingPeer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close() // nobody listens there any more

	var dials atomic.Int32
	nb := mustNode(t, newMemLog("b"), func(c *Config) {
		c.Interval = time.Hour // only triggers; the back-off is an hour
		c.Dial = countDials(&dials)
	})
	nb.Trigger(dead)
	if !eventually(t, 5*time.Second, func() bool { return statusOf(nb, dead).Failures == 1 }) {
		t.Fatalf("status = %+v; want one failure", nb.Status())
	}
	// Triggered again while backing off: not dialled. The trigger for a
	// live peer after it shows the loop has passed it.
	live := mustNode(t, newMemLog("c"))
	nb.Trigger(dead)
	nb.Trigger(live.Addr())
	if !eventually(t, 5*time.Second, func() bool { return !statusOf(nb, live.Addr()).LastSync.IsZero() }) {
		t.Fatal("the live peer was never synced")
	}
	if got := dials.Load(); got != 2 {
		t.Errorf("%d dials; want 2 (the failing peer once, the live one once)", got)
	}
	if p := statusOf(nb, dead); p.LastError == "" || p.LastErrorAt.IsZero() {
		t.Errorf("status of the dead peer = %+v; want its error", p)
	}
}

func TestNodeCloseEndsRunningSessions(t *testing.T) {
	a, b := newMemLog("a"), newMemLog("b")
	a.noVerify, b.noVerify = true, true
	a.commit(50_000)
	na := mustNode(t, a)
	nb := mustNode(t, b)
	done := make(chan error, 1)
	go func() { _, err := nb.SyncWith(context.Background(), na.Addr()); done <- err }()
	eventually(t, 5*time.Second, func() bool { return b.count() > 0 })
	nb.Close()
	err := <-done
	if err == nil {
		t.Fatalf("session went on after Close (b holds %d ops)", b.count())
	}
	// What was applied stays; the next session picks up from there.
	held := b.count()
	nb2 := mustNode(t, b)
	if stats := mustSync(t, nb2, na); stats.Applied != 50_000-held || b.count() != 50_000 {
		t.Errorf("resumed: applied %d, b holds %d; want the %d missing", stats.Applied, b.count(), 50_000-held)
	}
}
