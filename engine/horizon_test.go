package engine

import (
	"testing"
	"time"
)

func TestHorizonAtMonthEnd(t *testing.T) {
	tests := []struct {
		name   string
		now    time.Time
		months int
		want   string // the last bookable day
	}{
		{"ordinary", time.Date(2026, 11, 18, 9, 0, 0, 0, Berlin), 3, "2027-02-18"},
		{"30 November + 3 months ends on 28 February", time.Date(2026, 11, 30, 9, 0, 0, 0, Berlin), 3, "2027-02-28"},
		{"31 August + 12 months", time.Date(2026, 8, 31, 23, 30, 0, 0, Berlin), 12, "2027-08-31"},
		{"leap year", time.Date(2027, 11, 30, 9, 0, 0, 0, Berlin), 3, "2028-02-29"},
		{"31 January + 1 month", time.Date(2027, 1, 31, 9, 0, 0, 0, Berlin), 1, "2027-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := horizon(tt.now, tt.months)
			if got := Day(h.Add(-time.Minute)); got != tt.want {
				t.Errorf("last bookable day = %s, want %s", got, tt.want)
			}
			if h.In(Berlin).Hour() != 0 || h.In(Berlin).Minute() != 0 {
				t.Errorf("horizon %v is not a local midnight", h)
			}
		})
	}
}
