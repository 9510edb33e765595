package sync

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/serf/serf"
)

// MembershipConfig configures a site's Serf agent.
type MembershipConfig struct {
	Site     string   // node name: the site's name, unique in the cluster
	Building string   // advertised in a tag
	Bind     string   // "127.0.0.1:7946"; port 0 picks a free one
	Join     []string // other sites' gossip addresses
	Key      []byte   // the cluster key; nil means unencrypted (tests, single desk)
	DataDir  string   // holds the Serf snapshot, so a restarted site finds its peers
	// Tune, if set, may change Serf's and memberlist's settings after
	// Pforte's own and before Serf starts. Tests use it to shorten the
	// timers and to put a transport they can cut under the gossip.
	Tune func(*serf.Config)
}

// A site may be away for days (a branch office without a line over a long
// weekend): keep its membership for a month rather than Serf's 24 hours.
const awayTolerance = 30 * 24 * time.Hour

// Membership is a site's view of the cluster through Serf: who is there and
// whether they are alive. Serf carries hints only; data never travels in it.
type Membership struct {
	serf   *serf.Serf
	log    *slog.Logger
	ctx    context.Context // ends at Leave
	cancel context.CancelFunc
	wg     gosync.WaitGroup

	mu    gosync.Mutex
	tags  map[string]string             // as advertised; SetTags replaces them all
	onSeq func(site string, seq uint64) // nil: hints ignored
	// onEvent: the functions other user events go to, by event name
	onEvent map[string][]func(payload []byte)
	// reintroducing: the sites Reintroduce is fetching the state of
	reintroducing map[string]bool

	// ring: the gossip keys (nil: unencrypted), kept in ringFile by Serf
	// when a rotation installs or removes one (keyring.go)
	ring     *memberlist.Keyring
	ringFile string

	announced chan struct{} // AnnounceSeq was called
	seqMu     gosync.Mutex
	seq       uint64 // the latest seq to announce
}

// Peer is another site as Serf sees it.
type Peer struct {
	Site     string
	Building string
	Addr     string // gossip address
	Sync     string // data-plane address from its "sync" tag; "" if none
	Status   string // alive, failed, left, leaving
}

// StartMembership starts the Serf agent and keeps trying to join the given
// sites in the background until one answers.
func StartMembership(cfg MembershipConfig, logger *slog.Logger) (*Membership, error) {
	host, portStr, err := net.SplitHostPort(cfg.Bind)
	if err != nil {
		return nil, fmt.Errorf("--gossip %q: %w", cfg.Bind, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("--gossip %q: bad port", cfg.Bind)
	}
	conf := serf.DefaultConfig()
	conf.Init()
	conf.NodeName = cfg.Site
	conf.Tags = map[string]string{"site": cfg.Site, "building": cfg.Building}
	conf.ReconnectTimeout = awayTolerance
	conf.TombstoneTimeout = awayTolerance
	conf.SnapshotPath = filepath.Join(cfg.DataDir, "serf.snapshot")
	conf.RejoinAfterLeave = true
	// A site that crashed and came back on another address (port 0, a new
	// DHCP lease) must not be voted out as a name conflict, which shuts
	// its Serf down for good; its old self is declared dead and the name
	// reclaimed instead.
	conf.EnableNameConflictResolution = false
	events := make(chan serf.Event, 64)
	conf.EventCh = events
	serfLog := log.New(&slogWriter{logger}, "", 0)
	conf.Logger = serfLog

	ml := memberlist.DefaultLANConfig()
	ml.Name = cfg.Site
	ml.BindAddr, ml.BindPort = host, port
	ml.AdvertiseAddr, ml.AdvertisePort = "", 0
	// The label keeps Pforte's gossip apart from any other Serf on the LAN.
	ml.Label = "pforte"
	// A crashed site's name is free for its restarted self two seconds
	// after the others declared it dead; push-pull every 10 s (LAN
	// default 30 s) tells them the new address soon after.
	ml.DeadNodeReclaimTime = 2 * time.Second
	ml.PushPullInterval = 10 * time.Second
	ring, err := loadKeyring(filepath.Join(cfg.DataDir, keyringFile), cfg.Key)
	if err != nil {
		return nil, err
	}
	if ring != nil {
		ml.Keyring = ring
		conf.KeyringFile = filepath.Join(cfg.DataDir, keyringFile)
	}
	ml.Logger = serfLog
	conf.MemberlistConfig = ml
	if cfg.Tune != nil {
		cfg.Tune(conf)
	}

	s, err := serf.Create(conf)
	if err != nil {
		return nil, fmt.Errorf("start gossip on %s: %w", cfg.Bind, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Membership{serf: s, log: logger, ctx: ctx, cancel: cancel, tags: conf.Tags, announced: make(chan struct{}, 1),
		ring: ring, ringFile: conf.KeyringFile}
	local := s.LocalMember()
	logger.Info("gossip", "addr", net.JoinHostPort(local.Addr.String(), strconv.Itoa(int(local.Port))), "encrypted", cfg.Key != nil)

	m.wg.Add(3)
	go func() { defer m.wg.Done(); m.logEvents(ctx, events) }()
	go func() { defer m.wg.Done(); m.retryJoin(ctx, cfg.Join) }()
	go func() { defer m.wg.Done(); m.announce(ctx) }()
	return m, nil
}

// maxJoinWait caps retryJoin's back-off: a site that restarted on a new
// gossip address while cut off is found within about this long once the
// line is back (Serf does not look for it at the new address by itself).
const maxJoinWait = 10 * time.Second

// retryJoin tries each configured site with back-off until it has answered
// once; after that Serf and its snapshot keep the membership. Every one,
// not just the first: a site that restarted on a new address while it
// reached only some of them must still introduce itself to the others
// once the line is back, because they hold only its old address and
// Serf never looks for the new one.
func (m *Membership) retryJoin(ctx context.Context, addrs []string) {
	pending := slices.Clone(addrs)
	wait := time.Second
	for len(pending) > 0 {
		var failed []string
		var lastErr error
		for _, addr := range pending {
			if n, err := m.serf.Join([]string{addr}, true); n > 0 {
				m.log.Info("joined cluster", "contacted", addr)
			} else {
				failed, lastErr = append(failed, addr), err
			}
		}
		if len(failed) == 0 {
			return
		}
		if len(failed) < len(pending) || wait == time.Second {
			m.log.Warn("join failed, will retry", "addrs", strings.Join(failed, ","), "in", wait, "err", lastErr)
		}
		pending = failed
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, maxJoinWait)
	}
}

func (m *Membership) logEvents(ctx context.Context, events <-chan serf.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-events:
			switch e := e.(type) {
			case serf.MemberEvent:
				for _, mem := range e.Members {
					m.log.Info("member", "event", e.EventType().String(), "site", mem.Name)
				}
			case serf.UserEvent:
				if e.Name == seqEvent {
					m.receiveSeq(e.Payload)
				} else {
					m.userEvent(e.Name, e.Payload)
				}
			}
		}
	}
}

// OnUserEvent adds f to the functions called with the payload of each
// user event named name (every site's, this one's own too: Serf delivers
// them alike). They run on the membership's event goroutine, one after
// the other, and must not block.
func (m *Membership) OnUserEvent(name string, f func(payload []byte)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.onEvent == nil {
		m.onEvent = map[string][]func([]byte){}
	}
	m.onEvent[name] = append(m.onEvent[name], f)
}

func (m *Membership) userEvent(name string, payload []byte) {
	m.mu.Lock()
	fs := m.onEvent[name]
	m.mu.Unlock()
	for _, f := range fs {
		f(payload)
	}
}

// Peers returns the other sites, by name.
func (m *Membership) Peers() []Peer {
	self := m.serf.LocalMember().Name
	var peers []Peer
	for _, mem := range m.serf.Members() {
		if mem.Name == self {
			continue
		}
		peers = append(peers, Peer{
			Site:     mem.Name,
			Building: mem.Tags["building"],
			Addr:     net.JoinHostPort(mem.Addr.String(), strconv.Itoa(int(mem.Port))),
			Sync:     resolveSyncTag(mem.Tags[syncTag], mem.Addr),
			Status:   mem.Status.String(),
		})
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].Site < peers[j].Site })
	return peers
}

// A site that crashed and came back on a new gossip address announces it,
// but its peers refuse the new address as a conflict for as long as they
// hold the old one alive or suspect, and for memberlist's
// DeadNodeReclaimTime after they declared it dead. The restarted site does
// not resend its state by itself: its own refutations and push-pulls often
// fall into that window, and the next push-pull may come tens of seconds
// later, while the peer keeps dialling a dead sync port and cannot push to
// it. So a site that hears from a peer over the data channel (an
// authenticated hello naming the peer's gossip address) fetches that
// peer's state from there once a second, until Serf shows the peer alive
// at that address or reintroduceFor passes.
const (
	reintroduceEvery = time.Second
	reintroduceFor   = time.Minute
)

// Reintroduce is told that site's Serf agent listens at addr (a gossip
// address, host:port). If Serf holds site elsewhere or not at all, it
// joins addr in the background, which merges the peer's own state, until
// Serf holds site alive at addr. It never blocks.
func (m *Membership) Reintroduce(site, addr string) {
	if site == m.serf.LocalMember().Name || m.holds(site, addr) == aliveThere {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx.Err() != nil || m.reintroducing[site] {
		return
	}
	if m.reintroducing == nil {
		m.reintroducing = map[string]bool{}
	}
	m.reintroducing[site] = true
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.reintroduce(site, addr)
		m.mu.Lock()
		delete(m.reintroducing, site)
		m.mu.Unlock()
	}()
}

func (m *Membership) reintroduce(site, addr string) {
	deadline := time.Now().Add(reintroduceFor)
	for time.Now().Before(deadline) {
		switch m.holds(site, addr) {
		case aliveThere:
			m.log.Info("peer at new gossip address", "site", site, "addr", addr)
			return
		case aliveElsewhere:
			// Serf still believes the old address; it refuses the new
			// one until its failure detector declares the old one dead.
		default:
			if _, err := m.serf.Join([]string{addr}, true); err != nil {
				m.log.Debug("reintroduce", "site", site, "addr", addr, "err", err)
			}
		}
		select {
		case <-m.ctx.Done():
			return
		case <-time.After(reintroduceEvery):
		}
	}
	m.log.Warn("peer not reachable at the gossip address it names", "site", site, "addr", addr)
}

// What Serf holds of a site, for Reintroduce.
const (
	unknownOrGone  = iota // not a member, or failed or left
	aliveElsewhere        // alive (or suspect) at another address
	aliveThere            // alive at the address asked about
)

func (m *Membership) holds(site, addr string) int {
	for _, mem := range m.serf.Members() {
		if mem.Name != site {
			continue
		}
		switch {
		case mem.Status != serf.StatusAlive:
			return unknownOrGone
		case net.JoinHostPort(mem.Addr.String(), strconv.Itoa(int(mem.Port))) == addr:
			return aliveThere
		default:
			return aliveElsewhere
		}
	}
	return unknownOrGone
}

// Addr returns the gossip address other sites join.
func (m *Membership) Addr() string {
	l := m.serf.LocalMember()
	return net.JoinHostPort(l.Addr.String(), strconv.Itoa(int(l.Port)))
}

// Leave tells the cluster this site is going (so peers do not wait for it
// as failed) and stops the agent.
func (m *Membership) Leave() error {
	m.mu.Lock()
	m.cancel() // under mu: no Reintroduce starts a goroutine after this
	m.mu.Unlock()
	err := m.serf.Leave()
	if serr := m.serf.Shutdown(); err == nil {
		err = serr
	}
	m.wg.Wait()
	return err
}

// slogWriter forwards Serf's and memberlist's log lines to slog at debug
// level, warnings and errors at their own.
type slogWriter struct{ log *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	switch {
	case strings.Contains(line, "[ERR]"):
		w.log.Error("serf", "msg", line)
	case strings.Contains(line, "[WARN]"):
		w.log.Warn("serf", "msg", line)
	default:
		w.log.Debug("serf", "msg", line)
	}
	return len(p), nil
}

var _ io.Writer = (*slogWriter)(nil)
