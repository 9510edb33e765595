package sync

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The schedule is driven by hand here: time is whatever the test says,
// the random source is seeded, nothing is dialled.

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

const (
	testInterval   = time.Second
	testMaxBackoff = 10 * time.Second
)

func newTestSchedule(seed uint64) *schedule {
	return newSchedule(testInterval, testMaxBackoff, rand.New(rand.NewPCG(seed, seed)))
}

// started returns a schedule whose first round has passed at t0, so that
// the next full sync is a few hundred milliseconds away.
func started(seed uint64) *schedule {
	s := newTestSchedule(seed)
	s.next(t0, round{})
	return s
}

func TestBackoffDoublesUpToMax(t *testing.T) {
	s := newTestSchedule(1)
	var got []time.Duration
	for f := 1; f <= 6; f++ {
		got = append(got, s.backoff(f))
	}
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("backoff = %v, want %v", got, want)
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	s := newTestSchedule(2)
	lo, hi := time.Hour, time.Duration(0)
	for range 2000 {
		j := s.jitter(time.Second)
		lo, hi = min(lo, j), max(hi, j)
	}
	if lo < 750*time.Millisecond || hi > 1250*time.Millisecond {
		t.Errorf("jitter(1s) spans %v–%v, want within ±25%%", lo, hi)
	}
	if lo > 760*time.Millisecond || hi < 1240*time.Millisecond {
		t.Errorf("jitter(1s) spans %v–%v, want it to use the whole ±25%%", lo, hi)
	}
	if got := s.jitter(0); got != 0 {
		t.Errorf("jitter(0) = %v, want 0", got)
	}
}

// TestBackoffAfterOutcomes records outcomes at t0 and checks the peer is
// left alone for the back-off's lower bound and may be tried at its upper.
func TestBackoffAfterOutcomes(t *testing.T) {
	const (
		ok         = outcomeOK
		failed     = outcomeFailed
		superseded = outcomeSuperseded
	)
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		outcomes []outcome
		failures int
		lo, hi   time.Duration // not ready before t0+lo, ready from t0+hi
	}{
		{"one failure", []outcome{failed}, 1, 750 * ms, 1250 * ms},
		{"two failures", []outcome{failed, failed}, 2, 1500 * ms, 2500 * ms},
		{"four failures", []outcome{failed, failed, failed, failed}, 4, 6 * time.Second, 10 * time.Second},
		{"capped at MaxBackoff", []outcome{failed, failed, failed, failed, failed, failed}, 6, 7500 * ms, 12500 * ms},
		{"ok resets", []outcome{failed, failed, ok}, 0, 0, 0},
		{"superseded counts as neither failure", []outcome{failed, superseded}, 1, 750 * ms, 1250 * ms},
		{"superseded counts as neither success", []outcome{superseded}, 0, 0, 0},
		{"failure after ok counts from one", []outcome{failed, failed, failed, ok, superseded, failed}, 1, 750 * ms, 1250 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(20) {
				s := newTestSchedule(seed)
				var got int
				for _, o := range tc.outcomes {
					got = s.record("a:1", o, t0)
				}
				if got != tc.failures {
					t.Fatalf("failures = %d, want %d", got, tc.failures)
				}
				if tc.lo > 0 && s.ready("a:1", t0.Add(tc.lo-1)) {
					t.Errorf("seed %d: ready %v after, want backing off for at least %v", seed, tc.lo-1, tc.lo)
				}
				if !s.ready("a:1", t0.Add(tc.hi)) {
					t.Errorf("seed %d: backing off %v after, want ready by then", seed, tc.hi)
				}
			}
		})
	}
}

func TestTriggerCoalesces(t *testing.T) {
	s := started(1)
	for _, a := range []string{"a:1", "b:1", "a:1", "a:1", "b:1"} {
		s.trigger(a)
	}
	s.hint("a", 5, "a:1")
	p := s.next(t0.Add(time.Millisecond), round{vector: map[string]uint64{}})
	if want := []string{"a:1", "b:1"}; !slices.Equal(p.triggered, want) {
		t.Errorf("triggered = %q, want %q", p.triggered, want)
	}
	if p := s.next(t0.Add(2*time.Millisecond), round{vector: map[string]uint64{}}); len(p.triggered) != 0 {
		t.Errorf("the round after: triggered = %q, want none", p.triggered)
	}
}

func TestTriggerWhileBackingOffIsDropped(t *testing.T) {
	s := started(1)
	s.record("a:1", outcomeFailed, t0)
	s.trigger("a:1")
	s.trigger("b:1")
	if p := s.next(t0.Add(time.Millisecond), round{}); !slices.Equal(p.triggered, []string{"b:1"}) {
		t.Errorf("triggered = %q, want only b:1", p.triggered)
	}
	// Not kept for when the back-off ends.
	if p := s.next(t0.Add(2*time.Second), round{}); len(p.triggered) != 0 {
		t.Errorf("after the back-off: triggered = %q, want none", p.triggered)
	}
}

func TestHint(t *testing.T) {
	type h struct {
		site string
		seq  uint64
		addr string
	}
	for _, tc := range []struct {
		name   string
		hints  []h
		vector map[string]uint64
		want   []string
		kept   bool // the hints wait for a round with the vector
	}{
		{"the vector lacks it", []h{{"a", 3, "a:1"}}, map[string]uint64{"a": 2}, []string{"a:1"}, false},
		{"an origin the vector lacks", []h{{"a", 1, "a:1"}}, map[string]uint64{}, []string{"a:1"}, false},
		{"the vector holds it: dropped", []h{{"a", 3, "a:1"}}, map[string]uint64{"a": 3}, nil, false},
		{"the latest seq counts", []h{{"a", 3, "a:1"}, {"a", 5, "a:1"}}, map[string]uint64{"a": 4}, []string{"a:1"}, false},
		{"an older seq does not lower it", []h{{"a", 5, "a:1"}, {"a", 3, "a:1"}}, map[string]uint64{"a": 4}, []string{"a:1"}, false},
		{"another site at the address replaces it", []h{{"a", 5, "a:1"}, {"b", 1, "a:1"}}, map[string]uint64{"b": 1}, nil, false},
		{"one session per address", []h{{"a", 5, "a:1"}, {"b", 2, "b:1"}, {"a", 6, "a:1"}}, map[string]uint64{}, []string{"a:1", "b:1"}, false},
		{"no vector: the hints wait", []h{{"a", 3, "a:1"}}, nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := started(1)
			for _, x := range tc.hints {
				s.hint(x.site, x.seq, x.addr)
			}
			p := s.next(t0.Add(time.Millisecond), round{vector: tc.vector})
			if !slices.Equal(p.triggered, tc.want) {
				t.Errorf("triggered = %q, want %q", p.triggered, tc.want)
			}
			if s.hinted() != tc.kept {
				t.Errorf("hints kept: %v, want %v", s.hinted(), tc.kept)
			}
		})
	}
}

func TestHintWaitsForVector(t *testing.T) {
	s := started(1)
	s.hint("a", 3, "a:1")
	s.next(t0.Add(time.Millisecond), round{})
	p := s.next(t0.Add(2*time.Millisecond), round{vector: map[string]uint64{"a": 1}})
	if !slices.Equal(p.triggered, []string{"a:1"}) {
		t.Errorf("triggered = %q once the vector is known, want a:1", p.triggered)
	}
}

func TestHintWhileBackingOffIsDropped(t *testing.T) {
	s := started(1)
	s.record("a:1", outcomeFailed, t0)
	s.hint("a", 3, "a:1")
	if p := s.next(t0.Add(time.Millisecond), round{vector: map[string]uint64{}}); len(p.triggered) != 0 {
		t.Errorf("triggered = %q, want none", p.triggered)
	}
	if s.hinted() {
		t.Error("the hint is kept; want it dropped")
	}
}

func TestFullSyncTiming(t *testing.T) {
	for seed := range uint64(50) {
		s := newTestSchedule(seed)
		r := round{peers: []string{"a:1"}}
		p := s.next(t0, r)
		if p.full != "" {
			t.Fatalf("seed %d: full sync with %q at once, want it a quarter interval later", seed, p.full)
		}
		if d := p.wake.Sub(t0); d < testInterval*3/16 || d > testInterval*5/16 {
			t.Fatalf("seed %d: first full sync after %v, want Interval/4 ± 25%%", seed, d)
		}
		// Woken early (a trigger): no full sync yet, the same wake.
		early := s.next(p.wake.Add(-time.Nanosecond), r)
		if early.full != "" || !early.wake.Equal(p.wake) {
			t.Fatalf("seed %d: woken early: %+v, want no full sync and wake %v", seed, early, p.wake)
		}
		now := p.wake
		for range 10 {
			p = s.next(now, r)
			if p.full != "a:1" {
				t.Fatalf("seed %d: full sync with %q, want a:1", seed, p.full)
			}
			if d := p.wake.Sub(now); d < testInterval*3/4 || d > testInterval*5/4 {
				t.Fatalf("seed %d: next full sync after %v, want Interval ± 25%%", seed, d)
			}
			now = p.wake
		}
	}
}

func TestFullSyncPeer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		peers     []string
		seeds     []string
		failing   []string
		triggered []string
		want      []string // any of these; none: ""
	}{
		{"an alive peer", []string{"a:1", "b:1"}, []string{"s:1"}, nil, nil, []string{"a:1", "b:1"}},
		{"not one backing off", []string{"a:1", "b:1"}, []string{"s:1"}, []string{"a:1"}, nil, []string{"b:1"}},
		{"no peer: a seed", nil, []string{"s:1", "t:1"}, nil, nil, []string{"s:1", "t:1"}},
		{"all peers backing off: a seed", []string{"a:1"}, []string{"s:1"}, []string{"a:1"}, nil, []string{"s:1"}},
		{"everyone backing off: none", []string{"a:1"}, []string{"s:1"}, []string{"a:1", "s:1"}, nil, nil},
		{"nobody known: none", nil, nil, nil, nil, nil},
		{"not one triggered this round", []string{"a:1", "b:1"}, nil, nil, []string{"a:1"}, []string{"b:1"}},
		{"the only peer triggered: none", []string{"a:1"}, []string{"s:1"}, nil, []string{"a:1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			for seed := range uint64(50) {
				s := started(seed)
				for _, a := range tc.failing {
					s.record(a, outcomeFailed, t0)
				}
				for _, a := range tc.triggered {
					s.trigger(a)
				}
				p := s.next(t0.Add(time.Second/2), round{peers: tc.peers, seeds: tc.seeds})
				seen[p.full] = true
				if p.full == "" && len(tc.want) == 0 {
					continue
				}
				if !slices.Contains(tc.want, p.full) {
					t.Fatalf("seed %d: full sync with %q, want one of %q", seed, p.full, tc.want)
				}
			}
			// The choice is random: over 50 seeds each candidate comes up.
			for _, a := range tc.want {
				if !seen[a] {
					t.Errorf("%q never chosen in 50 rounds", a)
				}
			}
		})
	}
}

// TestBackoffFailingPeerDoesNotHoldBackOthers runs rounds in which a
// always fails and b always succeeds, both triggered every time.
func TestBackoffFailingPeerDoesNotHoldBackOthers(t *testing.T) {
	s := started(7)
	r := round{peers: []string{"a:1", "b:1"}}
	now := t0
	var dialsA, full int
	for i := range 500 {
		now = now.Add(100 * time.Millisecond)
		s.trigger("a:1")
		s.trigger("b:1")
		p := s.next(now, r)
		if !slices.Contains(p.triggered, "b:1") {
			t.Fatalf("round %d: triggered = %q, want b:1 among them", i, p.triggered)
		}
		if p.full != "" {
			full++
		}
		for _, a := range p.sessions() {
			if a == "a:1" {
				dialsA++
				s.record(a, outcomeFailed, now)
			} else {
				s.record(a, outcomeOK, now)
			}
		}
	}
	// In 50 s: after 1, 2, 4 and 8 s ± 25% a's back-off is MaxBackoff
	// (10 s ± 25%) from between 11 and 19 s on, so it is tried 7 to 10
	// times.
	if dialsA < 7 || dialsA > 10 {
		t.Errorf("a was dialled %d times in 50 s, want 7 to 10", dialsA)
	}
	if full != 0 {
		t.Errorf("%d full syncs, want none: both peers are triggered every round", full)
	}
}

// TestScheduleRandomized drives schedules with random triggers, hints,
// vectors, outcomes and clock steps, and checks each plan against a model
// that knows only the bounds the schedule promises.
func TestScheduleRandomized(t *testing.T) {
	addrs := []string{"a:1", "b:1", "c:1", "d:1", "e:1"}
	siteOf := func(addr string) string { return addr[:1] }
	seeds := []string{"s:1"}
	base := newTestSchedule(0)
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 1))
		s := newTestSchedule(seed)
		type peerModel struct {
			failures int
			failedAt time.Time
		}
		model := map[string]*peerModel{}
		for _, a := range append(slices.Clone(addrs), seeds...) {
			model[a] = &peerModel{}
		}
		// The back-off's bounds: surely backing off before lo, surely
		// ready from hi.
		bounds := func(a string) (lo, hi time.Time) {
			m := model[a]
			if m.failures == 0 {
				return time.Time{}, time.Time{}
			}
			b := base.backoff(m.failures)
			return m.failedAt.Add(b * 3 / 4), m.failedAt.Add(b * 5 / 4)
		}
		pending := map[string]bool{}
		hinted := map[string]uint64{}
		now := t0
		var wake time.Time // the last plan's; zero before the first round
		for step := range 300 {
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("seed %d, step %d: "+format, append([]any{seed, step}, args...)...)
			}
			for range rng.IntN(3) {
				a := addrs[rng.IntN(len(addrs))]
				s.trigger(a)
				pending[a] = true
			}
			for range rng.IntN(3) {
				a := addrs[rng.IntN(len(addrs))]
				seq := uint64(rng.IntN(6))
				s.hint(siteOf(a), seq, a)
				hinted[a] = max(hinted[a], seq)
			}
			var r round
			for _, a := range addrs {
				if rng.IntN(3) > 0 {
					r.peers = append(r.peers, a)
				}
			}
			if rng.IntN(2) == 0 {
				r.seeds = seeds
			}
			if rng.IntN(5) > 0 {
				r.vector = map[string]uint64{}
				for _, a := range addrs {
					r.vector[siteOf(a)] = uint64(rng.IntN(6))
				}
			}
			due := !wake.IsZero() && !now.Before(wake)
			p := s.next(now, r)

			// Triggered: exactly the wanted peers that are not backing
			// off, as far as the bounds tell.
			if !slices.IsSorted(p.triggered) || len(slices.Compact(slices.Clone(p.triggered))) != len(p.triggered) {
				fail("triggered = %q, want sorted, each once", p.triggered)
			}
			for _, a := range addrs {
				wanted := pending[a] || (r.vector != nil && hinted[a] > r.vector[siteOf(a)])
				lo, hi := bounds(a)
				got := slices.Contains(p.triggered, a)
				switch {
				case got && !wanted:
					fail("%s triggered, neither triggered nor hinted with news", a)
				case got && now.Before(lo):
					fail("%s triggered while backing off until at least %v", a, lo.Sub(t0))
				case !got && wanted && !now.Before(hi):
					fail("%s not triggered, ready since %v at the latest", a, hi.Sub(t0))
				}
			}
			clear(pending)
			if r.vector != nil {
				clear(hinted)
			}

			// The full sync: when due, from the alive peers not backing
			// off, else the seeds; the next one an Interval later.
			switch {
			case wake.IsZero():
				if d := p.wake.Sub(now); p.full != "" || d < testInterval*3/16 || d > testInterval*5/16 {
					fail("first round: full %q, wake in %v; want none, Interval/4 ± 25%%", p.full, d)
				}
			case !due:
				if p.full != "" || !p.wake.Equal(wake) {
					fail("full %q, wake %v before it was due; want none, wake %v", p.full, p.wake.Sub(t0), wake.Sub(t0))
				}
			default:
				if d := p.wake.Sub(now); d < testInterval*3/4 || d > testInterval*5/4 {
					fail("next full sync in %v, want Interval ± 25%%", d)
				}
				readyPeer := false
				for _, a := range r.peers {
					if _, hi := bounds(a); !now.Before(hi) && !slices.Contains(p.triggered, a) {
						readyPeer = true
					}
				}
				if p.full != "" {
					if lo, _ := bounds(p.full); now.Before(lo) {
						fail("full sync with %s, backing off until at least %v", p.full, lo.Sub(t0))
					}
					if slices.Contains(p.triggered, p.full) {
						fail("full sync with %s, triggered already", p.full)
					}
					if !slices.Contains(r.peers, p.full) && (readyPeer || !slices.Contains(r.seeds, p.full)) {
						fail("full sync with %s; peers %q, seeds %q", p.full, r.peers, r.seeds)
					}
				} else if readyPeer {
					fail("no full sync; an alive peer was ready (peers %q)", r.peers)
				}
			}
			wake = p.wake

			// Outcomes, and now and then a session run by hand (SyncWith)
			// whatever the back-off.
			done := p.sessions()
			if rng.IntN(20) == 0 {
				done = append(done, addrs[rng.IntN(len(addrs))])
			}
			for _, a := range done {
				o := outcome(rng.IntN(3))
				m := model[a]
				switch o {
				case outcomeOK:
					m.failures = 0
				case outcomeFailed:
					m.failures++
					m.failedAt = now
				}
				if got := s.record(a, o, now); got != m.failures {
					fail("record(%s, %d) = %d failures, want %d", a, o, got, m.failures)
				}
			}

			// The clock: a little, a lot, or to the wake.
			switch rng.IntN(3) {
			case 0:
				now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
			case 1:
				now = now.Add(time.Duration(rng.IntN(15)) * time.Second)
			default:
				now = p.wake
			}
		}
	}
}
