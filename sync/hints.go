package sync

import (
	"context"
	"maps"
	"net"
	"strconv"
	"strings"
	"time"
)

// Serf carries two hints for the data plane, both small and lossy (and a
// third for the screens too, visithint.go):
//
//   - the tag "sync" holds a site's data-plane address, so peers know whom
//     to dial (all tags together must stay under 512 bytes: ":7947" when
//     the node listens on every interface, the gossip IP filling in);
//   - the user event "seq" with payload "SITE SEQ" says a site has
//     committed up to SEQ. A site whose vector lacks it syncs with that
//     site at once instead of waiting for its next round.
//
// Neither carries personal data, and losing either only delays a sync.

const (
	syncTag  = "sync"
	seqEvent = "seq"
	// announceGap coalesces announcements: a burst of commits sends one
	// event per gap with the latest seq, not one per commit (Serf's replay
	// ring holds 512 events; hints must not crowd it).
	announceGap = 250 * time.Millisecond
)

// SetSyncAddr advertises the site's data-plane address in the "sync" tag.
// An address on every interface (":7947", "0.0.0.0:7947", "[::]:7947") is
// advertised as ":7947" and peers dial it at this site's gossip IP.
func (m *Membership) SetSyncAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		addr = ":" + port
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	tags := maps.Clone(m.tags)
	tags[syncTag] = addr
	if err := m.serf.SetTags(tags); err != nil {
		return err
	}
	m.tags = tags
	return nil
}

// resolveSyncTag turns a peer's "sync" tag into an address to dial.
func resolveSyncTag(tag string, gossipIP net.IP) string {
	if strings.HasPrefix(tag, ":") && gossipIP != nil {
		return net.JoinHostPort(gossipIP.String(), tag[1:])
	}
	return tag
}

// SyncPeers returns the data-plane addresses of the alive peers that
// advertise one: the candidates of a full sync (Node.SetPeers).
func (m *Membership) SyncPeers() []string {
	var addrs []string
	for _, p := range m.Peers() {
		if p.Status == "alive" && p.Sync != "" {
			addrs = append(addrs, p.Sync)
		}
	}
	return addrs
}

// PeerSyncAddr returns the data-plane address of the named site, or "".
func (m *Membership) PeerSyncAddr(site string) string {
	for _, p := range m.Peers() {
		if p.Site == site {
			return p.Sync
		}
	}
	return ""
}

// OnSeq sets the function called for each other site's "seq" hint. It runs
// on the membership's event goroutine and must not block.
func (m *Membership) OnSeq(f func(site string, seq uint64)) {
	m.mu.Lock()
	m.onSeq = f
	m.mu.Unlock()
}

// AnnounceSeq tells the cluster this site has committed up to seq. Call it
// after local writes; it never blocks, and calls within announceGap of
// each other make one event with the latest seq.
func (m *Membership) AnnounceSeq(seq uint64) {
	m.seqMu.Lock()
	m.seq = max(m.seq, seq)
	m.seqMu.Unlock()
	select {
	case m.announced <- struct{}{}:
	default:
	}
}

func (m *Membership) announce(ctx context.Context) {
	site := m.serf.LocalMember().Name
	var sent uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.announced:
		}
		m.seqMu.Lock()
		seq := m.seq
		m.seqMu.Unlock()
		if seq > sent {
			payload := site + " " + strconv.FormatUint(seq, 10)
			if err := m.serf.UserEvent(seqEvent, []byte(payload), false); err != nil {
				m.log.Debug("announce seq", "seq", seq, "err", err)
			} else {
				sent = seq
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(announceGap):
		}
	}
}

// receiveSeq passes another site's "seq" event to the OnSeq function.
func (m *Membership) receiveSeq(payload []byte) {
	site, seqStr, ok := cutLast(string(payload), ' ')
	seq, err := strconv.ParseUint(seqStr, 10, 64)
	if !ok || err != nil || site == "" {
		m.log.Debug("malformed seq hint", "payload", string(payload))
		return
	}
	if site == m.serf.LocalMember().Name {
		return // Serf delivers a site's own events to it too
	}
	m.mu.Lock()
	f := m.onSeq
	m.mu.Unlock()
	if f != nil {
		f(site, seq)
	}
}

func cutLast(s string, sep byte) (before, after string, found bool) {
	i := strings.LastIndexByte(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// Attach connects the node to Serf: it advertises the node's address in
// the "sync" tag, takes the full sync's peers from the alive members' tags,
// tells peers its gossip address in every hello and has Serf fetch a
// peer's state from the address its hello names (Membership.Reintroduce),
// follows "seq" and visit hints (visithint.go), and announces this site's
// seq after Committed. Call it once, after Start.
func (n *Node) Attach(m *Membership) error {
	if err := m.SetSyncAddr(n.Addr()); err != nil {
		return err
	}
	n.SetPeers(m.SyncPeers)
	n.mu.Lock()
	n.gossip, n.heard = m.Addr(), m.Reintroduce
	n.mu.Unlock()
	m.OnSeq(func(site string, seq uint64) { n.hintVia(m, site, seq) })
	m.OnVisitHint(func(h VisitHint) { n.hintVia(m, h.Origin, h.Seq) })
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.announce(n.ctx, m) }()
	return nil
}

// hintVia passes a hint from Serf to the node, at the site's data-plane
// address from its tag.
func (n *Node) hintVia(m *Membership, site string, seq uint64) {
	if addr := m.PeerSyncAddr(site); addr != "" {
		n.Hint(site, seq, addr)
	}
}

// Committed tells the node that this site wrote ops. It never blocks: the
// site's seq is read from the log and announced (AnnounceSeq) soon after,
// once for a burst of writes. Without Attach it does nothing.
func (n *Node) Committed() {
	select {
	case n.committed <- struct{}{}:
	default:
	}
}

func (n *Node) announce(ctx context.Context, m *Membership) {
	site := n.cfg.Log.Site()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.committed:
		}
		vec, err := n.cfg.Log.Vector(ctx)
		if err != nil {
			n.log.Debug("sync: vector for announcement", "err", err)
			continue
		}
		m.AnnounceSeq(vec[site])
		select {
		case <-ctx.Done():
			return
		case <-time.After(announceGap):
		}
	}
}
