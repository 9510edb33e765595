package engine

import (
	"fmt"
	"sync"
	"time"
)

// HLC is a hybrid logical clock timestamp: the upper 48 bits are Unix
// milliseconds, the lower 16 bits a logical counter. Ordering HLCs orders ops
// causally: an op stamped after observing another has a larger HLC, even when
// the wall clocks of the two sites disagree.
type HLC uint64

const hlcLogicalBits = 16

// MakeHLC builds an HLC from milliseconds and a logical counter.
func MakeHLC(ms int64, logical uint16) HLC {
	return HLC(uint64(ms)<<hlcLogicalBits | uint64(logical))
}

// Millis returns the physical part in Unix milliseconds.
func (h HLC) Millis() int64 { return int64(h >> hlcLogicalBits) }

// Logical returns the logical counter.
func (h HLC) Logical() uint16 { return uint16(h) }

// Time returns the physical part as a time.
func (h HLC) Time() time.Time { return time.UnixMilli(h.Millis()) }

func (h HLC) String() string {
	return fmt.Sprintf("%s.%d", h.Time().UTC().Format("2006-01-02T15:04:05.000Z"), h.Logical())
}

// HLCClock hands out strictly increasing HLCs. It never goes back, even when
// the wall clock does, and it moves past every HLC it observes from others.
type HLCClock struct {
	mu    sync.Mutex
	clock Clock
	last  HLC
}

// NewHLCClock returns a clock that starts after last (the highest HLC already
// stored, so a restarted site never reuses or reorders a stamp).
func NewHLCClock(clock Clock, last HLC) *HLCClock {
	return &HLCClock{clock: clock, last: last}
}

// Now returns a new HLC greater than every HLC handed out or observed.
func (c *HLCClock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = next(c.last, c.clock.Now().UnixMilli())
	return c.last
}

// Observe moves the clock past a received HLC.
func (c *HLCClock) Observe(remote HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if remote > c.last {
		c.last = remote
	}
}

func next(last HLC, wallMs int64) HLC {
	if wallMs > last.Millis() {
		return MakeHLC(wallMs, 0)
	}
	if last.Logical() == 1<<hlcLogicalBits-1 {
		// 65,536 stamps in one millisecond: borrow the next millisecond.
		return MakeHLC(last.Millis()+1, 0)
	}
	return last + 1
}
