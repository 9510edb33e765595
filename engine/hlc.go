package engine

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// HLC is a hybrid logical clock timestamp: the upper 48 bits are Unix
// milliseconds, the lower 16 bits a logical counter. Ordering HLCs orders ops
// causally: an op stamped after observing another has a larger HLC, even when
// the wall clocks of the two sites disagree.
type HLC uint64

const hlcLogicalBits = 16

// MaxHLC is the highest HLC: the store keeps HLCs in SQLite's signed 64-bit
// integers, so the top bit is never used. Its physical part is in the year
// 6429. HLC arithmetic saturates here: a clock that reaches MaxHLC stays
// there (its ops then share one HLC and keep their order by seq, which the
// fold breaks ties with) rather than wrap around to 1970 or panic.
const MaxHLC HLC = math.MaxInt64

// maxHLCMillis is the physical part of MaxHLC.
const maxHLCMillis = int64(MaxHLC >> hlcLogicalBits)

// MaxClockAhead is how far an op's HLC may run ahead of the wall clock of
// the site that receives it. Sites' clocks drift by seconds; an op stamped
// further ahead comes from a site whose clock is wrong (or from the
// future of a clock that was), and applying it would move the receiver's
// HLC, and with it every op the receiver writes after it, just as far
// ahead: one such op would push the whole cluster into the future for
// good. So a receiver refuses it for now (see store.ApplyRemote) and takes
// it once its own clock is within MaxClockAhead of it. Two sites whose
// clocks differ by more than this do not take each other's newest ops
// until the difference is fixed or time has caught up.
const MaxClockAhead = 5 * time.Minute

// MakeHLC builds an HLC from milliseconds and a logical counter. It
// saturates: milliseconds before 1970 give 0 ms, and a time past MaxHLC's
// gives MaxHLC.
func MakeHLC(ms int64, logical uint16) HLC {
	switch {
	case ms < 0:
		ms = 0
	case ms > maxHLCMillis:
		return MaxHLC
	}
	return HLC(uint64(ms)<<hlcLogicalBits | uint64(logical))
}

// Millis returns the physical part in Unix milliseconds.
func (h HLC) Millis() int64 { return int64(h >> hlcLogicalBits) }

// Logical returns the logical counter.
func (h HLC) Logical() uint16 { return uint16(h) }

// Time returns the physical part as a time.
func (h HLC) Time() time.Time { return time.UnixMilli(h.Millis()) }

// Ahead returns how far h's physical part is ahead of now (negative when
// it is behind). It saturates at the limits of time.Duration (292 years).
func (h HLC) Ahead(now time.Time) time.Duration { return h.Time().Sub(now) }

func (h HLC) String() string {
	return fmt.Sprintf("%s.%d", h.Time().UTC().Format("2006-01-02T15:04:05.000Z"), h.Logical())
}

// HLCClock hands out increasing HLCs. It never goes back, even when the
// wall clock does, and it moves past every HLC it observes from others.
// Each HLC it hands out is greater than the one before, except at MaxHLC,
// where it stays.
type HLCClock struct {
	mu    sync.Mutex
	clock Clock
	last  HLC
}

// NewHLCClock returns a clock that starts after last (the highest HLC already
// stored, so a restarted site never reuses or reorders a stamp).
//
// A site whose wall clock was ahead when it wrote its last ops (and has
// been set right since) therefore keeps stamping from where those ops
// left off: its HLC runs ahead of its wall clock, and other sites refuse
// its new ops for now (MaxClockAhead) until the wall clock has caught up.
// That is the price of never reordering a site's own ops: stamped behind
// its earlier ones, a change would be folded before the change it
// follows (a cancel before its booking) on every site.
func NewHLCClock(clock Clock, last HLC) *HLCClock {
	return &HLCClock{clock: clock, last: min(last, MaxHLC)}
}

// Now returns a new HLC greater than every HLC handed out or observed
// (equal at MaxHLC).
func (c *HLCClock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = next(c.last, c.clock.Now().UnixMilli())
	return c.last
}

// Last returns the last HLC handed out or observed: the next one is
// greater.
func (c *HLCClock) Last() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Observe moves the clock past a received HLC (to MaxHLC at most). It
// trusts its caller: an HLC from another site must be checked against
// MaxClockAhead first, or one op from a wrong clock would drag this one
// along (store.ApplyRemote does). A site's own ops coming back from a
// backup are observed whatever their HLC, so that it never stamps a new
// op before them.
func (c *HLCClock) Observe(remote HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if remote > c.last {
		c.last = min(remote, MaxHLC)
	}
}

// next is the HLC after last at wall-clock time wallMs: wallMs itself
// when it is later, else last's next logical step. It saturates at
// MaxHLC.
func next(last HLC, wallMs int64) HLC {
	switch {
	case last >= MaxHLC:
		return MaxHLC
	case wallMs > last.Millis():
		return MakeHLC(wallMs, 0)
	case last.Logical() == 1<<hlcLogicalBits-1:
		// 65,536 stamps in one millisecond: borrow the next millisecond.
		return MakeHLC(last.Millis()+1, 0)
	}
	return last + 1
}
