package sync

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"pforte/engine"
)

// Ops from the future. A site refuses, for now, an op stamped more than
// engine.MaxClockAhead ahead of its own clock, and every later op of that
// origin with it (store.ApplyRemote): taken, it would drag the site's HLC
// and all it writes after as far ahead. Neither the op nor the peer that
// sent it is at fault (a clock is): the session goes on, the refusal is no
// error, does not count as rejected and leads to no back-off. Both ends
// learn of it:
//
//   - the receiver counts it in the session (SessionStats.Future, in the
//     session's log line), keeps it (Node.Refusing, for the status page)
//     and logs it with origin, seq and how far ahead (nothing personal) as
//     a warning when it is new, and again every refusalReminder while it
//     lasts: a clock a year ahead would otherwise write the same warning
//     every few seconds for a year;
//   - its fin names, per origin, the op it refused so (message.Future; a
//     peer of an older version ignores the field);
//   - the sender keeps that per peer (PeerStatus.Waiting) and logs it the
//     same way: as a warning to check the clock when the op is its own;
//   - in later sessions the sender offers that origin to that peer only up
//     to the refused op: one op per session, not the origin's whole
//     backlog, which the peer would refuse behind it. So a relay that holds
//     such an op does not stream it and its successors every few seconds
//     ahead of the other origins' ops;
//   - once the peer's vector holds the op, the note is dropped, and the
//     origin's later ops follow in the next session.

// refusalReminder is how often a refusal that lasts is logged again.
const refusalReminder = time.Hour

// FutureRefusal is an op refused for now: stamped more than
// engine.MaxClockAhead ahead of the refusing site's clock.
type FutureRefusal struct {
	Origin string
	Seq    uint64
	// Ahead is how far ahead of the refusing site's clock the op was
	// stamped when it was refused.
	Ahead time.Duration
	At    time.Time // when this site learnt of it, by its wall clock
}

// wireFuture is a FutureRefusal in a fin.
type wireFuture struct {
	Origin  string `json:"o"`
	Seq     uint64 `json:"s"`
	AheadMs int64  `json:"ahead_ms"`
}

// noteFuture counts the peer's op refused for now and keeps the first of
// each origin, and reports whether r was refused so. A later op of an
// origin refused so earlier in the session waits for that op (in a later
// batch the store says "gap").
func (s *session) noteFuture(r engine.Rejection) bool {
	first, seen := s.future[r.Origin]
	if !(seen && r.Seq > first.Seq) {
		if r.Ahead <= 0 {
			return false
		}
		if !seen {
			if s.future == nil {
				s.future = map[string]wireFuture{}
			}
			s.future[r.Origin] = wireFuture{Origin: r.Origin, Seq: r.Seq, AheadMs: r.Ahead.Milliseconds()}
			s.stats.RefusedForNow = append(s.stats.RefusedForNow,
				FutureRefusal{Origin: r.Origin, Seq: r.Seq, Ahead: r.Ahead, At: time.Now()})
		}
	}
	s.stats.Future++
	return true
}

// futureNotes lists, for the fin, the ops of the peer's stream this side
// refused for now.
func (s *session) futureNotes() []wireFuture {
	return slices.SortedFunc(maps.Values(s.future), func(a, b wireFuture) int { return strings.Compare(a.Origin, b.Origin) })
}

// peerRefused records what the peer's fin says it refused for now.
func (s *session) peerRefused(fin *message) {
	now := time.Now()
	for _, f := range fin.Future {
		if f.Origin == "" || f.Seq == 0 {
			continue
		}
		s.stats.RefusedByPeer = append(s.stats.RefusedByPeer, FutureRefusal{Origin: f.Origin, Seq: f.Seq,
			Ahead: time.Duration(f.AheadMs) * time.Millisecond, At: now})
	}
}

// takenUpTo is the highest seq of origin the peer holds after a session
// that sent it up to sent: below the op it refused for now, if any.
func (s *session) takenUpTo(origin string, sent uint64) uint64 {
	for _, f := range s.stats.RefusedByPeer {
		if f.Origin == origin && f.Seq <= sent {
			return f.Seq - 1
		}
	}
	return sent
}

// offerUpTo is how far to stream origin to the peer whose hello is peer:
// up to upto, or, while the peer refuses an op of it for now, up to that
// op.
func (s *session) offerUpTo(peer *message, origin string, upto uint64) uint64 {
	if s.cfg.waiting == nil {
		return upto
	}
	if f, ok := s.cfg.waiting(peer.Site, origin); ok && f.Seq > peer.Vector[origin] {
		return min(upto, f.Seq)
	}
	return upto
}

// futureNote is a FutureRefusal a node keeps, with when it last logged it.
type futureNote struct {
	FutureRefusal
	logged time.Time
}

// futureNotes are a node's refusals for now: what its peers refuse of what
// it sends them, and what it refuses of theirs. Node.futureMu guards them.
type futureNotes struct {
	waiting  map[string]map[string]*futureNote // by peer site, per origin: the op the peer refuses
	refusing map[string]*futureNote            // per origin: the op this site refuses
}

// waitingFor returns the op of origin that peer refuses for now, if any.
func (n *Node) waitingFor(peer, origin string) (FutureRefusal, bool) {
	n.futureMu.Lock()
	defer n.futureMu.Unlock()
	f, ok := n.future.waiting[peer][origin]
	if !ok {
		return FutureRefusal{}, false
	}
	return f.FutureRefusal, true
}

// waitingList returns the ops peer refuses for now, by origin.
func (n *Node) waitingList(peer string) []FutureRefusal {
	n.futureMu.Lock()
	defer n.futureMu.Unlock()
	return sortedNotes(n.future.waiting[peer])
}

// Refusing returns the ops of other sites that this site refuses for now,
// per origin the first: stamped more than engine.MaxClockAhead ahead of its
// clock when they last came. Its later ops wait for it.
func (n *Node) Refusing() []FutureRefusal {
	n.futureMu.Lock()
	defer n.futureMu.Unlock()
	return sortedNotes(n.future.refusing)
}

func sortedNotes(notes map[string]*futureNote) []FutureRefusal {
	var out []FutureRefusal
	for _, f := range notes {
		out = append(out, f.FutureRefusal)
	}
	slices.SortFunc(out, func(a, b FutureRefusal) int { return strings.Compare(a.Origin, b.Origin) })
	return out
}

// learnFuture updates a node's refusals from a session and logs what is
// new, or has lasted another refusalReminder.
func (n *Node) learnFuture(stats SessionStats) {
	if stats.Peer == "" {
		return
	}
	var vector map[string]uint64
	n.futureMu.Lock()
	if len(n.future.refusing) > 0 {
		n.futureMu.Unlock()
		// Read outside the lock: the store keeps it in memory, but it
		// takes the store's lock.
		vector, _ = n.cfg.Log.Vector(context.Background())
		n.futureMu.Lock()
	}
	defer n.futureMu.Unlock()
	if n.future.waiting == nil {
		n.future.waiting = map[string]map[string]*futureNote{}
		n.future.refusing = map[string]*futureNote{}
	}
	now := time.Now()

	// What this site refuses of the peer's.
	for origin, f := range n.future.refusing {
		if vector[origin] >= f.Seq {
			delete(n.future.refusing, origin)
			n.log.Info("sync: took the op that was stamped too far ahead of this site's clock", "origin", origin, "seq", f.Seq)
		}
	}
	for _, r := range stats.RefusedForNow {
		if f := n.future.note(n.future.refusing, r, now); f != nil {
			n.log.Warn("sync: refusing ops stamped too far ahead of this site's clock, for now: "+
				"the origin's clock runs (or ran) ahead, or this site's runs behind; "+
				"the op and the origin's later ops are taken once this clock comes near them",
				"peer", stats.Peer, "origin", r.Origin, "seq", r.Seq, "ahead", r.Ahead.Round(time.Second),
				"max_ahead", engine.MaxClockAhead)
		}
	}

	// What the peer refuses of this site's.
	notes := n.future.waiting[stats.Peer]
	for origin, f := range notes {
		if stats.PeerVector[origin] >= f.Seq {
			delete(notes, origin)
			n.log.Info("sync: peer took the op it had refused as stamped ahead of its clock",
				"peer", stats.Peer, "origin", origin, "seq", f.Seq)
		}
	}
	for _, r := range stats.RefusedByPeer {
		if notes == nil {
			notes = map[string]*futureNote{}
			n.future.waiting[stats.Peer] = notes
		}
		f := n.future.note(notes, r, now)
		if f == nil {
			continue
		}
		args := []any{"peer", stats.Peer, "origin", r.Origin, "seq", r.Seq, "ahead", r.Ahead.Round(time.Second),
			"max_ahead", engine.MaxClockAhead}
		if r.Origin == n.cfg.Log.Site() {
			n.log.Warn("sync: peer refuses this site's ops for now: they are stamped too far ahead of its clock, "+
				"so this site's clock runs ahead, or did when it wrote them (check it); "+
				"they and all later ops of this site reach that peer only once its clock comes near them", args...)
		} else {
			n.log.Info("sync: peer refuses a relayed op for now: stamped too far ahead of its clock; "+
				"offering it that op only, until it takes it", args...)
		}
	}
	if len(notes) == 0 {
		delete(n.future.waiting, stats.Peer)
	}
}

// note keeps r in notes and returns its note when it is to be logged: new,
// or last logged refusalReminder ago.
func (fn *futureNotes) note(notes map[string]*futureNote, r FutureRefusal, now time.Time) *futureNote {
	f := notes[r.Origin]
	if f != nil && f.Seq == r.Seq {
		f.Ahead = r.Ahead
		if now.Sub(f.logged) < refusalReminder {
			return nil
		}
		f.logged = now
		return f
	}
	f = &futureNote{FutureRefusal: r, logged: now}
	notes[r.Origin] = f
	return f
}
