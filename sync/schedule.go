package sync

import (
	"math/rand/v2"
	"slices"
	"time"
)

// schedule is the anti-entropy state machine of node.go's diagram as plain
// values: the triggers and hints waiting, each failing peer's back-off and
// when the next full sync is due. It dials nothing, reads no clock and
// draws from the random source it is given, so its tests drive it by hand.
// It is not safe for concurrent use; Node calls it under its lock.
type schedule struct {
	interval   time.Duration // between full syncs, ± 25%
	maxBackoff time.Duration // longest wait after failures
	rng        *rand.Rand    // jitter and the full sync's choice of peer

	nextFull time.Time           // zero until the first round
	pending  map[string]bool     // triggered addresses not yet planned
	hints    map[string]hint     // by address: the peer's announced seq
	failing  map[string]*backoff // by address: peers whose last session failed
}

type hint struct {
	site string
	seq  uint64
}

// backoff is a failing peer's state: left alone until then.
type backoff struct {
	failures int
	until    time.Time
}

// round is what the node tells the schedule at the start of a round.
// Addresses of this site itself are left out of peers and seeds.
type round struct {
	peers []string // Serf's alive peers' data-plane addresses
	seeds []string // Config.Seeds
	// vector is the local log's; nil when it was not read (no hint was
	// waiting) or could not be: the hints then wait for a later round.
	vector map[string]uint64
}

// plan is what the node does now.
type plan struct {
	triggered []string  // sync with each at once; sorted
	full      string    // the full sync's peer; "" if not due or none can be tried
	wake      time.Time // ask again then, or at the next Trigger or Hint
}

// sessions are the peers to sync with now, the full sync's last.
func (p plan) sessions() []string {
	if p.full == "" {
		return p.triggered
	}
	return append(slices.Clip(p.triggered), p.full)
}

// outcome is how a session ended, as far as the back-off is concerned.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeFailed
	// outcomeSuperseded: the session gave way to one in the other
	// direction (Node.claim), whose outcome tells.
	outcomeSuperseded
)

func newSchedule(interval, maxBackoff time.Duration, rng *rand.Rand) *schedule {
	return &schedule{
		interval:   interval,
		maxBackoff: maxBackoff,
		rng:        rng,
		pending:    map[string]bool{},
		hints:      map[string]hint{},
		failing:    map[string]*backoff{},
	}
}

// trigger asks for a session with addr in the next round. Triggers
// coalesce: many before it make one session.
func (s *schedule) trigger(addr string) {
	s.pending[addr] = true
}

// hint notes that site, reachable at addr, has reached seq; the next
// round that knows the local vector syncs with addr if the vector lacks
// it. Of several hints for one address the latest seq counts.
func (s *schedule) hint(site string, seq uint64, addr string) {
	if h, ok := s.hints[addr]; !ok || h.site != site || h.seq < seq {
		s.hints[addr] = hint{site: site, seq: seq}
	}
}

// hinted reports whether a hint waits for the local vector.
func (s *schedule) hinted() bool { return len(s.hints) > 0 }

// forget drops all the schedule knows of addr: it turned out to be this
// site itself.
func (s *schedule) forget(addr string) {
	delete(s.pending, addr)
	delete(s.hints, addr)
	delete(s.failing, addr)
}

// next plans the round starting now. It takes the pending triggers, and
// the hints if r has the vector; those for peers backing off are dropped,
// as are hints for what the vector holds. If the full sync is due it picks
// its peer and sets the next one an Interval (± 25%) from now; the first
// is due a quarter Interval after the first round, so that a site that
// was away catches up before its first interval is over.
func (s *schedule) next(now time.Time, r round) plan {
	if s.nextFull.IsZero() {
		s.nextFull = now.Add(s.jitter(s.interval / 4))
	}
	var p plan
	for addr := range s.pending {
		if s.ready(addr, now) {
			p.triggered = append(p.triggered, addr)
		}
	}
	clear(s.pending)
	if r.vector != nil {
		for addr, h := range s.hints {
			if r.vector[h.site] < h.seq && s.ready(addr, now) && !slices.Contains(p.triggered, addr) {
				p.triggered = append(p.triggered, addr)
			}
		}
		clear(s.hints)
	}
	slices.Sort(p.triggered)
	if !now.Before(s.nextFull) {
		p.full = s.pick(now, r, p.triggered)
		s.nextFull = now.Add(s.jitter(s.interval))
	}
	p.wake = s.nextFull
	return p
}

// pick chooses the full sync's peer: a random one of Serf's that is not
// backing off, else a random seed that is not, else none. A peer already
// triggered this round is not chosen again; if it is the only one, none is.
func (s *schedule) pick(now time.Time, r round, triggered []string) string {
	for _, list := range [][]string{r.peers, r.seeds} {
		var ready []string
		for _, addr := range list {
			if s.ready(addr, now) {
				ready = append(ready, addr)
			}
		}
		if len(ready) == 0 {
			continue
		}
		ready = slices.DeleteFunc(ready, func(a string) bool { return slices.Contains(triggered, a) })
		if len(ready) == 0 {
			return ""
		}
		return ready[s.rng.IntN(len(ready))]
	}
	return ""
}

// ready reports whether addr may be dialled now.
func (s *schedule) ready(addr string, now time.Time) bool {
	if addr == "" {
		return false
	}
	b := s.failing[addr]
	return b == nil || !now.Before(b.until)
}

// record counts a session's outcome for addr and returns the peer's
// consecutive failures since. A success resets them; a failure leaves the
// peer alone for Interval·2^(failures-1), at most MaxBackoff, ± 25% (the
// others go on); a session that was superseded changes neither.
func (s *schedule) record(addr string, o outcome, now time.Time) int {
	b := s.failing[addr]
	switch o {
	case outcomeOK:
		delete(s.failing, addr)
		return 0
	case outcomeFailed:
		if b == nil {
			b = &backoff{}
			s.failing[addr] = b
		}
		b.failures++
		b.until = now.Add(s.jitter(s.backoff(b.failures)))
	}
	if b == nil {
		return 0
	}
	return b.failures
}

// backoff is the wait after the given number of consecutive failures,
// before jitter.
func (s *schedule) backoff(failures int) time.Duration {
	d := s.interval
	for i := 1; i < failures && d < s.maxBackoff; i++ {
		d *= 2
	}
	return min(d, s.maxBackoff)
}

// jitter spreads d by ±25% so that sites started together do not sync in
// lockstep, nor retry a failed peer together.
func (s *schedule) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d*3/4 + time.Duration(s.rng.Int64N(int64(d/2)+1))
}
