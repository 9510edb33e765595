package engine

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The towns' opening hours (DESIGN.md, "Facts from the towns").

// week gives the same ranges ("08:30-12:30") on each of the weekdays.
func week(weekdays []int, ranges ...string) []Interval {
	var out []Interval
	for _, wd := range weekdays {
		for _, r := range ranges {
			out = append(out, Interval{Weekday: wd, Open: r[:5], Close: r[6:]})
		}
	}
	return out
}

func ranges(rs ...string) []TimeRange {
	var out []TimeRange
	for _, r := range rs {
		out = append(out, TimeRange{Open: r[:5], Close: r[6:]})
	}
	return out
}

// soestTownHall: Mon–Wed 08:30–12:30 and 13:00–16:00; Thu 08:30–12:30 and
// 13:00–17:30; Fri 08:30–12:30.
func soestTownHall() Building {
	return Building{
		ID: "rathaus-1", Name: "Rathaus I",
		Hours: slices.Concat(
			week([]int{1, 2, 3}, "08:30-12:30", "13:00-16:00"),
			week([]int{4}, "08:30-12:30", "13:00-17:30"),
			week([]int{5}, "08:30-12:30"),
		),
		HolidayRegion: "NW",
		SlotMinutes:   5,
		TicketPrefix:  "R",
	}
}

// buergerBuero: Mon+Tue 08:00–16:00; Wed+Fri 08:00–12:30; Thu 08:00–18:00.
func buergerBuero() Building {
	return Building{
		ID: "buergerbuero", Name: "Bürger Büro",
		Hours: slices.Concat(
			week([]int{1, 2}, "08:00-16:00"),
			week([]int{3, 5}, "08:00-12:30"),
			week([]int{4}, "08:00-18:00"),
		),
		HolidayRegion: "NW",
		SlotMinutes:   5,
		TicketPrefix:  "B",
	}
}

// dorsten: weekdays, and Saturdays only on the first of the month.
func dorsten() Building {
	return Building{
		ID: "dorsten", Name: "Bürgerbüro Dorsten",
		Hours:         week([]int{1, 2, 3, 4, 5}, "08:00-12:00"),
		MonthlyDays:   []MonthlyDay{{Nth: 1, Weekday: 6, Hours: ranges("09:00-12:00")}},
		HolidayRegion: "NW",
		SlotMinutes:   10,
		TicketPrefix:  "D",
	}
}

// kaarst: Mon–Sat 08:30–12:00 plus Thu 14:00–18:00.
func kaarst() Building {
	return Building{
		ID: "kaarst", Name: "Bürgerbüro Kaarst",
		Hours: slices.Concat(
			week([]int{1, 2, 3, 4, 5, 6}, "08:30-12:00"),
			week([]int{4}, "14:00-18:00"),
		),
		HolidayRegion: "NW",
		SlotMinutes:   15,
		TicketPrefix:  "K",
	}
}

// noon is the middle of a local day, far from both of its midnights.
func noon(day string) time.Time { return At(day, 12*60) }

// clocks shows a plan's openings as local wall-clock ranges.
func clocks(p DayPlan) []string {
	out := []string{}
	for _, o := range p.Openings {
		out = append(out, o.Start.In(Berlin).Format("15:04")+"-"+o.End.In(Berlin).Format("15:04"))
	}
	return out
}

type dayWant struct {
	open    []string // local ranges; empty: closed
	reason  string
	holiday bool
}

func checkPlan(t *testing.T, b Building, day string, want dayWant) {
	t.Helper()
	got := b.Plan(noon(day))
	if got.Day != day {
		t.Errorf("Plan(%s).Day = %q", day, got.Day)
	}
	if want.open == nil {
		want.open = []string{}
	}
	if g := clocks(got); !slices.Equal(g, want.open) {
		t.Errorf("Plan(%s) openings = %v, want %v", day, g, want.open)
	}
	if got.Reason != want.reason {
		t.Errorf("Plan(%s).Reason = %q, want %q", day, got.Reason, want.reason)
	}
	if got.Holiday != want.holiday {
		t.Errorf("Plan(%s).Holiday = %v, want %v", day, got.Holiday, want.holiday)
	}
	if got.Open() != (len(want.open) > 0) {
		t.Errorf("Plan(%s).Open() = %v", day, got.Open())
	}
}

func TestPlanWeeklyHours(t *testing.T) {
	morningAfternoon := []string{"08:30-12:30", "13:00-16:00"}
	tests := []struct {
		name string
		b    Building
		day  string
		want dayWant
	}{
		{"Soest town hall Monday", soestTownHall(), "2026-09-14", dayWant{open: morningAfternoon}},
		{"Soest town hall Tuesday", soestTownHall(), "2026-09-15", dayWant{open: morningAfternoon}},
		{"Soest town hall Wednesday", soestTownHall(), "2026-09-16", dayWant{open: morningAfternoon}},
		{"Soest town hall Thursday till 17:30", soestTownHall(), "2026-09-17", dayWant{open: []string{"08:30-12:30", "13:00-17:30"}}},
		{"Soest town hall Friday morning only", soestTownHall(), "2026-09-18", dayWant{open: []string{"08:30-12:30"}}},
		{"Soest town hall Saturday closed", soestTownHall(), "2026-09-19", dayWant{}},
		{"Soest town hall Sunday closed", soestTownHall(), "2026-09-20", dayWant{}},

		{"Bürger Büro Monday", buergerBuero(), "2026-09-14", dayWant{open: []string{"08:00-16:00"}}},
		{"Bürger Büro Tuesday", buergerBuero(), "2026-09-15", dayWant{open: []string{"08:00-16:00"}}},
		{"Bürger Büro Wednesday", buergerBuero(), "2026-09-16", dayWant{open: []string{"08:00-12:30"}}},
		{"Bürger Büro Thursday", buergerBuero(), "2026-09-17", dayWant{open: []string{"08:00-18:00"}}},
		{"Bürger Büro Friday", buergerBuero(), "2026-09-18", dayWant{open: []string{"08:00-12:30"}}},
		{"Bürger Büro Saturday closed", buergerBuero(), "2026-09-19", dayWant{}},
		{"Bürger Büro Sunday closed", buergerBuero(), "2026-09-20", dayWant{}},

		{"Kaarst Monday", kaarst(), "2026-09-14", dayWant{open: []string{"08:30-12:00"}}},
		{"Kaarst Thursday with afternoon", kaarst(), "2026-09-17", dayWant{open: []string{"08:30-12:00", "14:00-18:00"}}},
		{"Kaarst Friday", kaarst(), "2026-09-18", dayWant{open: []string{"08:30-12:00"}}},
		{"Kaarst Saturday", kaarst(), "2026-09-19", dayWant{open: []string{"08:30-12:00"}}},
		{"Kaarst Sunday closed", kaarst(), "2026-09-20", dayWant{}},

		{"Dorsten weekday", dorsten(), "2026-09-14", dayWant{open: []string{"08:00-12:00"}}},
		{"Dorsten month starting on a Saturday: the 1st is open", dorsten(), "2026-08-01", dayWant{open: []string{"09:00-12:00"}}},
		{"Dorsten second Saturday (the 8th) closed", dorsten(), "2026-08-08", dayWant{}},
		{"Dorsten first Saturday of September", dorsten(), "2026-09-05", dayWant{open: []string{"09:00-12:00"}}},
		{"Dorsten second Saturday of September closed", dorsten(), "2026-09-12", dayWant{}},
		{"Dorsten last Saturday of September closed", dorsten(), "2026-09-26", dayWant{}},
		{"Dorsten first Saturday on the 7th", dorsten(), "2026-11-07", dayWant{open: []string{"09:00-12:00"}}},
		{"Dorsten second Saturday of November closed", dorsten(), "2026-11-14", dayWant{}},
		{"Dorsten first Saturday of the year", dorsten(), "2027-01-02", dayWant{open: []string{"09:00-12:00"}}},
		{"Dorsten second Saturday of the year closed", dorsten(), "2027-01-09", dayWant{}},
		{"Dorsten first Saturday is a holiday", dorsten(), "2026-10-03", dayWant{reason: "Tag der Deutschen Einheit", holiday: true}},
		{"Dorsten first Sunday closed", dorsten(), "2026-09-06", dayWant{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkPlan(t, tt.b, tt.day, tt.want) })
	}
}

func TestPlanMonthlyDays(t *testing.T) {
	lastSaturday := Building{
		Hours:       week([]int{6}, "09:00-10:00", "12:00-13:00"),
		MonthlyDays: []MonthlyDay{{Nth: -1, Weekday: 6, Hours: ranges("10:00-11:00", "09:30-12:00")}},
	}
	fifthMonday := Building{
		MonthlyDays: []MonthlyDay{{Nth: 5, Weekday: 1, Hours: ranges("08:00-09:00")}},
	}
	tests := []struct {
		name string
		b    Building
		day  string
		want []string
	}{
		// Overlapping and touching intervals become one opening.
		{"last Saturday of February merged with the weekly hours", lastSaturday, "2027-02-27", []string{"09:00-13:00"}},
		{"second to last Saturday of February", lastSaturday, "2027-02-20", []string{"09:00-10:00", "12:00-13:00"}},
		{"last Saturday of a 31-day month", lastSaturday, "2027-05-29", []string{"09:00-13:00"}},
		{"second to last Saturday of a 31-day month", lastSaturday, "2027-05-22", []string{"09:00-10:00", "12:00-13:00"}},
		{"a month with five Mondays", fifthMonday, "2026-08-31", []string{"08:00-09:00"}},
		{"fourth Monday", fifthMonday, "2026-08-24", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clocks(tt.b.Plan(noon(tt.day))); !slices.Equal(got, tt.want) {
				t.Errorf("Plan(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestPlanHolidaysNW(t *testing.T) {
	tests := []struct {
		name string
		b    Building
		day  string
		want dayWant
	}{
		{"1. Weihnachtstag", soestTownHall(), "2026-12-25", dayWant{reason: "1. Weihnachtstag", holiday: true}},
		{"2. Weihnachtstag on a Saturday", kaarst(), "2026-12-26", dayWant{reason: "2. Weihnachtstag", holiday: true}},
		{"Neujahr", soestTownHall(), "2027-01-01", dayWant{reason: "Neujahr", holiday: true}},
		{"Karfreitag", soestTownHall(), "2027-03-26", dayWant{reason: "Karfreitag", holiday: true}},
		{"Ostermontag", soestTownHall(), "2027-03-29", dayWant{reason: "Ostermontag", holiday: true}},
		{"Tag der Arbeit on a Saturday", kaarst(), "2027-05-01", dayWant{reason: "Tag der Arbeit", holiday: true}},
		{"Christi Himmelfahrt", soestTownHall(), "2027-05-06", dayWant{reason: "Christi Himmelfahrt", holiday: true}},
		{"Pfingstmontag", soestTownHall(), "2027-05-17", dayWant{reason: "Pfingstmontag", holiday: true}},
		{"Fronleichnam", soestTownHall(), "2027-05-27", dayWant{reason: "Fronleichnam", holiday: true}},
		{"Tag der Deutschen Einheit", soestTownHall(), "2028-10-03", dayWant{reason: "Tag der Deutschen Einheit", holiday: true}},
		{"Allerheiligen on a Sunday is still a holiday", soestTownHall(), "2026-11-01", dayWant{reason: "Allerheiligen", holiday: true}},

		{"Reformationstag is not one in NRW", kaarst(), "2026-10-31", dayWant{open: []string{"08:30-12:00"}}},
		{"Buß- und Bettag is not one in NRW", soestTownHall(), "2026-11-18", dayWant{open: []string{"08:30-12:30", "13:00-16:00"}}},
		{"Heilige Drei Könige is not one in NRW", buergerBuero(), "2027-01-06", dayWant{open: []string{"08:00-12:30"}}},
		{"Mariä Himmelfahrt is not one in NRW", buergerBuero(), "2028-08-15", dayWant{open: []string{"08:00-16:00"}}},
		{"Christmas Eve is a workday", buergerBuero(), "2026-12-24", dayWant{open: []string{"08:00-18:00"}}},
		{"the day after Fronleichnam", soestTownHall(), "2027-05-28", dayWant{open: []string{"08:30-12:30"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkPlan(t, tt.b, tt.day, tt.want) })
	}

	t.Run("no region, no holidays", func(t *testing.T) {
		b := soestTownHall()
		b.HolidayRegion = ""
		checkPlan(t, b, "2026-12-25", dayWant{open: []string{"08:30-12:30"}})
	})
}

func TestPlanExceptions(t *testing.T) {
	withExceptions := func(es ...Exception) Building {
		b := soestTownHall()
		b.Exceptions = es
		return b
	}
	outing := Exception{From: "2026-09-16", To: "2026-09-17", Closed: true, Reason: "Betriebsausflug"}
	tests := []struct {
		name string
		b    Building
		day  string
		want dayWant
	}{
		{"closure range, first day", withExceptions(outing), "2026-09-16", dayWant{reason: "Betriebsausflug"}},
		{"closure range, last day", withExceptions(outing), "2026-09-17", dayWant{reason: "Betriebsausflug"}},
		{"day before the closure", withExceptions(outing), "2026-09-15", dayWant{open: []string{"08:30-12:30", "13:00-16:00"}}},
		{"day after the closure", withExceptions(outing), "2026-09-18", dayWant{open: []string{"08:30-12:30"}}},
		{"single-day closure without To",
			withExceptions(Exception{From: "2026-09-14", Closed: true, Reason: "Personalversammlung"}),
			"2026-09-14", dayWant{reason: "Personalversammlung"}},
		{"shortened day replaces the hours",
			withExceptions(Exception{From: "2026-12-24", Hours: ranges("08:30-11:00")}),
			"2026-12-24", dayWant{open: []string{"08:30-11:00"}}},
		{"extra Saturday",
			withExceptions(Exception{From: "2026-09-19", Hours: ranges("10:00-13:00", "09:00-10:00"), Reason: "Tag der offenen Tür"}),
			"2026-09-19", dayWant{open: []string{"09:00-13:00"}}},
		{"open exception on a holiday wins",
			withExceptions(Exception{From: "2026-12-25", Hours: ranges("10:00-12:00")}),
			"2026-12-25", dayWant{open: []string{"10:00-12:00"}}},
		{"closed exception on a holiday gives its own reason",
			withExceptions(Exception{From: "2026-12-24", To: "2027-01-01", Closed: true, Reason: "Betriebsferien"}),
			"2026-12-25", dayWant{reason: "Betriebsferien"}},
		{"the first covering exception wins",
			withExceptions(
				Exception{From: "2026-09-14", To: "2026-09-18", Closed: true, Reason: "Umzug"},
				Exception{From: "2026-09-15", Hours: ranges("08:00-09:00")},
			),
			"2026-09-15", dayWant{reason: "Umzug"}},
		{"an exception elsewhere leaves the holiday",
			withExceptions(outing),
			"2026-12-25", dayWant{reason: "1. Weihnachtstag", holiday: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkPlan(t, tt.b, tt.day, tt.want) })
	}
}

// TestPlanTakesTheBerlinDay: an instant belongs to its local day, even when
// its UTC date is another.
func TestPlanTakesTheBerlinDay(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"just after local midnight, summer", time.Date(2026, 9, 13, 22, 30, 0, 0, time.UTC), "2026-09-14"},
		{"just before local midnight, summer", time.Date(2026, 9, 14, 21, 59, 0, 0, time.UTC), "2026-09-14"},
		{"just after local midnight, winter", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2027-01-01"},
		{"an instant in another zone", time.Date(2026, 9, 14, 20, 0, 0, 0, time.FixedZone("EDT", -4*3600)), "2026-09-15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := soestTownHall().Plan(tt.t).Day; got != tt.want {
				t.Errorf("Plan(%s).Day = %s, want %s", tt.t, got, tt.want)
			}
		})
	}
}

// TestPlanSummerTime: the weeks around both changes of 2027 keep every
// opening at its configured wall clock and its configured length.
func TestPlanSummerTime(t *testing.T) {
	b := buergerBuero()
	b.HolidayRegion = "" // Karfreitag and Ostermontag would hide the days around the March change
	b.Hours = append(b.Hours, week([]int{6, 7}, "10:00-14:00")...)
	const cet, cest = 1 * 3600, 2 * 3600

	tests := []struct {
		name     string
		from, to string // inclusive
		change   string // the first day on the new offset
		before   int    // UTC offset in seconds before the change
		after    int
	}{
		{"spring forward", "2027-03-22", "2027-04-04", "2027-03-28", cet, cest},
		{"fall back", "2027-10-25", "2027-11-07", "2027-10-31", cest, cet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for day := tt.from; day <= tt.to; day = nextDay(day) {
				got := b.Plan(noon(day))
				wd := isoWeekday(noon(day).Weekday())
				var want []string
				for _, iv := range b.Hours {
					if iv.Weekday == wd {
						want = append(want, iv.Open+"-"+iv.Close)
					}
				}
				if g := clocks(got); !slices.Equal(g, want) {
					t.Errorf("%s: openings %v, want %v", day, g, want)
				}
				wantOffset := tt.before
				if day >= tt.change {
					wantOffset = tt.after
				}
				for i, o := range got.Openings {
					open, _ := ParseClock("open", want[i][:5])
					close, _ := ParseClock("close", want[i][6:])
					if d, w := o.End.Sub(o.Start), time.Duration(close-open)*time.Minute; d != w {
						t.Errorf("%s %s: lasts %v, want %v", day, want[i], d, w)
					}
					for _, at := range []time.Time{o.Start, o.End} {
						if _, off := at.In(Berlin).Zone(); off != wantOffset {
							t.Errorf("%s %s: UTC offset %+d h, want %+d h", day, want[i], off/3600, wantOffset/3600)
						}
					}
				}
			}
		})
	}

	// The Monday after spring forward opens at 08:00 local, 06:00 UTC; the
	// Monday before at 07:00 UTC: same wall clock, an hour apart in UTC.
	before := b.Plan(noon("2027-03-22")).Openings[0].Start.UTC()
	after := b.Plan(noon("2027-03-29")).Openings[0].Start.UTC()
	if got, want := before.Format("15:04"), "07:00"; got != want {
		t.Errorf("Monday before spring forward opens %s UTC, want %s", got, want)
	}
	if got, want := after.Format("15:04"), "06:00"; got != want {
		t.Errorf("DST Monday opens %s UTC, want %s", got, want)
	}
	if got, want := after.Sub(before), 7*24*time.Hour-time.Hour; got != want {
		t.Errorf("one week of openings apart by %v, want %v", got, want)
	}
	dstMonday := b.Plan(noon("2027-03-29")).Openings[0]
	if got := dstMonday.End.Sub(dstMonday.Start); got != 8*time.Hour {
		t.Errorf("08:00–16:00 on the DST Monday lasts %v, want 8h", got)
	}
}

func nextDay(day string) string {
	return At(day, 12*60).AddDate(0, 0, 1).In(Berlin).Format(time.DateOnly)
}

func TestAt(t *testing.T) {
	tests := []struct {
		name string
		day  string
		m    int
		want string // UTC, RFC 3339; empty: the zero time
	}{
		{"winter", "2027-01-15", 8*60 + 30, "2027-01-15T07:30:00Z"},
		{"summer", "2027-07-15", 8*60 + 30, "2027-07-15T06:30:00Z"},
		{"spring forward, before the gap", "2027-03-28", 60, "2027-03-28T00:00:00Z"},
		{"spring forward, after the gap", "2027-03-28", 3 * 60, "2027-03-28T01:00:00Z"},
		{"fall back, morning", "2027-10-31", 8 * 60, "2027-10-31T07:00:00Z"},
		{"friday before fall back", "2027-10-29", 8 * 60, "2027-10-29T06:00:00Z"},
		{"24:00 is the next midnight", "2026-09-14", 24 * 60, "2026-09-14T22:00:00Z"},
		{"leap day", "2028-02-29", 0, "2028-02-28T23:00:00Z"},
		{"not a day", "2026-9-14", 0, ""},
		{"no such day", "2027-02-29", 0, ""},
		{"no such month", "2027-13-01", 0, ""},
		{"empty", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := At(tt.day, tt.m)
			if tt.want == "" {
				if !got.IsZero() {
					t.Errorf("At(%q, %d) = %v, want the zero time", tt.day, tt.m, got)
				}
				return
			}
			if g := got.UTC().Format(time.RFC3339); g != tt.want {
				t.Errorf("At(%q, %d) = %s, want %s", tt.day, tt.m, g, tt.want)
			}
		})
	}
}

func TestParseClock(t *testing.T) {
	good := []struct {
		in   string
		want int
	}{
		{"00:00", 0}, {"08:30", 510}, {"12:59", 779}, {"23:59", 1439}, {"24:00", 1440},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseClock("open", tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseClock(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	for _, in := range []string{"", "8:30", "08:3", "08.30", "0830", "24:01", "25:00", "12:60", "ab:cd", "-1:00", "08:30:00", " 8:30", "０８:３０"} {
		t.Run(fmt.Sprintf("bad %q", in), func(t *testing.T) {
			_, err := ParseClock("hours[1].open", in)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseClock(%q) error = %v, want an *Error", in, err)
			}
			if e.Code != CodeInvalidField || e.Field != "hours[1].open" || e.Rule != RuleFormat {
				t.Errorf("ParseClock(%q) = %s %s %s, want %s hours[1].open %s", in, e.Code, e.Field, e.Rule, CodeInvalidField, RuleFormat)
			}
		})
	}
}

// demoLike is a complete building as the demo seeds it.
func demoLike() Building {
	b := soestTownHall()
	b.MonthlyDays = []MonthlyDay{{Nth: 1, Weekday: 6, Hours: ranges("09:00-12:00")}, {Nth: -1, Weekday: 4, Hours: ranges("17:30-19:00")}}
	b.Exceptions = []Exception{
		{From: "2026-12-24", To: "2026-12-31", Closed: true, Reason: "Betriebsferien"},
		{From: "2026-11-11", Hours: ranges("08:30-11:11")},
	}
	b.Booking = BookingRules{
		HorizonMonths:  map[string]int{"desk": 12, "phone": 12, "branch": 12, "online": 3},
		MinLeadMinutes: 30,
		DayTickets:     20,
		DayTicketOpens: map[string]string{"online": "07:00", "desk": "08:00"},
		ReleaseAt:      "07:45",
	}
	return b
}

func TestValidateGood(t *testing.T) {
	tests := []struct {
		name string
		b    Building
	}{
		{"demo-like town hall", demoLike()},
		{"Bürger Büro", buergerBuero()},
		{"Dorsten", dorsten()},
		{"Kaarst", kaarst()},
		{"closed all week, no holidays", Building{SlotMinutes: 60, TicketPrefix: "ZZ"}},
		{"open till midnight", Building{Hours: week([]int{7}, "00:00-24:00"), SlotMinutes: 1, TicketPrefix: "A"}},
		{"touching intervals", Building{Hours: week([]int{1}, "08:00-12:00", "12:00-16:00"), SlotMinutes: 30, TicketPrefix: "A"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.b.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateBad(t *testing.T) {
	tests := []struct {
		name      string
		change    func(b *Building)
		wantField string
		wantRule  string
	}{
		{"close before open", func(b *Building) { b.Hours[2].Close = "08:00" }, "hours[2].close", RuleOrder},
		{"close equals open", func(b *Building) { b.Hours[0].Close = b.Hours[0].Open }, "hours[0].close", RuleOrder},
		{"overlap on one weekday", func(b *Building) {
			b.Hours = append(b.Hours, Interval{Weekday: 4, Open: "12:00", Close: "13:30"})
		}, fmt.Sprintf("hours[%d].open", len(soestTownHall().Hours)), RuleOverlap},
		{"weekday 0", func(b *Building) { b.Hours[1].Weekday = 0 }, "hours[1].weekday", RuleRange},
		{"weekday 8", func(b *Building) { b.Hours[1].Weekday = 8 }, "hours[1].weekday", RuleRange},
		{"open not HH:MM", func(b *Building) { b.Hours[0].Open = "8:30" }, "hours[0].open", RuleFormat},
		{"close after 24:00", func(b *Building) { b.Hours[0].Close = "24:30" }, "hours[0].close", RuleFormat},
		{"close missing", func(b *Building) { b.Hours[3].Close = "" }, "hours[3].close", RuleFormat},

		{"monthly nth 0", func(b *Building) { b.MonthlyDays[0].Nth = 0 }, "monthly_days[0].nth", RuleRange},
		{"monthly nth 6", func(b *Building) { b.MonthlyDays[0].Nth = 6 }, "monthly_days[0].nth", RuleRange},
		{"monthly nth -2", func(b *Building) { b.MonthlyDays[1].Nth = -2 }, "monthly_days[1].nth", RuleRange},
		{"monthly weekday 0", func(b *Building) { b.MonthlyDays[0].Weekday = 0 }, "monthly_days[0].weekday", RuleRange},
		{"monthly without hours", func(b *Building) { b.MonthlyDays[1].Hours = nil }, "monthly_days[1].hours", RuleRequired},
		{"monthly close before open", func(b *Building) { b.MonthlyDays[0].Hours[0].Close = "08:00" }, "monthly_days[0].hours[0].close", RuleOrder},
		{"monthly hours overlap", func(b *Building) {
			b.MonthlyDays[0].Hours = ranges("09:00-12:00", "11:00-13:00")
		}, "monthly_days[0].hours[1].open", RuleOverlap},

		{"exception from not a day", func(b *Building) { b.Exceptions[0].From = "24.12.2026" }, "exceptions[0].from", RuleFormat},
		{"exception from no such day", func(b *Building) { b.Exceptions[1].From = "2026-02-30" }, "exceptions[1].from", RuleFormat},
		{"exception to not a day", func(b *Building) { b.Exceptions[0].To = "2026-12-32" }, "exceptions[0].to", RuleFormat},
		{"exception to before from", func(b *Building) { b.Exceptions[0].To = "2026-12-23" }, "exceptions[0].to", RuleOrder},
		{"exception neither closed nor with hours", func(b *Building) { b.Exceptions[1].Hours = nil }, "exceptions[1].hours", RuleRequired},
		{"exception hours bad", func(b *Building) { b.Exceptions[1].Hours[0].Open = "8:30" }, "exceptions[1].hours[0].open", RuleFormat},
		{"exception hours overlap", func(b *Building) {
			b.Exceptions[1].Hours = ranges("08:00-10:00", "07:00-08:30")
		}, "exceptions[1].hours[1].open", RuleOverlap},

		{"unknown holiday region", func(b *Building) { b.HolidayRegion = "BY" }, "holiday_region", RuleUnknown},
		{"holiday region lower case", func(b *Building) { b.HolidayRegion = "nw" }, "holiday_region", RuleUnknown},
		{"slot minutes 0", func(b *Building) { b.SlotMinutes = 0 }, "slot_minutes", RuleRange},
		{"slot minutes negative", func(b *Building) { b.SlotMinutes = -5 }, "slot_minutes", RuleRange},
		{"slot minutes not dividing 60", func(b *Building) { b.SlotMinutes = 7 }, "slot_minutes", RuleRange},
		{"slot minutes over 60", func(b *Building) { b.SlotMinutes = 120 }, "slot_minutes", RuleRange},
		{"tracing margin negative", func(b *Building) { b.TracingMarginMinutes = -1 }, "tracing_margin_minutes", RuleRange},
		{"tracing margin of a day", func(b *Building) { b.TracingMarginMinutes = 24 * 60 }, "tracing_margin_minutes", RuleRange},
		{"empty visit reason", func(b *Building) { b.VisitReasons = []string{"Abholung", ""} }, "visit_reasons[1]", RuleRequired},
		{"ticket prefix empty", func(b *Building) { b.TicketPrefix = "" }, "ticket_prefix", RuleRequired},
		{"ticket prefix lower case", func(b *Building) { b.TicketPrefix = "a" }, "ticket_prefix", RuleFormat},
		{"ticket prefix three letters", func(b *Building) { b.TicketPrefix = "ABC" }, "ticket_prefix", RuleFormat},
		{"ticket prefix umlaut", func(b *Building) { b.TicketPrefix = "Ä" }, "ticket_prefix", RuleFormat},
		{"ticket prefix digit", func(b *Building) { b.TicketPrefix = "A1" }, "ticket_prefix", RuleFormat},

		{"day ticket opens not HH:MM", func(b *Building) { b.Booking.DayTicketOpens["online"] = "7:00" }, "booking.day_ticket_opens.online", RuleFormat},
		{"day ticket opens unknown channel", func(b *Building) { b.Booking.DayTicketOpens["email"] = "07:00" }, "booking.day_ticket_opens.email", RuleUnknown},
		{"release at not HH:MM", func(b *Building) { b.Booking.ReleaseAt = "07:60" }, "booking.release_at", RuleFormat},
		{"horizon negative", func(b *Building) { b.Booking.HorizonMonths["online"] = -1 }, "booking.horizon_months.online", RuleRange},
		{"horizon over 24 months", func(b *Building) { b.Booking.HorizonMonths["desk"] = 25 }, "booking.horizon_months.desk", RuleRange},
		{"horizon unknown channel", func(b *Building) { b.Booking.HorizonMonths["fax"] = 1 }, "booking.horizon_months.fax", RuleUnknown},
		{"min lead negative", func(b *Building) { b.Booking.MinLeadMinutes = -1 }, "booking.min_lead_minutes", RuleRange},
		{"day tickets negative", func(b *Building) { b.Booking.DayTickets = -1 }, "booking.day_tickets", RuleRange},

		{"the first bad field is named", func(b *Building) {
			b.SlotMinutes = 0
			b.Hours[4].Weekday = 9
		}, "hours[4].weekday", RuleRange},
		{"the first bad channel in name order", func(b *Building) {
			b.Booking.HorizonMonths["zz"] = 1
			b.Booking.HorizonMonths["aa"] = 1
			b.Booking.HorizonMonths["phone"] = -3
		}, "booking.horizon_months.aa", RuleUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := demoLike()
			tt.change(&b)
			for range 5 { // map order must not change the answer
				err := b.Validate()
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Validate() = %v, want an *Error", err)
				}
				if e.Code != CodeInvalidField || e.Field != tt.wantField || e.Rule != tt.wantRule {
					t.Fatalf("Validate() = %s field %q rule %q (%v), want field %q rule %q",
						e.Code, e.Field, e.Rule, err, tt.wantField, tt.wantRule)
				}
			}
		})
	}
}

// TestPlanAllocations keeps Plan cheap enough for a slot search over
// months: the day's name and its openings, nothing else.
func TestPlanAllocations(t *testing.T) {
	b := demoLike()
	at := noon("2026-09-17")
	if got := testing.AllocsPerRun(100, func() { b.Plan(at) }); got > 2 {
		t.Errorf("Plan allocates %v times, want at most 2", got)
	}
}

// BenchmarkPlan plans the 90 days a slot search looks at.
func BenchmarkPlan(b *testing.B) {
	building := demoLike()
	var days [90]time.Time
	for i := range days {
		days[i] = noon("2026-11-01").AddDate(0, 0, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		building.Plan(days[i%len(days)])
		i++
	}
}
