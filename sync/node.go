package sync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"sort"
	gosync "sync"
	"time"
)

// Anti-entropy, after Consul's agent/ae: a node keeps its log in step with
// the cluster by sessions with one peer at a time, in a small loop
//
//	          ┌──────────── Interval ± 25% ───────────┐
//	          ▼                                        │
//	 waiting ──► full sync: a random alive peer ───────┤
//	    │         (Serf's sync tags; the seeds when    │
//	    │          none of those can be tried)         │
//	    └──► triggered sync: Trigger(addr), or a Serf ─┘
//	          "seq" hint whose seq the local vector lacks
//	          (all peers triggered at once, concurrently)
//
// and each session ends in one of two ways for that peer:
//
//	ok     → failures reset; the peer may be chosen again at once
//	failed → back-off: the peer is left alone for Interval·2^(failures-1)
//	         ± 25%, at most MaxBackoff; the others go on
//
// At the same time the node answers peers' sessions on its listener. A
// session is symmetric, so whichever side dials, both logs converge; the
// Serf hints only make it happen sooner. Nothing depends on a hint
// arriving: the full sync finds every gap within a few rounds.

// triggeredAtOnce bounds the triggered sessions a node runs side by side.
// Measured (go test -bench 'PartitionHeal|FiftySites' -benchtime=1x): one
// at a time, 3 sites heal in 2.2 s; all at once, 50 sites take 8–11 s,
// because concurrent sessions relay the same ops to a site; two: 2.0 s and
// 5–9 s.
const triggeredAtOnce = 2

// Config configures a Node. Zero fields take the defaults below.
type Config struct {
	Log Log    // the site's op log; required
	Key []byte // the cluster key (KeySize bytes); required
	// Listen is the data-plane address peers dial, "127.0.0.1:0" by
	// default (port 0 picks a free one; Addr tells which).
	Listen string
	// Seeds are data-plane addresses tried when Serf offers no peer (none
	// known, or all backing off): a site that missed a key change, or whose
	// gossip is blocked, still reaches the data plane.
	Seeds    []string
	Interval time.Duration // between full syncs; 3 s
	Logger   *slog.Logger  // nil: discard
	// Dial opens a TCP connection; tests wrap it. Default: net.Dialer
	// with a 10 s timeout.
	Dial func(ctx context.Context, addr string) (net.Conn, error)

	Batch            int           // ops per batch; DefaultBatch
	HandshakeTimeout time.Duration // TLS handshake; 10 s
	IdleTimeout      time.Duration // a peer silent this long is dropped; 30 s
	MaxBackoff       time.Duration // longest wait after failures; 2 min
	MaxIncoming      int           // concurrent sessions served; 8
	// Tokens, if set, writes the transfer of capacity tokens this site
	// owns to a site that asks for them (RequestTokens).
	Tokens TokenHandler
	// MaxWire is the newest encoding of op batches the site speaks
	// (wire.go); 0 or more than there are: the newest. 1 makes the site
	// speak as one from before the compact encoding (JSON only).
	MaxWire int
}

func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.Interval <= 0 {
		c.Interval = 3 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Dial == nil {
		d := &net.Dialer{Timeout: 10 * time.Second}
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 2 * time.Minute
	}
	if c.MaxIncoming <= 0 {
		c.MaxIncoming = 8
	}
	if c.MaxWire <= 0 || c.MaxWire > wireNewest {
		c.MaxWire = wireNewest
	}
	return c
}

// Node replicates a site's log with its peers: it serves sessions on its
// listener and runs the anti-entropy loop.
type Node struct {
	cfg  Config
	tls  *tls.Config
	scfg sessionConfig
	log  *slog.Logger

	ln     net.Listener
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     gosync.WaitGroup
	close  gosync.Once
	slots  chan struct{} // one per incoming session being served
	wake   chan struct{} // Trigger or Hint happened
	// committed: local writes to announce (Committed, after Attach)
	committed chan struct{}
	// future: ops refused for now, by this site and by its peers
	futureMu gosync.Mutex
	future   futureNotes

	mu      gosync.Mutex
	peers   func() []string
	status  map[string]*peerState // by dial address; "in:SITE" for sites only seen dialing in
	pending map[string]bool       // Trigger addresses not yet synced
	hints   map[string]hint       // by address: a peer's announced seq
	self    map[string]bool       // addresses that turned out to be this site
	active  map[string][]*claimed // running sessions by peer site (see claim)
	// gossip and heard: this site's Serf address for hellos, and where
	// peers' go (set by Attach)
	gossip string
	heard  func(site, gossip string)
}

// claimed is a running session's claim on its peer.
type claimed struct {
	dialled   bool
	supersede func()
}

type hint struct {
	site string
	seq  uint64
}

type peerState struct {
	PeerStatus
	nextTry time.Time
}

// NewNode checks the configuration and derives the channel's identity
// from the cluster key. Start it to listen and sync.
func NewNode(cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if cfg.Log == nil {
		return nil, errors.New("sync: Config.Log is required")
	}
	id, err := newClusterIdentity(cfg.Key)
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg:       cfg,
		tls:       id.tlsConfig(),
		scfg:      sessionConfig{batch: cfg.Batch, idle: cfg.IdleTimeout, logger: cfg.Logger, wire: cfg.MaxWire},
		log:       cfg.Logger,
		slots:     make(chan struct{}, cfg.MaxIncoming),
		wake:      make(chan struct{}, 1),
		committed: make(chan struct{}, 1),
		status:    map[string]*peerState{},
		pending:   map[string]bool{},
		hints:     map[string]hint{},
		self:      map[string]bool{},
		active:    map[string][]*claimed{},
	}
	n.scfg.waiting = n.waitingFor
	return n, nil
}

// Start listens on Config.Listen and starts serving and syncing until ctx
// ends or Close is called.
func (n *Node) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", n.cfg.Listen)
	if err != nil {
		return fmt.Errorf("--sync-listen %q: %w", n.cfg.Listen, err)
	}
	n.ln = ln
	ctx, n.cancel = context.WithCancel(ctx)
	n.ctx = ctx
	n.wg.Add(2)
	go func() { defer n.wg.Done(); n.acceptLoop(ctx) }()
	go func() { defer n.wg.Done(); n.run(ctx) }()
	n.log.Info("sync listening", "addr", n.Addr())
	return nil
}

// Addr returns the address the node listens on (after Start).
func (n *Node) Addr() string { return n.ln.Addr().String() }

// Close stops the loop and the listener, ends running sessions and waits
// for them. What a broken session had applied stays applied.
func (n *Node) Close() error {
	var err error
	n.close.Do(func() {
		if n.cancel == nil {
			return // never started
		}
		n.cancel()
		err = n.ln.Close()
		n.wg.Wait()
	})
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// SetPeers sets where the full sync finds peers' data-plane addresses
// (Membership.SyncPeers); it is called every round.
func (n *Node) SetPeers(peers func() []string) {
	n.mu.Lock()
	n.peers = peers
	n.mu.Unlock()
}

// Trigger asks for a sync with addr as soon as possible, unless that peer
// is backing off. Triggers coalesce: many before the next round make one
// session.
func (n *Node) Trigger(addr string) {
	n.mu.Lock()
	n.pending[addr] = true
	n.mu.Unlock()
	n.poke()
}

// Hint tells the node that site, reachable at addr, has reached seq. If
// the local vector lacks it, the node syncs with addr soon; otherwise the
// hint is dropped. It never blocks: the vector is read in the loop.
func (n *Node) Hint(site string, seq uint64, addr string) {
	n.mu.Lock()
	if h, ok := n.hints[addr]; !ok || h.site != site || h.seq < seq {
		n.hints[addr] = hint{site: site, seq: seq}
	}
	n.mu.Unlock()
	n.poke()
}

func (n *Node) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// run is the anti-entropy loop.
func (n *Node) run(ctx context.Context) {
	// The first full sync comes soon after start: a site that was away
	// catches up before its first interval is over.
	timer := time.NewTimer(jitter(n.cfg.Interval / 4))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
			// A few peers at once: after a heal every site has news for
			// every other, and a site that waits for one peer before the
			// next leaves its own writer idle meanwhile. Not all of them:
			// with dozens of sites, sessions running side by side would
			// send each other the same relayed ops.
			var wg gosync.WaitGroup
			sem := make(chan struct{}, triggeredAtOnce)
			for _, addr := range n.triggered(ctx) {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					n.syncPeer(ctx, addr)
				})
			}
			wg.Wait()
		case <-timer.C:
			if addr := n.pickPeer(); addr != "" {
				n.syncPeer(ctx, addr)
			}
			timer.Reset(jitter(n.cfg.Interval))
		}
	}
}

// triggered takes the pending triggers and the hints the local vector
// lacks.
func (n *Node) triggered(ctx context.Context) []string {
	n.mu.Lock()
	addrs := make([]string, 0, len(n.pending)+len(n.hints))
	for a := range n.pending {
		addrs = append(addrs, a)
	}
	hints := n.hints
	n.pending, n.hints = map[string]bool{}, map[string]hint{}
	n.mu.Unlock()
	if len(hints) > 0 {
		vec, err := n.cfg.Log.Vector(ctx)
		if err != nil {
			n.log.Warn("sync: vector", "err", err)
			return addrs
		}
		for addr, h := range hints {
			if vec[h.site] < h.seq && !contains(addrs, addr) {
				addrs = append(addrs, addr)
			}
		}
	}
	sort.Strings(addrs)
	return addrs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pickPeer chooses the next full sync's peer: a random one of Serf's that
// is not backing off, else a random seed that is not, else none.
func (n *Node) pickPeer() string {
	n.mu.Lock()
	source := n.peers
	n.mu.Unlock()
	var fromSerf []string
	if source != nil {
		fromSerf = source()
	}
	now := time.Now()
	for _, list := range [][]string{fromSerf, n.cfg.Seeds} {
		n.mu.Lock()
		var ready []string
		for _, a := range list {
			if n.ready(a, now) {
				ready = append(ready, a)
			}
		}
		n.mu.Unlock()
		if len(ready) > 0 {
			return ready[rand.IntN(len(ready))]
		}
	}
	return ""
}

// ready reports whether addr may be dialled now. n.mu is held.
func (n *Node) ready(addr string, now time.Time) bool {
	if addr == "" || n.self[addr] {
		return false
	}
	p := n.status[addr]
	return p == nil || !now.Before(p.nextTry)
}

// syncPeer runs a session with addr unless it is backing off.
func (n *Node) syncPeer(ctx context.Context, addr string) {
	n.mu.Lock()
	ok := n.ready(addr, time.Now())
	n.mu.Unlock()
	if !ok {
		n.log.Debug("sync: peer backing off", "addr", addr)
		return
	}
	n.SyncWith(ctx, addr)
}

// SyncWith runs one session with the peer at addr now, whatever its
// back-off, and records the outcome in Status. Close ends it too.
func (n *Node) SyncWith(ctx context.Context, addr string) (SessionStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if n.ctx != nil {
		defer context.AfterFunc(n.ctx, cancel)()
	}
	stats, err := n.dialSession(ctx, addr)
	n.recordOutgoing(addr, stats, err)
	return stats, err
}

func (n *Node) dialSession(ctx context.Context, addr string) (SessionStats, error) {
	raw, err := n.cfg.Dial(ctx, addr)
	if err != nil {
		return SessionStats{}, err
	}
	cc := &countingConn{Conn: raw}
	tc := tls.Client(cc, n.tls)
	if err := handshake(ctx, tc, n.cfg.HandshakeTimeout); err != nil {
		tc.Close()
		return SessionStats{}, err
	}
	return runSession(ctx, tc, cc, n.cfg.Log, n.sessionConfig(true))
}

// sessionConfig is the configuration of a session this node dialled or
// answers.
func (n *Node) sessionConfig(dialled bool) sessionConfig {
	cfg := n.scfg
	n.mu.Lock()
	cfg.gossip, cfg.heard = n.gossip, n.heard
	n.mu.Unlock()
	cfg.claim = func(peer string, supersede func()) (func(), error) {
		return n.claim(peer, dialled, supersede)
	}
	return cfg
}

// claim registers a session with peer once the hellos are exchanged.
// When two sites dial each other at once (a heal triggers both), both
// sessions would send the same backlog. Of two sessions in opposite
// directions, the one dialled by the site whose name sorts first goes on
// and the other gives way: refused here if it comes second, else told to
// stop before its next batch; either way its peer is told, and both ends
// end it with ErrSuperseded. Both sites decide alike whatever order they
// see the hellos in, so the same session gives way on both.
func (n *Node) claim(peer string, dialled bool, supersede func()) (func(), error) {
	keepDialled := n.cfg.Log.Site() < peer
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, o := range n.active[peer] {
		if o.dialled == dialled {
			continue
		}
		if dialled != keepDialled {
			return nil, ErrSuperseded
		}
		o.supersede()
	}
	me := &claimed{dialled: dialled, supersede: supersede}
	n.active[peer] = append(n.active[peer], me)
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		rest := slices.DeleteFunc(n.active[peer], func(c *claimed) bool { return c == me })
		if len(rest) == 0 {
			delete(n.active, peer)
		} else {
			n.active[peer] = rest
		}
	}, nil
}

// superseded reports whether a session with peer that ended in err gave
// way to another: ended by ErrSuperseded on this side, or broken off by
// the peer while another session with it is running here.
func (n *Node) superseded(peer string, err error) bool {
	if errors.Is(err, ErrSuperseded) {
		return true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return err != nil && peer != "" && len(n.active[peer]) > 0
}

// backoff is the wait after the given number of consecutive failures.
func (n *Node) backoff(failures int) time.Duration {
	d := n.cfg.Interval
	for i := 1; i < failures && d < n.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, n.cfg.MaxBackoff)
}

// jitter spreads d by ±25% so that sites started together do not sync in
// lockstep.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d*3/4 + rand.N(d/2+1)
}

func (n *Node) logSession(dir, addr string, s SessionStats) {
	level := slog.LevelDebug
	if s.Sent > 0 || s.Received > 0 {
		level = slog.LevelInfo
	}
	n.log.Log(context.Background(), level, "sync session", "dir", dir, "addr", addr, "site", s.Peer,
		"sent", s.Sent, "received", s.Received, "applied", s.Applied, "skipped", s.Skipped,
		"rejected", s.Rejected, "future", s.Future, "bytes_out", s.BytesSent, "bytes_in", s.BytesReceived,
		"duration", s.Duration.Round(time.Millisecond))
}

func (n *Node) acceptLoop(ctx context.Context) {
	for {
		c, err := n.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			n.log.Warn("sync: accept", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		select {
		case n.slots <- struct{}{}:
		default:
			// Busy: the peer retries in its next round.
			c.Close()
			continue
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			defer func() { <-n.slots }()
			n.serve(ctx, c)
		}()
	}
}

// serve answers one peer's session.
func (n *Node) serve(ctx context.Context, c net.Conn) {
	remote := c.RemoteAddr().String()
	cc := &countingConn{Conn: c}
	tc := tls.Server(cc, n.tls)
	if err := handshake(ctx, tc, n.cfg.HandshakeTimeout); err != nil {
		tc.Close()
		n.log.Warn("sync: refused a connection", "remote", remote, "err", err)
		return
	}
	cfg := n.sessionConfig(false)
	cfg.tokens = n.answerTokens
	stats, err := runSession(ctx, tc, cc, n.cfg.Log, cfg)
	if errors.Is(err, ErrSameSite) || errors.Is(err, errTokenRequest) {
		return
	}
	if n.superseded(stats.Peer, err) {
		n.log.Debug("sync: session gave way to the other direction's", "remote", remote, "site", stats.Peer)
		n.recordIncoming(stats, err)
		return
	}
	if stats.Peer != "" {
		n.recordIncoming(stats, err)
	}
	if err != nil {
		n.log.Warn("sync: session from peer failed", "remote", remote, "site", stats.Peer, "err", err)
		return
	}
	n.logSession("in", remote, stats)
}
