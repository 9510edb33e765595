package engine

import (
	"testing"
	"time"
)

func TestHLCNeverGoesBack(t *testing.T) {
	clock := NewFixedClock(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	h := NewHLCClock(clock, 0)
	prev := h.Now()
	steps := []time.Duration{0, time.Millisecond, -time.Hour, 0, 10 * time.Minute, -10 * time.Minute, 0}
	for i, d := range steps {
		clock.Add(d)
		got := h.Now()
		if got <= prev {
			t.Fatalf("step %d (clock %+v): HLC %v not after %v", i, d, got, prev)
		}
		prev = got
	}
}

func TestHLCObserve(t *testing.T) {
	clock := NewFixedClock(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	h := NewHLCClock(clock, 0)
	// A peer whose clock runs 10 minutes ahead.
	remote := MakeHLC(clock.Now().Add(10*time.Minute).UnixMilli(), 7)
	h.Observe(remote)
	if got := h.Now(); got <= remote {
		t.Errorf("Now() after Observe = %v, want after %v", got, remote)
	}
}

func TestHLCStartsAfterStored(t *testing.T) {
	clock := NewFixedClock(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	stored := MakeHLC(clock.Now().Add(time.Hour).UnixMilli(), 3) // written before the clock was set back
	if got := NewHLCClock(clock, stored).Now(); got <= stored {
		t.Errorf("first HLC %v, want after the stored %v", got, stored)
	}
}

func TestHLCLogicalOverflow(t *testing.T) {
	clock := NewFixedClock(time.UnixMilli(1000))
	last := MakeHLC(1000, 1<<16-1)
	got := NewHLCClock(clock, last).Now()
	if got <= last || got.Millis() != 1001 {
		t.Errorf("after a full logical counter: %v, want the next millisecond", got)
	}
}
