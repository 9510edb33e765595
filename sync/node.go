package sync

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	gosync "sync"
	"time"
)

// Anti-entropy, after Consul's agent/ae: a node keeps its log in step with
// the cluster by sessions with its peers, in a small loop. The state
// machine is the schedule (schedule.go), plain values; the node feeds it
// and runs the sessions it plans:
//
//	 Trigger(addr)            ─┐ noted in the schedule;
//	 Hint(site, seq, addr)    ─┤ the loop wakes
//	                           ▼
//	 ┌──► round: the schedule is told Serf's alive peers, the seeds and,
//	 │    if a hint waits, the local vector; it plans
//	 │      triggered  each address triggered, or hinted with a seq the
//	 │                 vector lacks: one session each, however many
//	 │      full       when due (Interval/4 after start, then every
//	 │                 Interval, ± 25%): a random alive peer, else a
//	 │                 random seed, else none
//	 │      wake       when the next full sync is due
//	 │    leaving out this site and the peers backing off (their
//	 │    triggers and hints are dropped)
//	 │                         │
//	 │                         ▼
//	 │    sessions, triggeredAtOnce side by side; each outcome recorded
//	 │                         │
//	 │                         ▼
//	 └─── wait until wake, or a Trigger or Hint
//
// Each session ends in one of three ways for that peer:
//
//	ok         → failures reset; the peer may be chosen again at once
//	failed     → back-off: the peer is left alone for
//	             Interval·2^(failures-1), at most MaxBackoff, ± 25%;
//	             the others go on
//	superseded → neither: it gave way to a session in the other
//	             direction (claim), whose outcome counts
//
// At the same time the node answers peers' sessions on its listener. A
// session is symmetric, so whichever side dials, both logs converge; the
// Serf hints only make it happen sooner. Nothing depends on a hint
// arriving: the full sync finds every gap within a few rounds.

// triggeredAtOnce bounds the sessions of a round (the triggered ones and
// the full sync) that a node runs side by side.
// Measured (go test -bench 'PartitionHeal|FiftySites' -benchtime=1x): one
// at a time, 3 sites heal in 2.2 s; all at once, 50 sites take 8–11 s,
// because concurrent sessions relay the same ops to a site; two: 2.0 s and
// 5–9 s.
const triggeredAtOnce = 2

// Config configures a Node. Zero fields take the defaults below.
type Config struct {
	Log Log // the site's op log; required
	// Identity is the site's ed25519 key (the one its ops are signed
	// with): its TLS identity on the data channel; required.
	Identity ed25519.PrivateKey
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
	// Enroll, if set, redeems an invitation for a site that is not
	// enrolled yet (enroll.go).
	Enroll EnrollHandler
	// Keyring, if set, returns the gossip keys (primary first) handed to
	// an enrolled site that asks: a site that missed a rotation of the
	// cluster key gets the new one over its own identity (enroll.go).
	Keyring func() [][]byte
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
	id   *siteIdentity
	tls  *tls.Config
	scfg sessionConfig
	log  *slog.Logger

	ln     net.Listener
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     gosync.WaitGroup
	close  gosync.Once
	slots  chan struct{} // one per incoming session being served
	wake   chan struct{} // Trigger or Hint noted in the schedule
	// committed: local writes to announce (Committed, after Attach)
	committed chan struct{}
	// future: ops refused for now, by this site and by its peers
	futureMu gosync.Mutex
	future   futureNotes

	mu     gosync.Mutex
	peers  func() []string
	sched  *schedule              // triggers, hints, back-off, the full sync's time
	status map[string]*PeerStatus // by dial address; "in:SITE" for sites only seen dialing in
	self   map[string]bool        // addresses that turned out to be this site
	active map[string][]*claimed  // running sessions by peer site (see claim)
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

// NewNode checks the configuration and derives the channel's identity
// from the cluster key. Start it to listen and sync.
func NewNode(cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if cfg.Log == nil {
		return nil, errors.New("sync: Config.Log is required")
	}
	id, err := newSiteIdentity(cfg.Identity)
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg:       cfg,
		id:        id,
		tls:       id.tlsConfig(),
		scfg:      sessionConfig{batch: cfg.Batch, idle: cfg.IdleTimeout, logger: cfg.Logger, wire: cfg.MaxWire},
		log:       cfg.Logger,
		slots:     make(chan struct{}, cfg.MaxIncoming),
		wake:      make(chan struct{}, 1),
		committed: make(chan struct{}, 1),
		sched:     newSchedule(cfg.Interval, cfg.MaxBackoff, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))),
		status:    map[string]*PeerStatus{},
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
	if !n.self[addr] {
		n.sched.trigger(addr)
	}
	n.mu.Unlock()
	n.poke()
}

// Hint tells the node that site, reachable at addr, has reached seq. If
// the local vector lacks it, the node syncs with addr soon; otherwise the
// hint is dropped. It never blocks: the vector is read in the loop.
func (n *Node) Hint(site string, seq uint64, addr string) {
	n.mu.Lock()
	if !n.self[addr] {
		n.sched.hint(site, seq, addr)
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

// run is the anti-entropy loop: plan a round, run its sessions, wait.
func (n *Node) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p := n.plan(ctx)
		n.syncAll(ctx, p.sessions())
		timer.Reset(time.Until(p.wake))
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-timer.C:
		}
	}
}

// plan asks the schedule what to do now.
func (n *Node) plan(ctx context.Context) plan {
	r := n.round(ctx)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sched.next(time.Now(), r)
}

// round gathers what the schedule needs to know, outside the lock: Serf's
// peers and the seeds without this site's own addresses, and the local
// vector if a hint waits for it.
func (n *Node) round(ctx context.Context) round {
	n.mu.Lock()
	source, hinted, self := n.peers, n.sched.hinted(), maps.Clone(n.self)
	n.mu.Unlock()
	notSelf := func(addrs []string) []string {
		return slices.DeleteFunc(slices.Clone(addrs), func(a string) bool { return self[a] })
	}
	var r round
	if source != nil {
		r.peers = notSelf(source())
	}
	r.seeds = notSelf(n.cfg.Seeds)
	if hinted {
		vec, err := n.cfg.Log.Vector(ctx)
		if err != nil {
			n.log.Warn("sync: vector; the hints wait", "err", err)
		} else {
			r.vector = vec
		}
	}
	return r
}

// syncAll runs a session with each of addrs, a few at once: after a heal
// every site has news for every other, and a site that waits for one peer
// before the next leaves its own writer idle meanwhile. Not all of them:
// with dozens of sites, sessions running side by side would send each
// other the same relayed ops.
func (n *Node) syncAll(ctx context.Context, addrs []string) {
	var wg gosync.WaitGroup
	sem := make(chan struct{}, triggeredAtOnce)
	for _, addr := range addrs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			n.SyncWith(ctx, addr)
		})
	}
	wg.Wait()
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
	tc, cc, site, err := n.dialPeer(ctx, addr)
	if err != nil {
		return SessionStats{Peer: site}, err
	}
	cfg := n.sessionConfig(true)
	cfg.peer = site
	return runSession(ctx, newFrameConn(tc, n.cfg.IdleTimeout), tc, cc, n.cfg.Log, cfg, nil)
}

// dialPeer dials addr, runs the TLS handshake and names the enrolled site
// whose key the peer proved (authenticate); on an error the connection is
// closed. cc counts the bytes under TLS.
func (n *Node) dialPeer(ctx context.Context, addr string) (tc *tls.Conn, cc *countingConn, site string, err error) {
	raw, err := n.cfg.Dial(ctx, addr)
	if err != nil {
		return nil, nil, "", err
	}
	cc = &countingConn{Conn: raw}
	tc = tls.Client(cc, n.tls)
	if err := handshake(ctx, tc, n.cfg.HandshakeTimeout); err != nil {
		tc.Close()
		return nil, nil, "", err
	}
	if site, err = n.authenticate(ctx, tc); err != nil {
		tc.Close()
		return nil, nil, site, err
	}
	return tc, cc, site, nil
}

// authenticate names the enrolled site whose key the peer proved in the
// handshake: ErrSameSite for this site's own key, errNotEnrolled for a
// key no enrolled site has, or one of a revoked site.
func (n *Node) authenticate(ctx context.Context, tc *tls.Conn) (string, error) {
	pub := peerKey(tc)
	if pub.Equal(n.id.pub) {
		return n.cfg.Log.Site(), ErrSameSite
	}
	keys, err := n.cfg.Log.PeerKeys(ctx)
	if err != nil {
		return "", fmt.Errorf("peer keys: %w", err)
	}
	for site, k := range keys {
		if k.Equal(pub) {
			return site, nil
		}
	}
	return "", fmt.Errorf("%w (key %x…)", errNotEnrolled, pub[:min(8, len(pub))])
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

// serve answers one connection. The first frame says what it is: an
// enrollment (the only thing a key that is not enrolled may send), a
// session's hello, a token request, or a request for the gossip keys;
// everything but an enrollment is answered only for the enrolled site
// that proved its key in the handshake, in that site's name.
func (n *Node) serve(ctx context.Context, c net.Conn) {
	remote := c.RemoteAddr().String()
	cc := &countingConn{Conn: c}
	tc := tls.Server(cc, n.tls)
	if err := handshake(ctx, tc, n.cfg.HandshakeTimeout); err != nil {
		tc.Close()
		n.log.Warn("sync: refused a connection", "remote", remote, "err", err)
		return
	}
	site, authErr := n.authenticate(ctx, tc)
	fc := newFrameConn(tc, n.cfg.IdleTimeout)
	first, err := readMessage(fc)
	if err != nil {
		tc.Close()
		switch {
		case authErr == nil:
			n.log.Warn("sync: connection without a first message", "remote", remote, "site", site, "err", err)
		case !errors.Is(authErr, ErrSameSite):
			n.log.Warn("sync: refused a peer that is not enrolled", "remote", remote, "err", authErr)
		}
		return
	}
	if first.Type == msgEnroll {
		defer tc.Close()
		if authErr == nil || errors.Is(authErr, ErrSameSite) {
			writeMessage(fc, message{Type: msgEnrollErr, Error: "this key is enrolled already, as " + site})
			return
		}
		n.answerEnroll(ctx, fc, peerKey(tc), first)
		return
	}
	if errors.Is(authErr, ErrSameSite) {
		tc.Close() // this site dialled itself; it knows why
		return
	}
	if authErr != nil {
		tc.Close()
		n.log.Warn("sync: refused a peer that is not enrolled", "remote", remote, "claims", first.Site, "kind", first.Type, "err", authErr)
		return
	}
	switch first.Type {
	case msgTokens:
		defer tc.Close()
		n.answerTokens(ctx, fc, site, first)
		return
	case msgKeyring:
		defer tc.Close()
		n.answerKeyring(fc, site)
		return
	}
	cfg := n.sessionConfig(false)
	cfg.peer = site
	stats, err := runSession(ctx, fc, tc, cc, n.cfg.Log, cfg, first)
	if errors.Is(err, ErrSameSite) {
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
