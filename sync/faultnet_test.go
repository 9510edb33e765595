package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"slices"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// simNet is the network between the cluster test's sites, both planes of
// it: every data-plane dial goes through dialer, and every gossip packet
// and stream through a gossipTransport. It knows which site listens where
// and applies the faults of the moment:
//
//   - cut {from, to}: from's dials to to fail, from's gossip packets to to
//     are lost (a partition cuts both ways, a one-way loss one);
//   - data plane: each write on a new connection waits delay, and a flaky
//     share of new connections drops after a random number of bytes;
//   - gossip: a share of packets is lost, a share sent twice, and each may
//     wait up to jitter, so that packets overtake each other.
//
// Connections already open when a cut comes stay open, as TCP connections
// through a link that just failed would until they time out; sever cuts
// two sites apart and drops the data-plane connections open between them,
// as a cable pulled in the middle of an exchange.
type simNet struct {
	mu    gosync.Mutex
	owner map[string]int                       // listen address (data or gossip) → site
	cut   map[[2]int]bool                      // {from, to}
	open  map[[2]int]map[*trackedConn]struct{} // data-plane connections open, by {dialler, listener}
	size  int

	delay time.Duration // data plane, per write
	flaky int           // data plane: % of new connections cut short

	loss, dup int           // gossip: % of packets lost, sent twice
	jitter    time.Duration // gossip: each packet waits up to this

	rng *rand.Rand // faults' own dice, under mu: nodes call in from their goroutines

	dials, refused, cutShort     atomic.Int64
	severed                      atomic.Int64 // open connections dropped by sever
	packets, lost, doubled, late atomic.Int64
	streamsRefused               atomic.Int64
}

var errSimCut = errors.New("simnet: unreachable")

func newSimNet(size int, seed uint64) *simNet {
	return &simNet{owner: map[string]int{}, cut: map[[2]int]bool{}, open: map[[2]int]map[*trackedConn]struct{}{},
		size: size, rng: rand.New(rand.NewPCG(seed, 1))}
}

func (n *simNet) listen(site int, addr string) {
	n.mu.Lock()
	n.owner[addr] = site
	n.mu.Unlock()
}

// blocked reports whether from cannot reach addr now.
func (n *simNet) blocked(from int, addr string) (int, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	to, known := n.owner[addr]
	return to, known && n.cut[[2]int{from, to}]
}

func (n *simNet) dialer(from int) func(ctx context.Context, addr string) (net.Conn, error) {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		n.dials.Add(1)
		if to, cut := n.blocked(from, addr); cut {
			n.refused.Add(1)
			return nil, fmt.Errorf("%w: site %d → site %d", errSimCut, from, to)
		}
		n.mu.Lock()
		delay := n.delay
		budget := int64(-1)
		if n.flaky > 0 && n.rng.IntN(100) < n.flaky {
			budget = 100 + n.rng.Int64N(8_000)
		}
		n.mu.Unlock()
		d := net.Dialer{Timeout: 2 * time.Second}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		if delay > 0 || budget >= 0 {
			c = &faultConn{Conn: c, delay: delay, budget: budget, cuts: &n.cutShort}
		}
		to, known := n.site(addr)
		if !known {
			return c, nil
		}
		return n.track(c, [2]int{from, to}), nil
	}
}

// site returns the site listening at addr.
func (n *simNet) site(addr string) (int, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	to, known := n.owner[addr]
	return to, known
}

// track registers a dialled connection between key's sites until it is
// closed, so that sever can drop it.
func (n *simNet) track(c net.Conn, key [2]int) *trackedConn {
	tc := &trackedConn{Conn: c, n: n, key: key}
	n.mu.Lock()
	if n.open[key] == nil {
		n.open[key] = map[*trackedConn]struct{}{}
	}
	n.open[key][tc] = struct{}{}
	n.mu.Unlock()
	return tc
}

// trackedConn is a data-plane connection the simNet knows is open.
type trackedConn struct {
	net.Conn
	n   *simNet
	key [2]int
}

func (c *trackedConn) Close() error {
	c.n.mu.Lock()
	delete(c.n.open[c.key], c)
	c.n.mu.Unlock()
	return c.Conn.Close()
}

// partition splits the sites into groups that cannot reach each other.
func (n *simNet) partition(groups [][]int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut = map[[2]int]bool{}
	group := map[int]int{}
	for g, members := range groups {
		for _, m := range members {
			group[m] = g
		}
	}
	for a := range n.size {
		for b := range n.size {
			if group[a] != group[b] {
				n.cut[[2]int{a, b}] = true
			}
		}
	}
}

// cutPair cuts a and b apart, both ways, both planes; connections already
// open between them stay open.
func (n *simNet) cutPair(a, b int) {
	n.mu.Lock()
	n.cut[[2]int{a, b}], n.cut[[2]int{b, a}] = true, true
	n.mu.Unlock()
}

// sever cuts a and b apart as cutPair does and drops every data-plane
// connection open between them: a read or write in progress on either
// end fails.
func (n *simNet) sever(a, b int) {
	n.mu.Lock()
	n.cut[[2]int{a, b}], n.cut[[2]int{b, a}] = true, true
	var drop []*trackedConn
	for _, key := range [][2]int{{a, b}, {b, a}} {
		for c := range n.open[key] {
			drop = append(drop, c)
		}
	}
	n.mu.Unlock()
	for _, c := range drop {
		c.Close()
	}
	n.severed.Add(int64(len(drop)))
}

// loseOneWay cuts from → to; to still reaches from.
func (n *simNet) loseOneWay(from, to int) {
	n.mu.Lock()
	n.cut[[2]int{from, to}] = true
	n.mu.Unlock()
}

// reachable reports whether from and to can reach each other both ways.
func (n *simNet) reachable(from, to int) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return !n.cut[[2]int{from, to}] && !n.cut[[2]int{to, from}]
}

// heal ends every fault.
func (n *simNet) heal() {
	n.mu.Lock()
	n.cut = map[[2]int]bool{}
	n.delay, n.flaky, n.loss, n.dup, n.jitter = 0, 0, 0, 0, 0
	n.mu.Unlock()
}

// setLine sets the quality of every line, both planes.
func (n *simNet) setLine(delay time.Duration, flaky, loss, dup int, jitter time.Duration) {
	n.mu.Lock()
	n.delay, n.flaky, n.loss, n.dup, n.jitter = delay, flaky, loss, dup, jitter
	n.mu.Unlock()
}

func (n *simNet) stats() string {
	return fmt.Sprintf("data dials %d, refused %d, lines dropped %d, connections severed %d; gossip packets %d, lost %d, doubled %d, late %d, streams refused %d",
		n.dials.Load(), n.refused.Load(), n.cutShort.Load(), n.severed.Load(),
		n.packets.Load(), n.lost.Load(), n.doubled.Load(), n.late.Load(), n.streamsRefused.Load())
}

// packetFate decides what happens to one gossip packet from → addr: nil
// if it is lost, else one wait per copy that arrives.
func (n *simNet) packetFate(from int, addr string) []time.Duration {
	n.packets.Add(1)
	n.mu.Lock()
	defer n.mu.Unlock()
	if to, known := n.owner[addr]; known && n.cut[[2]int{from, to}] {
		n.lost.Add(1)
		return nil
	}
	if n.loss > 0 && n.rng.IntN(100) < n.loss {
		n.lost.Add(1)
		return nil
	}
	copies := 1
	if n.dup > 0 && n.rng.IntN(100) < n.dup {
		copies = 2
		n.doubled.Add(1)
	}
	waits := make([]time.Duration, copies)
	for i := range waits {
		if n.jitter > 0 {
			waits[i] = time.Duration(n.rng.Int64N(int64(n.jitter)))
		}
	}
	if slices.ContainsFunc(waits, func(d time.Duration) bool { return d > 0 }) {
		n.late.Add(1)
	}
	return waits
}

// gossipTransport is memberlist's own UDP/TCP transport on 127.0.0.1 with
// the simNet in front of what this site sends: packets are lost, doubled
// or delayed, and streams refused, as the faults of the moment say. What
// arrives is not filtered again: every sender is a gossipTransport.
type gossipTransport struct {
	*memberlist.NetTransport
	net  *simNet
	from int

	mu     gosync.Mutex
	closed bool
	wg     gosync.WaitGroup // delayed packets still to send
}

// discardLog silences memberlist's transport.
var discardLog = log.New(io.Discard, "", 0)

var _ memberlist.NodeAwareTransport = (*gossipTransport)(nil)

func newGossipTransport(n *simNet, from int) (*gossipTransport, error) {
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{"127.0.0.1"}, BindPort: 0, Logger: discardLog,
	})
	if err != nil {
		return nil, err
	}
	return &gossipTransport{NetTransport: nt, net: n, from: from}, nil
}

func (g *gossipTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return g.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (g *gossipTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	now := time.Now()
	for _, wait := range g.net.packetFate(g.from, a.Addr) {
		if wait == 0 {
			if _, err := g.NetTransport.WriteToAddress(b, a); err != nil {
				return now, err
			}
			continue
		}
		buf := slices.Clone(b) // memberlist may reuse b once we return
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			break
		}
		g.wg.Add(1)
		g.mu.Unlock()
		time.AfterFunc(wait, func() {
			defer g.wg.Done()
			g.NetTransport.WriteToAddress(buf, a) // lost if the transport is shut down by now
		})
	}
	// A lost packet was sent as far as the sender can tell.
	return now, nil
}

func (g *gossipTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return g.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (g *gossipTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if to, cut := g.net.blocked(g.from, a.Addr); cut {
		g.net.streamsRefused.Add(1)
		return nil, fmt.Errorf("%w: gossip site %d → site %d", errSimCut, g.from, to)
	}
	return g.NetTransport.DialAddressTimeout(a, timeout)
}

// Shutdown waits for the delayed packets (they fail on the closed socket)
// so that none outlives the test.
func (g *gossipTransport) Shutdown() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	err := g.NetTransport.Shutdown()
	g.wg.Wait()
	return err
}

// faultConn is the dialling end of a data-plane connection on a bad line:
// each write waits a little, and after budget bytes (if ≥ 0) the line
// drops.
type faultConn struct {
	net.Conn
	delay  time.Duration
	mu     gosync.Mutex
	budget int64
	cuts   *atomic.Int64
}

func (c *faultConn) Write(p []byte) (int, error) {
	if c.delay > 0 {
		// A real slow line, not a test waiting for something to happen.
		time.Sleep(c.delay)
	}
	c.mu.Lock()
	if c.budget >= 0 {
		c.budget -= int64(len(p))
		if c.budget < 0 {
			c.mu.Unlock()
			c.cuts.Add(1)
			c.Conn.Close()
			return 0, fmt.Errorf("%w: line dropped", errSimCut)
		}
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}
