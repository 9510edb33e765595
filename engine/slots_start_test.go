package engine

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Allocate tells bad input from a taken slot: a start that can never be a
// slot of the appointment is invalid_field "start" (API.md: 400 naming
// the field); a start FindSlots steps through that is not free, or not
// bookable on this channel now, is slot_taken (409).

func wantBadStart(t *testing.T, err error, why string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidField || e.Field != "start" || e.Rule != RuleFormat {
		t.Fatalf("err = %v, want %s on start (rule %s)", err, CodeInvalidField, RuleFormat)
	}
	if !strings.Contains(e.Detail, why) {
		t.Errorf("detail %q does not say %q", e.Detail, why)
	}
}

func TestAllocateRefusesStartsThatAreNoSlot(t *testing.T) {
	const monday = "2026-11-23"
	b := soestTownHall() // Mon 08:30–12:30, 13:00–16:00; Fri 08:30–12:30
	b.Exceptions = []Exception{{From: "2026-11-25", Closed: true, Reason: "Betriebsausflug"}}
	grid10 := soestTownHall()
	grid10.SlotMinutes = 10
	now := wall(monday, "10:02")
	tests := []struct {
		name     string
		b        Building
		services []string
		start    time.Time
		why      string
	}{
		{"off the grid", b, []string{"ausweis"}, wall(monday, "10:32"), "not on the 5-minute grid of the opening 08:30–12:30"},
		{"off the grid by seconds", b, []string{"ausweis"}, wall(monday, "10:30").Add(30 * time.Second), "grid"},
		{"off the grid by a nanosecond", b, []string{"ausweis"}, wall(monday, "10:30").Add(1), "grid"},
		{"off a 10-minute grid", grid10, []string{"ausweis"}, wall(monday, "10:35"), "not on the 10-minute grid"},
		{"before opening", b, []string{"ausweis"}, wall("2026-11-24", "08:25"), "outside the opening hours (08:30–12:30, 13:00–16:00)"},
		{"in the lunch break", b, []string{"ausweis"}, wall(monday, "12:45"), "outside the opening hours"},
		{"at the lunch break", b, []string{"ausweis"}, wall(monday, "12:30"), "outside the opening hours"},
		{"at closing", b, []string{"ausweis"}, wall(monday, "16:00"), "outside the opening hours"},
		{"in the evening", b, []string{"ausweis"}, wall(monday, "19:00"), "outside the opening hours"},
		{"Friday afternoon", b, []string{"ausweis"}, wall("2026-11-27", "13:00"), "outside the opening hours (08:30–12:30)"},
		{"running into the lunch break", b, []string{"gewerbe"}, wall(monday, "12:10"), "25 minutes from there run past the end of the opening 08:30–12:30"},
		{"running past closing", b, []string{"ausweis"}, wall(monday, "15:50"), "15 minutes from there run past the end of the opening 13:00–16:00"},
		{"four services past closing", b, []string{"ausweis", "beglaubigung", "meldung", "gewerbe"}, wall("2026-11-27", "11:40"), "55 minutes"},
		{"Saturday", b, []string{"ausweis"}, wall("2026-11-28", "10:00"), "rathaus-1 is closed that day"},
		{"a public holiday", b, []string{"ausweis"}, wall("2026-12-25", "10:00"), "closed (1. Weihnachtstag)"},
		{"an exception", b, []string{"ausweis"}, wall("2026-11-25", "10:00"), "closed (Betriebsausflug)"},
		{"earlier today", b, []string{"ausweis"}, wall(monday, "09:00"), "in the past"},
		{"a minute ago", b, []string{"ausweis"}, wall(monday, "10:01"), "in the past"},
		{"yesterday", b, []string{"ausweis"}, wall("2026-11-22", "10:00"), "in the past"},
		{"last Friday", b, []string{"ausweis"}, wall("2026-11-20", "10:00"), "in the past"},
		{"the zero time", b, []string{"ausweis"}, time.Time{}, "in the past"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := catalogOf(tt.b, []Counter{generalist("k1", "rathaus-1")}, nil)
			q := ask("rathaus-1", now, tt.services...)
			_, err := Allocate(cat, NewOccupancyIndex(), q, tt.start)
			wantBadStart(t, err, tt.why)
			if !tt.start.IsZero() {
				q.From, q.Days = Day(tt.start), 1
				for _, s := range mustFind(t, cat, NewOccupancyIndex(), q, 0) {
					if s.Start.Equal(tt.start) {
						t.Fatalf("FindSlots offers %s", tt.start)
					}
				}
			}
		})
	}
}

func TestAllocateTakenStartsAreStarts(t *testing.T) {
	const monday, tuesday = "2026-11-23", "2026-11-24"
	now := wall(monday, "09:02")
	tests := []struct {
		name  string
		setup func(b *Building, counters []Counter, occ *OccupancyIndex, q *Query) []Counter
		start time.Time
	}{
		{"occupied", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			occ.Put(appt("a", "k1", wall(tuesday, "10:00"), 15))
			return ks
		}, wall(tuesday, "10:00")},
		{"overlapping an appointment", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			occ.Put(appt("a", "k1", wall(tuesday, "10:00"), 15))
			return ks
		}, wall(tuesday, "09:50")},
		{"within the lead time", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			b.Booking.MinLeadMinutes = 60
			return ks
		}, wall(monday, "09:30")},
		{"now itself, with a lead time", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			b.Booking.MinLeadMinutes = 10
			q.Now = wall(monday, "09:05")
			return ks
		}, wall(monday, "09:05")},
		{"beyond the horizon", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			b.Booking.HorizonMonths = map[string]int{ChannelDesk: 0}
			return ks
		}, wall(tuesday, "10:00")},
		{"online beyond three months", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			q.Channel = ChannelOnline
			return ks
		}, wall("2027-02-24", "10:00")},
		{"day tickets used up", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			b.Booking.DayTickets = 1
			a := appt("d", "k1", wall(monday, "11:00"), 15)
			a.SameDay = true
			occ.Put(a)
			return ks
		}, wall(monday, "10:00")},
		{"day tickets not open yet", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			b.Booking.DayTickets = 5
			q.Now = wall(monday, "07:30")
			return ks
		}, wall(monday, "10:00")},
		{"only a held-back counter, not today", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			ks[0].HeldBack = true
			return ks
		}, wall(tuesday, "10:00")},
		{"the only counter is absent", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			ks[0].Absences = []DateRange{{From: tuesday}}
			return ks
		}, wall(tuesday, "10:00")},
		{"no counter serves it", func(b *Building, ks []Counter, occ *OccupancyIndex, q *Query) []Counter {
			ks[0].Services = []string{"meldung"}
			return ks
		}, wall(tuesday, "10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, occ := soestTownHall(), NewOccupancyIndex()
			q := ask("rathaus-1", now, "ausweis")
			counters := tt.setup(&b, []Counter{generalist("k1", "rathaus-1")}, occ, &q)
			_, err := Allocate(catalogOf(b, counters, nil), occ, q, tt.start)
			wantErr(t, err, CodeSlotTaken, "start")
			// The same start on an empty, ordinary day is bookable: the
			// refusal was about occupancy, channel or clock.
			_, err = Allocate(catalogOf(soestTownHall(), []Counter{generalist("k1", "rathaus-1")}, nil), NewOccupancyIndex(),
				ask("rathaus-1", wall(monday, "09:02"), "ausweis"), tt.start)
			if err != nil {
				t.Errorf("on an empty day: %v", err)
			}
		})
	}
}

// TestAllocateTheNightTheClocksGoBack: 02:00–03:00 happens twice; FindSlots
// offers the first pass only, and Allocate calls the second a bad start.
func TestAllocateTheNightTheClocksGoBack(t *testing.T) {
	b := Building{ID: "rathaus-1", Hours: week([]int{7}, "01:00-04:00"), SlotMinutes: 30, TicketPrefix: "N"}
	cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1")}, nil)
	q := ask("rathaus-1", wall("2027-10-01", "10:00"), "ausweis")
	first := time.Date(2027, 10, 31, 0, 0, 0, 0, time.UTC)       // 02:00 CEST
	second := time.Date(2027, 10, 31, 1, 0, 0, 0, time.UTC)      // 02:00 CET
	secondHalf := time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC) // 02:30 CET
	afterwards := time.Date(2027, 10, 31, 2, 0, 0, 0, time.UTC)  // 03:00 CET
	for _, start := range []time.Time{first, afterwards} {
		if s, err := Allocate(cat, NewOccupancyIndex(), q, start); err != nil || !s.Start.Equal(start) {
			t.Errorf("Allocate(%s) = %+v, %v", start.In(Berlin), s, err)
		}
	}
	for _, start := range []time.Time{second, secondHalf} {
		_, err := Allocate(cat, NewOccupancyIndex(), q, start)
		wantBadStart(t, err, "clocks go back")
	}
}

// TestFindSlotsAndAllocateAgreeEveryMinute tries every minute of a week:
// what FindSlots offers, Allocate books as offered; what it does not
// offer, Allocate refuses, as a bad start exactly when the minute is not a
// start of the day's openings (or is past).
func TestFindSlotsAndAllocateAgreeEveryMinute(t *testing.T) {
	rooms := []Room{{ID: "bau-1", Building: "rathaus-1", Department: "bauamt"}}
	b := soestTownHall()
	b.Booking.MinLeadMinutes = 30
	cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1"), generalist("k2", "rathaus-1")}, rooms)
	occ := NewOccupancyIndex()
	now := wall("2026-11-23", "10:02")
	for _, services := range [][]string{{"ausweis"}, {"gewerbe", "meldung"}, {"bauberatung"}} {
		q := ask("rathaus-1", now, services...)
		q.From, q.Days = "2026-11-23", 7
		for i, hhmm := range []string{"11:00", "11:00", "13:30", "14:00"} {
			if _, err := Allocate(cat, occ, q, wall("2026-11-24", hhmm)); err == nil {
				bookAt(t, cat, occ, q, services[0]+hhmm+string(rune('a'+i)), wall("2026-11-24", hhmm))
			}
		}
	}
	for _, services := range [][]string{{"ausweis"}, {"gewerbe", "meldung"}, {"bauberatung"}} {
		q := ask("rathaus-1", now, services...)
		q.From, q.Days = "2026-11-23", 7
		p, err := prepare(cat, q)
		if err != nil {
			t.Fatal(err)
		}
		offered := map[time.Time]Slot{}
		for _, s := range mustFind(t, cat, occ, q, 0) {
			offered[s.Start] = s
		}
		for d := range 7 {
			day := At("2026-11-23", 12*60).AddDate(0, 0, d)
			dp := b.Plan(day)
			for m := 6 * 60; m < 19*60; m++ {
				start := At(dp.Day, m)
				isStart := !start.Before(now)
				if isStart {
					isStart = false
					for _, o := range dp.Openings {
						if !start.Before(o.Start) && start.Sub(o.Start)%p.grid == 0 && !start.Add(p.length).After(o.End) {
							isStart = true
						}
					}
				}
				got, err := Allocate(cat, occ, q, start)
				want, ok := offered[start]
				switch {
				case ok && (err != nil || got != want):
					t.Fatalf("%v: Allocate(%s) = %+v, %v; offered %+v", services, start.In(Berlin), got, err, want)
				case !ok && isStart:
					wantErr(t, err, CodeSlotTaken, "start")
				case !ok:
					wantErr(t, err, CodeInvalidField, "start")
				}
			}
		}
	}
}
