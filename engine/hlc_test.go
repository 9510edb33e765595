package engine

import (
	"math"
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

func TestMakeHLCSaturates(t *testing.T) {
	tests := []struct {
		name    string
		ms      int64
		logical uint16
		want    HLC
	}{
		{"1970", 0, 3, 3},
		{"before 1970", -1, 3, 3},
		{"far before 1970", math.MinInt64, 0, 0},
		{"the top millisecond", maxHLCMillis, 7, MaxHLC - (1<<16 - 1) + 7},
		{"one millisecond past the top", maxHLCMillis + 1, 0, MaxHLC},
		{"the 48-bit limit", 1<<48 - 1, 0, MaxHLC},
		{"past the 48-bit limit", 1 << 48, 0, MaxHLC},
		{"math.MaxInt64 ms", math.MaxInt64, 1<<16 - 1, MaxHLC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MakeHLC(tt.ms, tt.logical); got != tt.want {
				t.Errorf("MakeHLC(%d, %d) = %#x, want %#x", tt.ms, tt.logical, uint64(got), uint64(tt.want))
			}
		})
	}
}

// A clock at the top stays there: no wrap-around to 1970, no stamp the
// store cannot keep (SQLite integers are signed), no panic.
func TestHLCClockStaysAtTheTop(t *testing.T) {
	beyond := time.UnixMilli(maxHLCMillis).Add(time.Hour) // in the year 6429
	tests := []struct {
		name  string
		wall  time.Time
		start HLC
	}{
		{"wall clock past the top", beyond, 0},
		{"started at the top", time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), MaxHLC},
		{"started past the top", time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), HLC(math.MaxUint64)},
		{"logical counter full in the top millisecond", time.UnixMilli(maxHLCMillis), MakeHLC(maxHLCMillis, 1<<16-2)},
		{"the 48-bit millisecond limit", time.UnixMilli(1<<48 - 1), MakeHLC(1<<47-2, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHLCClock(NewFixedClock(tt.wall), tt.start)
			prev := h.Last()
			for i := range 3 {
				got := h.Now()
				if got > MaxHLC || got < prev {
					t.Fatalf("stamp %d: %#x after %#x, want between it and MaxHLC", i, uint64(got), uint64(prev))
				}
				prev = got
			}
			if prev != MaxHLC {
				t.Errorf("after three stamps: %#x, want MaxHLC", uint64(prev))
			}
		})
	}
}

func TestHLCObserveSaturates(t *testing.T) {
	clock := NewFixedClock(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	for _, remote := range []HLC{MaxHLC, MaxHLC + 1, HLC(math.MaxUint64)} {
		h := NewHLCClock(clock, 0)
		h.Observe(remote)
		if got := h.Last(); got != MaxHLC {
			t.Errorf("Observe(%#x): last %#x, want MaxHLC", uint64(remote), uint64(got))
		}
		if got := h.Now(); got != MaxHLC {
			t.Errorf("Now after Observe(%#x) = %#x, want MaxHLC", uint64(remote), uint64(got))
		}
	}
}

func TestHLCAhead(t *testing.T) {
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    HLC
		want time.Duration
	}{
		{"now", MakeHLC(now.UnixMilli(), 9), 0},
		{"five minutes ahead", MakeHLC(now.Add(MaxClockAhead).UnixMilli(), 0), MaxClockAhead},
		{"an hour behind", MakeHLC(now.Add(-time.Hour).UnixMilli(), 0), -time.Hour},
		{"the top: saturated, not wrapped", MaxHLC, time.Duration(math.MaxInt64)},
		{"past the top", HLC(math.MaxUint64), time.Duration(math.MaxInt64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.Ahead(now); got != tt.want {
				t.Errorf("Ahead = %v, want %v", got, tt.want)
			}
		})
	}
}
