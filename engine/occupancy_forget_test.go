package engine

import (
	"testing"
	"time"
)

func TestOccupancyForgetsPastDays(t *testing.T) {
	x := NewOccupancyIndex()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, Berlin) }
	for i, d := range []int{16, 17, 18} {
		x.Put(Appointment{ID: string(rune('a' + i)), Building: "bb", Counter: "bb-1", Status: ApptBooked,
			Start: day(d), End: day(d).Add(15 * time.Minute)})
	}
	x.Forget("2026-11-17")
	if got := len(x.Day("bb", "2026-11-16")); got != 0 {
		t.Errorf("16th still holds %d appointments", got)
	}
	if len(x.Day("bb", "2026-11-17")) != 1 || len(x.Day("bb", "2026-11-18")) != 1 || x.Len() != 2 {
		t.Errorf("17th and 18th must stay: %d, %d, len %d", len(x.Day("bb", "2026-11-17")), len(x.Day("bb", "2026-11-18")), x.Len())
	}
	// A forgotten appointment that changes again is simply put back.
	x.Remove("a")
	if x.Len() != 2 {
		t.Errorf("len after removing a forgotten appointment = %d, want 2", x.Len())
	}
}
