package engine

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The slot tests book in Soest's town hall (rathaus-1, soestTownHall) and
// Bürger Büro (buergerbuero) from calendar_test.go. The week of
// 2026-11-23 (Monday) to 2026-11-29 has no public holiday.

// slotServices are the concerns the slot tests book.
func slotServices() []Service {
	both := []string{"rathaus-1", "buergerbuero"}
	return []Service{
		{ID: "beglaubigung", Name: "Beglaubigung", DurationMin: 5, Buildings: both},
		{ID: "meldung", Name: "Anmeldung", DurationMin: 10, Buildings: both, Department: "buergeramt"},
		{ID: "ausweis", Name: "Personalausweis", DurationMin: 15, Buildings: both, Department: "buergeramt"},
		{ID: "gewerbe", Name: "Gewerbeanmeldung", DurationMin: 25, Buildings: both},
		{ID: "fuehrerschein", Name: "Führerschein", DurationMin: 20, Buildings: []string{"buergerbuero"}},
		{ID: "bauberatung", Name: "Bauberatung", DurationMin: 30, Buildings: both, Department: "bauamt", NeedsRoom: true},
		// The social office has no rooms of its own: the service centre's only.
		{ID: "wohngeld", Name: "Wohngeld", DurationMin: 20, Buildings: both, Department: "sozialamt", NeedsRoom: true},
	}
}

// generalist is a counter of building that serves every slot service.
func generalist(id, building string) Counter {
	var all []string
	for _, s := range slotServices() {
		all = append(all, s.ID)
	}
	return Counter{ID: id, Building: building, Name: id, Services: all}
}

// catalogOf: one building with the given counters and rooms.
func catalogOf(b Building, counters []Counter, rooms []Room) *Catalog {
	return NewCatalog([]Building{b}, slotServices(), counters, rooms)
}

// townCatalog: the town hall with one counter that serves everything.
func townCatalog() *Catalog {
	return catalogOf(soestTownHall(), []Counter{generalist("k1", "rathaus-1")}, nil)
}

// wall is the instant of local wall-clock time hhmm on day.
func wall(day, hhmm string) time.Time {
	m, ok := parseClock(hhmm)
	if !ok {
		panic("bad clock " + hhmm)
	}
	return At(day, m)
}

// ask is a desk query in building for the next two weeks.
func ask(building string, now time.Time, services ...string) Query {
	return Query{Building: building, Services: services, From: Day(now), Days: 14, Channel: ChannelDesk, Now: now}
}

func mustFind(t *testing.T, cat *Catalog, occ Occupancy, q Query, limit int) []Slot {
	t.Helper()
	slots, err := FindSlots(cat, occ, q, limit)
	if err != nil {
		t.Fatalf("FindSlots(%s %v on %s, %d days, %s) = %v", q.Building, q.Services, q.From, q.Days, q.Channel, err)
	}
	return slots
}

// startsOn lists the local starts ("08:30") that q offers on day.
func startsOn(t *testing.T, cat *Catalog, occ Occupancy, q Query, day string) []string {
	t.Helper()
	q.From, q.Days = day, 1
	out := []string{}
	for _, s := range mustFind(t, cat, occ, q, 0) {
		out = append(out, s.Start.In(Berlin).Format("15:04"))
	}
	return out
}

// firstSlot is the earliest slot of q as "2006-01-02 15:04", or "none";
// with a day, the earliest of that day.
func firstSlot(t *testing.T, cat *Catalog, occ Occupancy, q Query, day ...string) string {
	t.Helper()
	if len(day) > 0 {
		q.From, q.Days = day[0], 1
	}
	if slots := mustFind(t, cat, occ, q, 1); len(slots) > 0 {
		return slots[0].Start.In(Berlin).Format("2006-01-02 15:04")
	}
	return "none"
}

// runs expands "08:30-12:15" into every step minutes from 08:30 to 12:15.
func runs(step int, rs ...string) []string {
	out := []string{}
	for _, r := range rs {
		from, _ := parseClock(r[:5])
		to, _ := parseClock(r[6:])
		for m := from; m <= to; m += step {
			out = append(out, fmt.Sprintf("%02d:%02d", m/60, m%60))
		}
	}
	return out
}

// appt is an active appointment of minutes at counter.
func appt(id, counter string, start time.Time, minutes int) Appointment {
	return Appointment{ID: id, Building: "rathaus-1", Services: []string{"ausweis"}, Counter: counter,
		Start: start, End: start.Add(time.Duration(minutes) * time.Minute), Status: ApptBooked}
}

// bookAt allocates q at start and puts the appointment into occ, as the
// store does after its commit.
func bookAt(t *testing.T, cat *Catalog, occ *OccupancyIndex, q Query, id string, start time.Time) Appointment {
	t.Helper()
	s, err := Allocate(cat, occ, q, start)
	if err != nil {
		t.Fatalf("Allocate(%v at %s) = %v", q.Services, start.In(Berlin).Format("2006-01-02 15:04"), err)
	}
	a := Appointment{ID: id, Building: q.Building, Services: q.Services, Start: s.Start, End: s.End,
		Counter: s.Counter, Room: s.Room, Channel: q.Channel, SameDay: Day(q.Now) == Day(s.Start), Status: ApptBooked}
	occ.Put(a)
	return a
}

func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Fatalf("err = %v, want %s on field %q", err, code, field)
	}
}

func TestFindSlotsOpeningHours(t *testing.T) {
	th, bb, grid10, grid15 := soestTownHall(), buergerBuero(), soestTownHall(), soestTownHall()
	grid10.SlotMinutes, grid15.SlotMinutes = 10, 15
	tests := []struct {
		name         string
		b            Building
		day          string
		min15, min25 []string // every start of a 15- and a 25-minute appointment
		len25        int      // minutes the 25-minute one takes on the grid
	}{
		{"town hall Monday", th, "2026-11-23", runs(5, "08:30-12:15", "13:00-15:45"), runs(5, "08:30-12:05", "13:00-15:35"), 25},
		{"town hall Tuesday", th, "2026-11-24", runs(5, "08:30-12:15", "13:00-15:45"), runs(5, "08:30-12:05", "13:00-15:35"), 25},
		{"town hall Wednesday", th, "2026-11-25", runs(5, "08:30-12:15", "13:00-15:45"), runs(5, "08:30-12:05", "13:00-15:35"), 25},
		{"town hall Thursday", th, "2026-11-26", runs(5, "08:30-12:15", "13:00-17:15"), runs(5, "08:30-12:05", "13:00-17:05"), 25},
		{"town hall Friday", th, "2026-11-27", runs(5, "08:30-12:15"), runs(5, "08:30-12:05"), 25},
		{"town hall Saturday", th, "2026-11-28", nil, nil, 0},
		{"town hall Sunday", th, "2026-11-29", nil, nil, 0},
		{"Christmas Eve is a working Thursday", th, "2026-12-24", runs(5, "08:30-12:15", "13:00-17:15"), runs(5, "08:30-12:05", "13:00-17:05"), 25},
		{"1. Weihnachtstag (Friday)", th, "2026-12-25", nil, nil, 0},
		{"Fronleichnam 2027 (Thursday)", th, "2027-05-27", nil, nil, 0},
		{"the Thursday before Fronleichnam", th, "2027-05-20", runs(5, "08:30-12:15", "13:00-17:15"), runs(5, "08:30-12:05", "13:00-17:05"), 25},
		{"10-min grid: 15 → 20, 25 → 30", grid10, "2026-11-23", runs(10, "08:30-12:10", "13:00-15:40"), runs(10, "08:30-12:00", "13:00-15:30"), 30},
		{"10-min grid Thursday", grid10, "2026-11-26", runs(10, "08:30-12:10", "13:00-17:10"), runs(10, "08:30-12:00", "13:00-17:00"), 30},
		{"15-min grid Friday", grid15, "2026-11-27", runs(15, "08:30-12:15"), runs(15, "08:30-12:00"), 30},
		{"Bürger Büro Monday", bb, "2026-11-23", runs(5, "08:00-15:45"), runs(5, "08:00-15:35"), 25},
		{"Bürger Büro Tuesday", bb, "2026-11-24", runs(5, "08:00-15:45"), runs(5, "08:00-15:35"), 25},
		{"Bürger Büro Wednesday", bb, "2026-11-25", runs(5, "08:00-12:15"), runs(5, "08:00-12:05"), 25},
		{"Bürger Büro Thursday", bb, "2026-11-26", runs(5, "08:00-17:45"), runs(5, "08:00-17:35"), 25},
		{"Bürger Büro Friday", bb, "2026-11-27", runs(5, "08:00-12:15"), runs(5, "08:00-12:05"), 25},
		{"Bürger Büro Saturday", bb, "2026-11-28", nil, nil, 0},
		{"Bürger Büro on 1. Weihnachtstag", bb, "2026-12-25", nil, nil, 0},
		{"Bürger Büro on Fronleichnam", bb, "2027-05-27", nil, nil, 0},
	}
	now := wall("2026-11-16", "06:00")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := catalogOf(tt.b, []Counter{generalist("k1", tt.b.ID)}, nil)
			for service, want := range map[string][]string{"ausweis": tt.min15, "gewerbe": tt.min25} {
				if got := startsOn(t, cat, NewOccupancyIndex(), ask(tt.b.ID, now, service), tt.day); !slices.Equal(got, append([]string{}, want...)) {
					t.Errorf("%s on %s: starts %v,\nwant %v", service, tt.day, got, want)
				}
			}
			q := ask(tt.b.ID, now, "gewerbe")
			q.From, q.Days = tt.day, 1
			for _, s := range mustFind(t, cat, NewOccupancyIndex(), q, 0) {
				if got := s.End.Sub(s.Start); got != time.Duration(tt.len25)*time.Minute {
					t.Fatalf("25 min at %s take %v, want %d min", s.Start.In(Berlin).Format("15:04"), got, tt.len25)
				}
			}
		})
	}
	t.Run("four services add up to 55 min", func(t *testing.T) {
		q := ask("rathaus-1", now, "ausweis", "beglaubigung", "meldung", "gewerbe")
		if got, want := startsOn(t, townCatalog(), NewOccupancyIndex(), q, "2026-11-27"), runs(5, "08:30-11:35"); !slices.Equal(got, want) {
			t.Errorf("starts %v, want %v", got, want)
		}
	})
}

func TestFindSlotsEarliestFirstAcrossTheWeekend(t *testing.T) {
	now := wall("2026-11-27", "12:00") // Friday; the town hall closes at 12:30
	var got []string
	for _, s := range mustFind(t, townCatalog(), NewOccupancyIndex(), ask("rathaus-1", now, "ausweis"), 6) {
		got = append(got, s.Start.In(Berlin).Format("Mon 15:04"))
	}
	if want := []string{"Fri 12:00", "Fri 12:05", "Fri 12:10", "Fri 12:15", "Mon 08:30", "Mon 08:35"}; !slices.Equal(got, want) {
		t.Errorf("first six = %v, want %v", got, want)
	}
}

func TestSlotQueryErrors(t *testing.T) {
	tests := []struct {
		name, field string
		edit        func(q *Query)
	}{
		{"five services", "services", func(q *Query) { q.Services = []string{"ausweis", "meldung", "gewerbe", "beglaubigung", "bauberatung"} }},
		{"no service", "services", func(q *Query) { q.Services = nil }},
		{"a service twice", "services", func(q *Query) { q.Services = []string{"ausweis", "ausweis"} }},
		{"unknown service", "services", func(q *Query) { q.Services = []string{"ausweis", "reisepass"} }},
		{"service not offered in the building", "services", func(q *Query) { q.Services = []string{"fuehrerschein"} }},
		{"unknown building", "building", func(q *Query) { q.Building = "rathaus-9" }},
		{"unknown channel", "channel", func(q *Query) { q.Channel = "fax" }},
		// From and Days are FindSlots' alone.
		{"bad from", "from", func(q *Query) { q.From = "23.11.2026" }},
		{"no days", "days", func(q *Query) { q.Days = 0 }},
		{"too many days", "days", func(q *Query) { q.Days = MaxSlotDays + 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := ask("rathaus-1", wall("2026-11-16", "06:00"), "ausweis")
			tt.edit(&q)
			_, err := FindSlots(townCatalog(), NewOccupancyIndex(), q, 0)
			wantErr(t, err, CodeInvalidField, tt.field)
			if tt.field != "from" && tt.field != "days" {
				_, err = Allocate(townCatalog(), NewOccupancyIndex(), q, wall("2026-11-23", "08:30"))
				wantErr(t, err, CodeInvalidField, tt.field)
			}
		})
	}
}

func TestFindSlotsCounterSkills(t *testing.T) {
	q := ask("rathaus-1", wall("2026-11-16", "06:00"), "ausweis", "meldung")
	skilled := func(id string, services ...string) Counter {
		return Counter{ID: id, Building: "rathaus-1", Services: services}
	}
	tests := []struct {
		name     string
		counters []Counter
		want     string // the counter of every slot; "": no slot at all
	}{
		{"no counter has both skills", []Counter{skilled("k1", "ausweis"), skilled("k2", "meldung", "gewerbe")}, ""},
		{"only the counter with both", []Counter{skilled("k1", "ausweis"), skilled("k2", "meldung", "ausweis"), skilled("k3", "meldung")}, "k2"},
		{"a counter of another building", []Counter{generalist("bb1", "buergerbuero")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slots := mustFind(t, catalogOf(soestTownHall(), tt.counters, nil), NewOccupancyIndex(), q, 0)
			if (len(slots) > 0) != (tt.want != "") {
				t.Fatalf("%d slots, want some: %v", len(slots), tt.want != "")
			}
			for _, s := range slots {
				if s.Counter != tt.want {
					t.Fatalf("slot %s at %s, want %s", s.Start, s.Counter, tt.want)
				}
			}
		})
	}
}

func TestFindSlotsStaffing(t *testing.T) {
	mondays, ill := generalist("k-mon", "rathaus-1"), generalist("k-ill", "rathaus-1")
	mondays.Weekdays = []int{1}
	ill.Absences = []DateRange{{From: "2026-11-24", To: "2026-11-25", Reason: "krank"}, {From: "2026-11-27"}}
	cat := catalogOf(soestTownHall(), []Counter{mondays, ill}, nil)
	// Both counters are busy at 09:00 on Monday; k-ill every day.
	occ := NewOccupancyIndex()
	occ.Put(appt("a-mon", "k-mon", wall("2026-11-23", "09:00"), 15))
	for _, day := range []string{"2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"} {
		occ.Put(appt("a-"+day, "k-ill", wall(day, "09:00"), 15))
	}
	q := ask("rathaus-1", wall("2026-11-16", "06:00"), "ausweis")
	tests := []struct {
		day, why         string
		offers, nineFree bool // any slot that day; 09:00 offered
	}{
		{"2026-11-23", "Monday: both staffed, both busy at 09:00", true, false},
		{"2026-11-24", "k-mon works Mondays only, k-ill absent", false, false},
		{"2026-11-25", "the second day of the absence", false, false},
		{"2026-11-26", "k-ill back, the only counter, busy at 09:00", true, false},
		{"2026-11-27", "a one-day absence", false, false},
		{"2026-11-30", "next Monday: both, nothing booked", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			got := startsOn(t, cat, occ, q, tt.day)
			if (len(got) > 0) != tt.offers || slices.Contains(got, "09:00") != tt.nineFree {
				t.Errorf("%s: starts %v, want any %v and 09:00 %v", tt.why, got, tt.offers, tt.nineFree)
			}
		})
	}
}

func TestTwoCountersTwoParallelAppointments(t *testing.T) {
	cat := catalogOf(soestTownHall(), []Counter{generalist("k1", "rathaus-1"), generalist("k2", "rathaus-1")}, nil)
	occ := NewOccupancyIndex()
	q := ask("rathaus-1", wall("2026-11-16", "06:00"), "ausweis")
	const monday = "2026-11-23"
	at := wall(monday, "08:30")
	if a1, a2 := bookAt(t, cat, occ, q, "a1", at), bookAt(t, cat, occ, q, "a2", at); a1.Counter == a2.Counter {
		t.Fatalf("two appointments at 08:30 both at %s", a1.Counter)
	}
	for _, hhmm := range []string{"08:30", "08:40"} { // the same start, and one overlapping
		_, err := Allocate(cat, occ, q, wall(monday, hhmm))
		wantErr(t, err, CodeSlotTaken, "start")
	}
	if got := firstSlot(t, cat, occ, q, monday); got != monday+" 08:45" {
		t.Errorf("first slot after two bookings = %s, want 08:45", got)
	}

	a2 := appt("a2", "k2", at, 15)
	a2.Status = ApptCancelled
	occ.Put(a2)
	if got := firstSlot(t, cat, occ, q, monday); got != monday+" 08:30" {
		t.Errorf("first slot after a cancellation = %s, want 08:30", got)
	}
	if s, err := Allocate(cat, occ, q, at); err != nil || s.Counter != "k2" {
		t.Errorf("Allocate after the cancellation = %+v, %v; want k2", s, err)
	}
	bookAt(t, cat, occ, q, "a3", at)
	occ.Remove("a1")
	if got := firstSlot(t, cat, occ, q, monday); got != monday+" 08:30" {
		t.Errorf("first slot after removing one = %s, want 08:30", got)
	}
}

func TestFindSlotsRooms(t *testing.T) {
	var counters []Counter
	for i := 1; i <= 6; i++ {
		counters = append(counters, generalist(fmt.Sprintf("k%d", i), "rathaus-1"))
	}
	rooms := []Room{
		{ID: "bau-1", Building: "rathaus-1", Name: "Bauamt 1", Department: "bauamt"},
		{ID: "sz-1", Building: "rathaus-1", Name: "Servicezentrum 1"},
		{ID: "sz-2", Building: "rathaus-1", Name: "Servicezentrum 2"},
		{ID: "sz-3", Building: "rathaus-1", Name: "Servicezentrum 3", BarrierFree: true},
		{ID: "bb-room", Building: "buergerbuero", Name: "Bürger Büro"},
	}
	cat := catalogOf(soestTownHall(), counters, rooms)
	now, at := wall("2026-11-16", "06:00"), wall("2026-11-23", "08:30")
	askBF := func(barrierFree bool, services ...string) Query {
		q := ask("rathaus-1", now, services...)
		q.BarrierFree = barrierFree
		return q
	}

	tests := []struct {
		name    string
		q       Query
		room    string
		minutes int
	}{
		{"own department room", askBF(false, "bauberatung"), "bau-1", 30},
		{"barrier-free: only the barrier-free room", askBF(true, "bauberatung"), "sz-3", 30},
		{"no own room: the first service-centre room", askBF(false, "wohngeld"), "sz-1", 20},
		{"no room needed", askBF(false, "ausweis"), "", 15},
		{"no room needed, barrier-free asked", askBF(true, "ausweis"), "", 15},
		{"one service needs a room", askBF(false, "ausweis", "bauberatung"), "bau-1", 45},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Allocate(cat, NewOccupancyIndex(), tt.q, at)
			if err != nil || s.Room != tt.room || s.End.Sub(s.Start) != time.Duration(tt.minutes)*time.Minute {
				t.Errorf("slot = %+v, %v; want room %q for %d min", s, err, tt.room, tt.minutes)
			}
		})
	}

	t.Run("barrier-free, then own, then the service centre, then no slot", func(t *testing.T) {
		occ := NewOccupancyIndex()
		var got []string
		got = append(got, bookAt(t, cat, occ, askBF(true, "bauberatung"), "r0", at).Room)
		// The barrier-free room is taken until 09:00; the others are free.
		if got := firstSlot(t, cat, occ, askBF(true, "wohngeld"), "2026-11-23"); got != "2026-11-23 09:00" {
			t.Errorf("first barrier-free slot = %s, want 09:00", got)
		}
		for i := 1; i <= 3; i++ {
			got = append(got, bookAt(t, cat, occ, askBF(false, "bauberatung"), fmt.Sprintf("r%d", i), at).Room)
		}
		if want := []string{"sz-3", "bau-1", "sz-1", "sz-2"}; !slices.Equal(got, want) {
			t.Errorf("rooms in booking order = %v, want %v", got, want)
		}
		// Two counters are still free, but no room is.
		_, err := Allocate(cat, occ, askBF(false, "bauberatung"), at)
		wantErr(t, err, CodeSlotTaken, "start")
		if got := firstSlot(t, cat, occ, askBF(false, "wohngeld"), "2026-11-23"); got != "2026-11-23 09:00" {
			t.Errorf("first slot with every room taken until 09:00 = %s", got)
		}
		if s, err := Allocate(cat, occ, askBF(false, "ausweis"), at); err != nil || s.Room != "" {
			t.Errorf("Allocate(ausweis) = %+v, %v; want a counter without a room", s, err)
		}
	})
	t.Run("a building without rooms", func(t *testing.T) {
		cat := catalogOf(soestTownHall(), counters, nil)
		if got := firstSlot(t, cat, NewOccupancyIndex(), askBF(false, "bauberatung")); got != "none" {
			t.Errorf("first slot = %s, want none", got)
		}
	})
}

func TestDayTickets(t *testing.T) {
	const monday, tuesday = "2026-11-23", "2026-11-24"
	ticket := func(id, hhmm string) Appointment {
		a := appt(id, "k1", wall(monday, hhmm), 15)
		a.SameDay = true
		return a
	}
	usedUp := []Appointment{ticket("d1", "10:00"), ticket("d2", "11:00")}
	tests := []struct {
		name, channel, now string
		opens              map[string]string
		held               []Appointment
		ignore, want       string
	}{
		{"desk before 08:00", ChannelDesk, "07:30", nil, nil, "", tuesday + " 08:30"},
		{"phone before 08:00", ChannelPhone, "07:59", nil, nil, "", tuesday + " 08:30"},
		{"online after 07:00", ChannelOnline, "07:30", nil, nil, "", monday + " 08:30"},
		{"online before 07:00", ChannelOnline, "06:59", nil, nil, "", tuesday + " 08:30"},
		{"desk at 08:00", ChannelDesk, "08:00", nil, nil, "", monday + " 08:30"},
		{"branch at 08:00", ChannelBranch, "08:00", nil, nil, "", monday + " 08:30"},
		{"desk opens at 07:30 here", ChannelDesk, "07:30", map[string]string{"desk": "07:30"}, nil, "", monday + " 08:30"},
		{"one day ticket left", ChannelDesk, "09:00", nil, usedUp[:1], "", monday + " 09:00"},
		{"contingent used up: desk", ChannelDesk, "09:00", nil, usedUp, "", tuesday + " 08:30"},
		{"contingent used up: online", ChannelOnline, "09:00", nil, usedUp, "", tuesday + " 08:30"},
		{"contingent used up: phone", ChannelPhone, "09:00", nil, usedUp, "", tuesday + " 08:30"},
		{"contingent used up: branch", ChannelBranch, "09:00", nil, usedUp, "", tuesday + " 08:30"},
		{"booked ahead is no day ticket", ChannelDesk, "09:00", nil, []Appointment{usedUp[0], appt("p1", "k2", wall(monday, "11:00"), 15)}, "", monday + " 09:00"},
		{"moving a day ticket frees its ticket", ChannelDesk, "09:00", nil, usedUp, "d2", monday + " 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := soestTownHall()
			b.Booking.DayTickets, b.Booking.DayTicketOpens = 2, tt.opens
			cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1"), generalist("k2", "rathaus-1")}, nil)
			occ := NewOccupancyIndex()
			for _, a := range tt.held {
				occ.Put(a)
			}
			q := ask("rathaus-1", wall(monday, tt.now), "ausweis")
			q.Channel, q.Ignore = tt.channel, tt.ignore
			if got := firstSlot(t, cat, occ, q); got != tt.want {
				t.Errorf("first slot = %s, want %s", got, tt.want)
			}
			if tt.want[:10] != monday {
				_, err := Allocate(cat, occ, q, wall(monday, "09:30"))
				wantErr(t, err, CodeSlotTaken, "start")
			}
			if len(tt.held) == 2 && tt.held[1].SameDay { // a cancelled day ticket returns to the contingent
				occ.Remove(tt.held[1].ID)
				if got := firstSlot(t, cat, occ, q); got != monday+" 09:00" {
					t.Errorf("after a cancellation: first slot = %s, want 09:00", got)
				}
			}
		})
	}
	t.Run("without a contingent only capacity counts", func(t *testing.T) {
		q := ask("rathaus-1", wall(monday, "07:30"), "ausweis")
		if got := firstSlot(t, townCatalog(), NewOccupancyIndex(), q); got != monday+" 08:30" {
			t.Errorf("first slot = %s, want %s 08:30", got, monday)
		}
	})
}

func TestHeldBackCounters(t *testing.T) {
	const monday, tuesday = "2026-11-23", "2026-11-24"
	held := generalist("k2", "rathaus-1")
	held.HeldBack = true
	// The ordinary counter is busy at 09:00 on both days.
	occ := NewOccupancyIndex()
	occ.Put(appt("m", "k1", wall(monday, "09:00"), 15))
	occ.Put(appt("t", "k1", wall(tuesday, "09:00"), 15))
	tests := []struct {
		name           string
		b              Building
		now, day       string
		releaseAt      string
		heldBackOffers bool // k2 is offered, at 09:00
	}{
		{"today before the release (08:15)", soestTownHall(), "08:14", monday, "", false},
		{"today at the release", soestTownHall(), "08:15", monday, "", true},
		{"today later", soestTownHall(), "08:50", monday, "", true},
		{"tomorrow, even after today's release", soestTownHall(), "08:50", tuesday, "", false},
		{"tomorrow in the afternoon", soestTownHall(), "16:30", tuesday, "", false},
		{"configured 07:45, at 07:44", soestTownHall(), "07:44", monday, "07:45", false},
		{"configured 07:45, at 07:45", soestTownHall(), "07:45", monday, "07:45", true},
		{"Bürger Büro opens 08:00: released 07:45", buergerBuero(), "07:45", monday, "", true},
		{"Bürger Büro at 07:44", buergerBuero(), "07:44", monday, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			b.ID, b.Booking.ReleaseAt = "rathaus-1", tt.releaseAt // the counters' building
			cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1"), held}, nil)
			q := ask("rathaus-1", wall(monday, tt.now), "ausweis")
			q.From, q.Days = tt.day, 1
			nine := "not offered"
			for _, s := range mustFind(t, cat, occ, q, 0) {
				if s.Counter == "k2" && !tt.heldBackOffers {
					t.Fatalf("held-back counter offered at %s", s.Start.In(Berlin).Format("2006-01-02 15:04"))
				}
				if s.Start.Equal(wall(tt.day, "09:00")) {
					nine = s.Counter
				}
			}
			if want := map[bool]string{true: "k2", false: "not offered"}[tt.heldBackOffers]; nine != want {
				t.Errorf("09:00: %s, want %s", nine, want)
			}
		})
	}
}

func TestBookingHorizon(t *testing.T) {
	now := wall("2026-11-16", "10:00")
	tests := []struct {
		name, channel string
		months        map[string]int
		last          string // the last day offered; the next is not
	}{
		{"online: 3 months to the day", ChannelOnline, nil, "2027-02-16"},
		{"desk: 12 months to the day", ChannelDesk, nil, "2027-11-16"},
		{"phone: 12 months", ChannelPhone, nil, "2027-11-16"},
		{"branch: 12 months", ChannelBranch, nil, "2027-11-16"},
		{"online configured 1 month", ChannelOnline, map[string]int{"online": 1}, "2026-12-16"},
		{"desk configured 0 months: today only", ChannelDesk, map[string]int{"desk": 0}, "2026-11-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := soestTownHall()
			b.Booking.HorizonMonths = tt.months
			cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1")}, nil)
			q := ask("rathaus-1", now, "ausweis")
			q.Channel = tt.channel
			for day, offered := range map[string]bool{tt.last: true, Day(At(tt.last, 12*60).AddDate(0, 0, 1)): false} {
				if got := startsOn(t, cat, NewOccupancyIndex(), q, day); (len(got) > 0) != offered {
					t.Errorf("starts on %s = %v, want offered: %v", day, got, offered)
				}
				if _, err := Allocate(cat, NewOccupancyIndex(), q, wall(day, "13:00")); offered != (err == nil) {
					t.Errorf("Allocate on %s 13:00 = %v, want booked: %v", day, err, offered)
				}
			}
		})
	}
	t.Run("open round the clock: nothing at the horizon's midnight", func(t *testing.T) {
		b := Building{ID: "rathaus-1", Hours: week([]int{1, 2, 3, 4, 5, 6, 7}, "00:00-24:00"), SlotMinutes: 30,
			TicketPrefix: "N", Booking: BookingRules{HorizonMonths: map[string]int{"desk": 0}}}
		cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1")}, nil)
		q := ask("rathaus-1", now, "ausweis")
		slots := mustFind(t, cat, NewOccupancyIndex(), q, 0)
		if got := slots[len(slots)-1].Start.In(Berlin).Format("2006-01-02 15:04"); got != "2026-11-16 23:30" {
			t.Errorf("last slot = %s, want 2026-11-16 23:30", got)
		}
		_, err := Allocate(cat, NewOccupancyIndex(), q, wall("2026-11-17", "00:00"))
		wantErr(t, err, CodeSlotTaken, "start")
	})
}

func TestMinLeadTimeAndPastDays(t *testing.T) {
	b := soestTownHall()
	b.Booking.MinLeadMinutes = 60
	cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1")}, nil)
	// in30 is what Allocate answers for now + 30 minutes (on the grid):
	// inside the opening hours it is a start, but within the lead time.
	tests := []struct{ now, from, want, in30 string }{
		{"2026-11-23 06:00", "", "2026-11-23 08:30", CodeInvalidField}, // 06:30: not open yet
		{"2026-11-23 09:02", "", "2026-11-23 10:05", CodeSlotTaken},
		{"2026-11-23 09:05", "", "2026-11-23 10:05", CodeSlotTaken},
		{"2026-11-23 11:40", "", "2026-11-23 13:00", CodeSlotTaken},              // 12:40 is in the lunch break
		{"2026-11-23 15:10", "", "2026-11-24 08:30", CodeSlotTaken},              // 16:10 is after closing
		{"2026-11-27 11:20", "", "2026-11-30 08:30", CodeSlotTaken},              // Friday: 12:20 + 15 min runs past 12:30
		{"2026-11-25 06:00", "2026-11-23", "2026-11-25 08:30", CodeInvalidField}, // days before today are never offered
	}
	for _, tt := range tests {
		t.Run(tt.now, func(t *testing.T) {
			now := wall(tt.now[:10], tt.now[11:])
			q := ask("rathaus-1", now, "ausweis")
			q.From = cmpOr(tt.from, q.From)
			if got := firstSlot(t, cat, NewOccupancyIndex(), q); got != tt.want {
				t.Errorf("first slot = %s, want %s", got, tt.want)
			}
			_, err := Allocate(cat, NewOccupancyIndex(), q, now.Add(30*time.Minute).Truncate(5*time.Minute))
			wantErr(t, err, tt.in30, "start")
			// Yesterday is in the past: bad input, not a taken slot.
			_, err = Allocate(cat, NewOccupancyIndex(), q, wall(Day(now.AddDate(0, 0, -1)), "10:00"))
			wantErr(t, err, CodeInvalidField, "start")
		})
	}
}

// TestAllocate books exactly what FindSlots offers in a busy week: two
// counters, two rooms, some appointments.
func TestAllocate(t *testing.T) {
	rooms := []Room{{ID: "bau-1", Building: "rathaus-1", Department: "bauamt"}, {ID: "sz-1", Building: "rathaus-1"}}
	cat := catalogOf(soestTownHall(), []Counter{generalist("k1", "rathaus-1"), generalist("k2", "rathaus-1")}, rooms)
	occ := NewOccupancyIndex()
	q := ask("rathaus-1", wall("2026-11-16", "06:00"), "ausweis", "bauberatung") // 45 min
	q.From, q.Days = "2026-11-23", 5
	for i, hhmm := range []string{"08:30", "09:15", "09:15", "13:00", "15:10"} {
		bookAt(t, cat, occ, q, fmt.Sprintf("f%d", i), wall("2026-11-23", hhmm))
	}
	slots := mustFind(t, cat, occ, q, 0)
	offered := map[time.Time]bool{}
	for _, s := range slots {
		offered[s.Start] = true
	}
	if got := slots[0].Start.In(Berlin).Format("15:04"); got != "08:30" { // k2 and sz-1 are free
		t.Errorf("first slot %s, want 08:30", got)
	}
	for _, i := range []int{0, len(slots) / 2, len(slots) - 1} {
		if got, err := Allocate(cat, occ, q, slots[i].Start); err != nil || got != slots[i] {
			t.Errorf("Allocate(%s) = %+v, %v; FindSlots offered %+v", slots[i].Start.In(Berlin), got, err, slots[i])
		}
	}
	// A start that can never be a slot is bad input; a start that is one
	// but is not free is taken.
	refused := []struct{ name, day, hhmm, code string }{
		{"off the grid", "2026-11-24", "08:32", CodeInvalidField},
		{"before opening", "2026-11-24", "08:25", CodeInvalidField},
		{"at the lunch break", "2026-11-24", "12:30", CodeInvalidField},
		{"running into the lunch break", "2026-11-24", "12:10", CodeInvalidField},
		{"running past closing", "2026-11-24", "15:30", CodeInvalidField},
		{"at closing", "2026-11-24", "16:00", CodeInvalidField},
		{"Friday afternoon", "2026-11-27", "13:00", CodeInvalidField},
		{"Saturday", "2026-11-28", "10:00", CodeInvalidField},
		{"both counters taken", "2026-11-23", "09:15", CodeSlotTaken},
		{"overlapping both counters", "2026-11-23", "08:50", CodeSlotTaken},
		{"1. Weihnachtstag", "2026-12-25", "10:00", CodeInvalidField},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if start := wall(tt.day, tt.hhmm); offered[start] {
				t.Errorf("FindSlots offered %s %s", tt.day, tt.hhmm)
			}
			_, err := Allocate(cat, occ, q, wall(tt.day, tt.hhmm))
			wantErr(t, err, tt.code, "start")
		})
	}
}

func TestMoveIgnoresOwnPlace(t *testing.T) {
	b := soestTownHall()
	b.Booking.DayTickets = 1
	cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1")}, nil)
	const monday = "2026-11-23"
	occ := NewOccupancyIndex()
	occ.Put(appt("a", "k1", wall(monday, "08:30"), 15))
	tests := []struct{ ignore, first, at0835 string }{
		{"", monday + " 08:45", "refused"},
		{"a", monday + " 08:30", "k1"},
		{"no-such-appointment", monday + " 08:45", "refused"},
	}
	for _, tt := range tests {
		t.Run("ignore "+tt.ignore, func(t *testing.T) {
			q := ask("rathaus-1", wall("2026-11-16", "06:00"), "ausweis")
			q.Ignore = tt.ignore
			if got := firstSlot(t, cat, occ, q, monday); got != tt.first {
				t.Errorf("first slot = %s, want %s", got, tt.first)
			}
			s, err := Allocate(cat, occ, q, wall(monday, "08:35"))
			if got := cmpOr(s.Counter, "refused"); got != tt.at0835 || (err != nil) != (tt.at0835 == "refused") {
				t.Errorf("Allocate(08:35) = %+v, %v; want %s", s, err, tt.at0835)
			}
		})
	}
}
