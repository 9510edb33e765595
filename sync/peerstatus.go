package sync

import (
	"errors"
	"maps"
	"sort"
	"time"
)

// PeerStatus is what the node knows of one peer: one entry per address it
// dialled, and one per site that only ever dialled in (Addr "").
type PeerStatus struct {
	Addr        string    // dial address; "" for a site only seen dialling in
	Site        string    // from its hello; "" until a session got that far
	LastSync    time.Time // end of the last successful session, either way
	LastError   string    // of the last failed session this node dialled; "" after a success
	LastErrorAt time.Time
	Failures    int // consecutive failed sessions this node dialled
	OpsReceived int // ops from this peer newly applied, all sessions
	OpsSent     int // ops sent to this peer, all sessions
	// Vector is the peer's version vector as last seen: what its hello
	// said, raised after a successful session by what this node sent it
	// (the peer's fin says it applied that). nil until a hello came; the
	// map is replaced, never changed in place.
	Vector   map[string]uint64
	VectorAt time.Time // when Vector was seen
	// Waiting: per origin, the op the peer refuses for now, stamped more
	// than engine.MaxClockAhead ahead of its clock (future.go).
	Waiting []FutureRefusal
}

// seen records the peer's vector from a session, if the hello got that far.
func (p *PeerStatus) seen(vector map[string]uint64, at time.Time) {
	if vector != nil && !at.Before(p.VectorAt) {
		p.Vector, p.VectorAt = vector, at
	}
}

// Status returns what the node knows of each peer, by address.
func (n *Node) Status() []PeerStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]PeerStatus, 0, len(n.status))
	for _, p := range n.status {
		s := *p
		s.Vector = maps.Clone(s.Vector)
		if s.Site != "" {
			s.Waiting = n.waitingList(s.Site)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Addr != out[j].Addr {
			return out[i].Addr < out[j].Addr
		}
		return out[i].Site < out[j].Site
	})
	return out
}

func (n *Node) recordOutgoing(addr string, stats SessionStats, err error) {
	n.learnFuture(stats)
	now := time.Now()
	superseded := n.superseded(stats.Peer, err)
	n.mu.Lock()
	if errors.Is(err, ErrSameSite) {
		n.self[addr] = true
		n.sched.forget(addr)
		n.mu.Unlock()
		n.log.Info("sync: address is this site itself; not dialling it again", "addr", addr)
		return
	}
	p := n.status[addr]
	if p == nil {
		p = &PeerStatus{Addr: addr}
		n.status[addr] = p
	}
	if stats.Peer != "" {
		p.Site = stats.Peer
		// A site first seen dialling in is now known by its address.
		if in := n.status["in:"+stats.Peer]; in != nil {
			delete(n.status, "in:"+stats.Peer)
			p.OpsReceived += in.OpsReceived
			p.OpsSent += in.OpsSent
			if in.LastSync.After(p.LastSync) {
				p.LastSync = in.LastSync
			}
			p.seen(in.Vector, in.VectorAt)
		}
	}
	p.OpsReceived += stats.Applied
	p.OpsSent += stats.Sent
	p.seen(stats.PeerVector, now)
	failures := p.Failures
	if superseded {
		// Neither success nor failure: the other session tells.
		n.sched.record(addr, outcomeSuperseded, now)
		n.mu.Unlock()
		n.log.Debug("sync: session gave way to the other direction's", "addr", addr, "site", stats.Peer)
		return
	}
	if err == nil {
		p.Failures = n.sched.record(addr, outcomeOK, now)
		p.LastSync, p.LastError = now, ""
	} else {
		p.Failures = n.sched.record(addr, outcomeFailed, now)
		p.LastError, p.LastErrorAt = err.Error(), now
	}
	n.mu.Unlock()

	switch {
	case err != nil && failures == 0:
		n.log.Warn("sync failed; backing off", "addr", addr, "site", stats.Peer, "err", err)
	case err != nil:
		n.log.Debug("sync failed again", "addr", addr, "failures", failures+1, "err", err)
	case failures > 0:
		n.log.Info("sync works again", "addr", addr, "site", stats.Peer, "after_failures", failures)
	}
	if err == nil {
		n.logSession("out", addr, stats)
	}
}

// recordIncoming counts a session a peer dialled under the entry that
// already has its site, else under "in:SITE". It updates LastSync and the
// counts only: back-off and LastError are about dialling that peer.
func (n *Node) recordIncoming(stats SessionStats, err error) {
	n.learnFuture(stats)
	n.mu.Lock()
	defer n.mu.Unlock()
	var p *PeerStatus
	for _, q := range n.status {
		if q.Site == stats.Peer {
			p = q
			break
		}
	}
	if p == nil {
		p = &PeerStatus{Site: stats.Peer}
		n.status["in:"+stats.Peer] = p
	}
	now := time.Now()
	p.OpsReceived += stats.Applied
	p.OpsSent += stats.Sent
	p.seen(stats.PeerVector, now)
	if err == nil {
		p.LastSync = now
	}
}
