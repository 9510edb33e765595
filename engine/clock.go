package engine

import (
	"sync"
	"time"
	_ "time/tzdata" // a static binary on a machine without zoneinfo still knows Europe/Berlin
)

// Berlin is the time zone of every rule and everything shown. Storage keeps
// UTC instants.
var Berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot fail
	}
	return loc
}

// Clock tells the time. Every rule that depends on "now" takes one, so tests
// can move it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock is a clock for tests: it stands still until Set or Add moves it.
type FixedClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixedClock returns a clock standing at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t} }

// Now returns the clock's time.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *FixedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock by d.
func (c *FixedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Day returns the local (Europe/Berlin) calendar day of t as YYYY-MM-DD.
func Day(t time.Time) string { return t.In(Berlin).Format(time.DateOnly) }

// ParseDay parses a YYYY-MM-DD day; the error names field.
func ParseDay(field, s string) (string, error) {
	d, err := time.ParseInLocation(time.DateOnly, s, Berlin)
	if err != nil {
		return "", InvalidRule(field, RuleFormat, "want a day as YYYY-MM-DD, got %q", s)
	}
	return d.Format(time.DateOnly), nil
}

// OffsetClock runs at the wall clock's pace from another starting point:
// the demo and browser tests use it to play a weekday morning on any day.
type OffsetClock struct{ Offset time.Duration }

// StartingAt returns a clock that reads start now and runs on from there.
func StartingAt(start time.Time) OffsetClock { return OffsetClock{Offset: time.Until(start)} }

// Now returns the wall clock plus the offset.
func (c OffsetClock) Now() time.Time { return time.Now().Add(c.Offset) }
