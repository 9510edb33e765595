package engine

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"
	"time"
)

var (
	slotSeed  = flag.Uint64("slotseed", 0, "replay TestSlotProperties with this seed (or set PFORTE_SEED)")
	slotSeeds = flag.Int("slotseeds", 8, "how many random seeds TestSlotProperties runs")
)

// nrwHolidays are the public holidays of North Rhine-Westphalia, written
// out by hand so the property test does not trust the calendar library it
// checks.
var nrwHolidays = []string{
	"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-06-04", "2026-10-03", "2026-11-01", "2026-12-25", "2026-12-26",
	"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-17", "2027-05-27", "2027-10-03", "2027-11-01", "2027-12-25", "2027-12-26",
	"2028-01-01", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-25", "2028-06-05", "2028-06-15", "2028-10-03", "2028-11-01", "2028-12-25", "2028-12-26",
	"2029-01-01",
}

// propSeeds are the seeds to run: the one to replay, or fresh ones.
func propSeeds() []uint64 {
	if *slotSeed != 0 {
		return []uint64{*slotSeed}
	}
	if s, err := strconv.ParseUint(os.Getenv("PFORTE_SEED"), 10, 64); err == nil {
		return []uint64{s}
	}
	base, seeds := uint64(time.Now().UnixNano()), make([]uint64, *slotSeeds)
	for i := range seeds {
		seeds[i] = base + uint64(i)
	}
	return seeds
}

// propRun is one seeded run; every failure names the seed to replay it.
type propRun struct {
	t         *testing.T
	seed      uint64
	r         *rand.Rand
	step, ids int
	w         *world
	now       time.Time
	occ       *OccupancyIndex
	appts     []Appointment // the model of the store: all ever booked, cancelled ones too
}

func (p *propRun) failf(format string, args ...any) {
	p.t.Helper()
	p.t.Fatalf("seed %d, step %d, now %s (replay: go test ./engine -run TestSlotProperties -slotseed=%d):\n%s",
		p.seed, p.step, p.now.In(Berlin).Format("2006-01-02 15:04"), p.seed, fmt.Sprintf(format, args...))
}

// world is a random building with services, counters and rooms. Its weekly
// hours are kept in minutes too, so the oracle needs no Building.Plan.
type world struct {
	b        Building
	services []Service
	counters []Counter
	rooms    []Room
	cat      *Catalog
	weekly   map[int][]span // weekday → spans
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func randomWorld(r *rand.Rand, near time.Time) *world {
	grid := []int{5, 10, 15}[r.IntN(3)]
	snap := func(m int) int { return m / grid * grid }
	w := &world{weekly: map[int][]span{}}
	b := Building{ID: "b", Name: "Rathaus", SlotMinutes: grid, TicketPrefix: "R", HolidayRegion: "NW"}
	for wd := 1; wd <= 5; wd++ {
		if r.IntN(8) == 0 {
			continue // closed that weekday
		}
		open := snap(7*60 + r.IntN(121))
		mid := open + snap(120+r.IntN(181))
		spans := []span{{open, mid}}
		if gap := snap(r.IntN(61)); r.IntN(3) > 0 { // a lunch break; 0 minutes: touching intervals, merged
			spans = append(spans, span{mid + gap, mid + gap + snap(60+r.IntN(181))})
		}
		for _, s := range spans {
			b.Hours = append(b.Hours, Interval{Weekday: wd, Open: hhmm(s.open), Close: hhmm(s.close)})
		}
		w.weekly[wd] = spans
	}
	if r.IntN(2) == 0 { // Saturdays have no weekly hours
		b.MonthlyDays = []MonthlyDay{{Nth: []int{1, 2, -1}[r.IntN(3)], Weekday: 6, Hours: []TimeRange{{"09:00", hhmm(snap(11*60 + r.IntN(121)))}}}}
	}
	// Exceptions near now, some on the next holiday, which they override.
	for range r.IntN(4) {
		from := near.AddDate(0, 0, r.IntN(20)-2)
		if i, _ := slices.BinarySearch(nrwHolidays, Day(near)); r.IntN(3) == 0 && i < len(nrwHolidays) {
			from, _ = time.ParseInLocation(time.DateOnly, nrwHolidays[i], Berlin)
		}
		e := Exception{From: Day(from), To: Day(from.AddDate(0, 0, r.IntN(3))), Closed: r.IntN(2) == 0, Reason: "Betriebsausflug"}
		if r.IntN(2) == 0 {
			e.To = "" // the day From alone
		}
		if o := snap(8*60 + r.IntN(120)); !e.Closed {
			e.Hours = []TimeRange{{hhmm(o), hhmm(o + snap(60+r.IntN(180)))}}
		}
		b.Exceptions = append(b.Exceptions, e)
	}
	b.Booking = BookingRules{MinLeadMinutes: []int{0, 0, 15, 60, 120}[r.IntN(5)], DayTickets: []int{0, 0, 1, 2, 3, 6}[r.IntN(6)],
		HorizonMonths: map[string]int{}, DayTicketOpens: map[string]string{}}
	for _, ch := range Channels {
		if r.IntN(4) == 0 {
			b.Booking.HorizonMonths[ch] = r.IntN(3)
		}
		if r.IntN(4) == 0 {
			b.Booking.DayTicketOpens[ch] = hhmm(snap(6*60 + r.IntN(180)))
		}
	}
	if r.IntN(3) == 0 {
		b.Booking.ReleaseAt = hhmm(snap(7*60 + r.IntN(90)))
	}
	w.b = b
	depts := []string{"", "bau", "sozial"}
	for i := range 3 + r.IntN(6) {
		w.services = append(w.services, Service{ID: fmt.Sprintf("s%d", i), DurationMin: 5 + r.IntN(41),
			Buildings: []string{"b"}, Department: depts[r.IntN(3)], NeedsRoom: r.IntN(3) == 0})
	}
	for i := range 1 + r.IntN(5) {
		k := Counter{ID: fmt.Sprintf("k%d", i), Building: "b", HeldBack: r.IntN(5) == 0}
		for _, s := range w.services {
			if r.IntN(10) < 7 {
				k.Services = append(k.Services, s.ID)
			}
		}
		for wd := range 7 * (r.IntN(3) / 2) { // a third of them work on some weekdays only
			if r.IntN(3) > 0 {
				k.Weekdays = append(k.Weekdays, wd+1)
			}
		}
		for range r.IntN(3) {
			from := near.AddDate(0, 0, r.IntN(20)-2)
			k.Absences = append(k.Absences, DateRange{From: Day(from), To: Day(from.AddDate(0, 0, r.IntN(4)))})
		}
		w.counters = append(w.counters, k)
	}
	for i := range r.IntN(5) {
		w.rooms = append(w.rooms, Room{ID: fmt.Sprintf("r%d", i), Building: "b", Department: depts[r.IntN(3)], BarrierFree: r.IntN(3) == 0})
	}
	w.cat = NewCatalog([]Building{b}, w.services, w.counters, w.rooms)
	return w
}

// randomNow is a moment from 2026 to 2028, often in the morning when day
// tickets and held-back counters open, sometimes before a change of summer
// time.
func randomNow(r *rand.Rand) time.Time {
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, Berlin).AddDate(0, 0, r.IntN(1050))
	if changes := []string{"2026-03-29", "2026-10-25", "2027-03-28", "2027-10-31", "2028-03-26", "2028-10-29"}; r.IntN(5) == 0 {
		c, _ := time.ParseInLocation(time.DateOnly, changes[r.IntN(len(changes))], Berlin)
		day = c.AddDate(0, 0, -r.IntN(4))
	}
	m := []int{5*60 + r.IntN(14*60), 6*60 + 30 + r.IntN(150)}[r.IntN(2)]
	return time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, Berlin)
}

// open is the oracle's day: the merged local spans of day (YYYY-MM-DD).
func (w *world) open(day string) []span {
	for _, e := range w.b.Exceptions {
		if e.From <= day && day <= cmpOr(e.To, e.From) {
			return spansOf(e.Hours) // none when closed
		}
	}
	if slices.Contains(nrwHolidays, day) {
		return nil
	}
	t, _ := time.ParseInLocation(time.DateOnly, day, Berlin)
	wd := isoWeekday(t.Weekday())
	spans := slices.Clone(w.weekly[wd])
	for _, md := range w.b.MonthlyDays {
		last := t.AddDate(0, 0, 7).Month() != t.Month()
		if md.Weekday == wd && ((md.Nth == -1 && last) || (md.Nth > 0 && (t.Day()+6)/7 == md.Nth)) {
			spans = append(spans, spansOf(md.Hours)...)
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.open - b.open })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.open <= out[n-1].close {
			out[n-1].close = max(out[n-1].close, s.close)
		} else {
			out = append(out, s)
		}
	}
	return out
}

func spansOf(rs []TimeRange) []span {
	var out []span
	for _, r := range rs {
		o, _ := parseClock(r.Open)
		c, _ := parseClock(r.Close)
		out = append(out, span{o, c})
	}
	return out
}

// need is what the oracle derives from a query's services.
type need struct {
	minutes   int
	needsRoom bool
	dept      string // the first department named among the concerns that need a room
}

func (w *world) need(services []string) need {
	var n need
	for _, id := range services {
		s := w.cat.Services[id]
		n.minutes += s.DurationMin
		if s.NeedsRoom {
			n.needsRoom, n.dept = true, cmpOr(n.dept, s.Department)
		}
	}
	g := w.b.SlotMinutes
	n.minutes = (n.minutes + g - 1) / g * g
	return n
}

// staffedOn: the counter works that day (weekdays, absences).
func staffedOn(k Counter, day string) bool {
	t, _ := time.ParseInLocation(time.DateOnly, day, Berlin)
	absent := slices.ContainsFunc(k.Absences, func(a DateRange) bool { return a.From <= day && day <= cmpOr(a.To, a.From) })
	return !absent && (len(k.Weekdays) == 0 || slices.Contains(k.Weekdays, isoWeekday(t.Weekday())))
}

// servesAll: k has every skill of services.
func servesAll(k Counter, services []string) bool {
	return !slices.ContainsFunc(services, func(s string) bool { return !slices.Contains(k.Services, s) })
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// roomFits: the room may hold an appointment of n.
func roomFits(r Room, n need, barrierFree bool) bool {
	return (!barrierFree || r.BarrierFree) && (r.Department == "" || (n.dept != "" && r.Department == n.dept))
}

func overlaps(a Appointment, start, end time.Time) bool {
	return a.Start.Before(end) && start.Before(a.End)
}

// oracle lists every start q may book, by the rules written out plainly.
func (p *propRun) oracle(q Query) []time.Time {
	w, n, today := p.w, p.w.need(q.Services), Day(q.Now)
	months, ok := w.b.Booking.HorizonMonths[q.Channel]
	if !ok {
		months = map[bool]int{true: 3, false: 12}[q.Channel == ChannelOnline]
	}
	lastDay := Day(q.Now.In(Berlin).AddDate(0, months, 0))
	lead := q.Now.Add(time.Duration(w.b.Booking.MinLeadMinutes) * time.Minute)
	from, _ := time.ParseInLocation(time.DateOnly, q.From, Berlin)
	var out []time.Time
	for i := range q.Days {
		day := Day(from.AddDate(0, 0, i).Add(12 * time.Hour))
		spans := w.open(day)
		if day < today || day > lastDay || len(spans) == 0 {
			continue
		}
		var held []Appointment
		tickets := 0
		for _, a := range p.appts {
			if a.Active() && a.ID != q.Ignore && Day(a.Start) == day {
				held = append(held, a)
				if a.SameDay {
					tickets++
				}
			}
		}
		sameDay := day == today
		if sameDay && w.b.Booking.DayTickets > 0 {
			opens, _ := parseClock(cmpOr(w.b.Booking.DayTicketOpens[q.Channel], map[bool]string{true: "07:00", false: "08:00"}[q.Channel == ChannelOnline]))
			if q.Now.Before(At(today, opens)) || tickets >= w.b.Booking.DayTickets {
				continue
			}
		}
		release := At(day, spans[0].open-15)
		if m, ok := parseClock(w.b.Booking.ReleaseAt); ok {
			release = At(day, m)
		}
		for _, s := range spans {
			for m := s.open; m+n.minutes <= s.close; m += w.b.SlotMinutes {
				start := At(day, m)
				end := start.Add(time.Duration(n.minutes) * time.Minute)
				if !start.Before(lead) && p.placeable(q, n, held, day, sameDay && !q.Now.Before(release), start, end) {
					out = append(out, start)
				}
			}
		}
	}
	return out
}

// gridStart: start is not in the past and is a start of its day for q's
// length: on the grid of an opening, ending inside it.
func (p *propRun) gridStart(q Query, start time.Time) bool {
	day, n := Day(start), p.w.need(q.Services)
	return !start.Before(q.Now) && slices.ContainsFunc(p.w.open(day), func(s span) bool {
		from := At(day, s.open)
		return !start.Before(from) && start.Sub(from)%(time.Duration(p.w.b.SlotMinutes)*time.Minute) == 0 &&
			!start.Add(time.Duration(n.minutes)*time.Minute).After(At(day, s.close))
	})
}

// placeable: some counter that serves everything is staffed and free, and
// (if needed) some fitting room is free.
func (p *propRun) placeable(q Query, n need, held []Appointment, day string, released bool, start, end time.Time) bool {
	counter := slices.ContainsFunc(p.w.counters, func(k Counter) bool {
		return servesAll(k, q.Services) && staffedOn(k, day) && (!k.HeldBack || released) &&
			!slices.ContainsFunc(held, func(a Appointment) bool { return a.Counter == k.ID && overlaps(a, start, end) })
	})
	return counter && (!n.needsRoom || slices.ContainsFunc(p.w.rooms, func(r Room) bool {
		return roomFits(r, n, q.BarrierFree) && !slices.ContainsFunc(held, func(a Appointment) bool { return a.Room == r.ID && overlaps(a, start, end) })
	}))
}

func (p *propRun) randomQuery() Query {
	ids := make([]string, len(p.w.services))
	for i, s := range p.w.services {
		ids[i] = s.ID
	}
	p.r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	q := Query{Building: "b", Services: ids[:1+p.r.IntN(min(4, len(ids)))], Channel: Channels[p.r.IntN(4)],
		Now: p.now, BarrierFree: p.r.IntN(4) == 0, Days: 1 + p.r.IntN(21), From: Day(p.now.AddDate(0, 0, p.r.IntN(8)-2))}
	if active := p.active(); len(active) > 0 && p.r.IntN(6) == 0 {
		q.Ignore = active[p.r.IntN(len(active))].ID // a move
	}
	return q
}

func (p *propRun) active() []Appointment {
	return slices.DeleteFunc(slices.Clone(p.appts), func(a Appointment) bool { return !a.Active() })
}

// book records an allocated slot as the store would: the new appointment,
// and for a move the old one cancelled.
func (p *propRun) book(q Query, s Slot) {
	p.checkSlot(q, s)
	p.ids++
	a := Appointment{ID: fmt.Sprintf("a%d", p.ids), Building: "b", Services: q.Services, Start: s.Start, End: s.End,
		Counter: s.Counter, Room: s.Room, BarrierFree: q.BarrierFree, Channel: q.Channel, BookedAt: p.now,
		SameDay: Day(p.now) == Day(s.Start), Status: ApptBooked, MovedFrom: q.Ignore}
	p.appts = append(p.appts, a)
	p.occ.Put(a)
	if q.Ignore != "" {
		p.cancel(q.Ignore)
	}
}

func (p *propRun) cancel(id string) {
	i := slices.IndexFunc(p.appts, func(a Appointment) bool { return a.ID == id })
	p.appts[i].Status = ApptCancelled
	if p.r.IntN(2) == 0 {
		p.occ.Put(p.appts[i])
	} else {
		p.occ.Remove(id)
	}
}

// checkSlot: a slot about to be booked has the right length and a counter
// and room that may hold it, the department's own room first.
func (p *propRun) checkSlot(q Query, s Slot) {
	n := p.w.need(q.Services)
	if k, ok := p.w.cat.Counter(s.Counter); !ok || (k.HeldBack && Day(s.Start) != Day(p.now)) {
		p.failf("slot %v at counter %+v: unknown, or held back and not today", s.Start, k)
	}
	if got := s.End.Sub(s.Start); got != time.Duration(n.minutes)*time.Minute {
		p.failf("slot %v lasts %v, want %d min for %v", s.Start, got, n.minutes, q.Services)
	}
	ri := slices.IndexFunc(p.w.rooms, func(r Room) bool { return r.ID == s.Room })
	if !n.needsRoom || ri < 0 || !roomFits(p.w.rooms[ri], n, q.BarrierFree) {
		if n.needsRoom || s.Room != "" {
			p.failf("slot %v in room %q; %v needs %+v (barrier-free %v)", s.Start, s.Room, q.Services, n, q.BarrierFree)
		}
		return
	}
	if p.w.rooms[ri].Department != "" || n.dept == "" {
		return
	}
	for _, r := range p.w.rooms {
		if r.Department == n.dept && roomFits(r, n, q.BarrierFree) && !slices.ContainsFunc(p.active(), func(a Appointment) bool {
			return a.ID != q.Ignore && a.Room == r.ID && overlaps(a, s.Start, s.End)
		}) {
			p.failf("slot %v in shared room %s while the department's room %s is free", s.Start, s.Room, r.ID)
		}
	}
}

// checkInvariants holds after every step, whatever the clock says.
func (p *propRun) checkInvariants() {
	active := p.active()
	tickets, ids := map[string]int{}, map[string][]string{}
	for i, a := range active {
		day := Day(a.Start)
		ids[day] = append(ids[day], a.ID)
		if a.Code == "legacy" {
			continue // booked under other rules; it only has to be respected
		}
		if !slices.ContainsFunc(p.w.open(day), func(s span) bool { return !a.Start.Before(At(day, s.open)) && !a.End.After(At(day, s.close)) }) {
			p.failf("%s %s–%s is not inside one opening of %s %v", a.ID, a.Start.In(Berlin).Format("15:04"), a.End.In(Berlin).Format("15:04"), day, p.w.open(day))
		}
		if slices.Contains(nrwHolidays, day) && !slices.ContainsFunc(p.w.b.Exceptions, func(e Exception) bool { return e.From <= day && day <= cmpOr(e.To, e.From) }) {
			p.failf("%s on the holiday %s", a.ID, day)
		}
		if k, _ := p.w.cat.Counter(a.Counter); !servesAll(k, a.Services) || !staffedOn(k, day) || (k.HeldBack && !a.SameDay) {
			p.failf("%s at counter %+v: does not serve %v, is not staffed on %s, or is held back", a.ID, k, a.Services, day)
		}
		if a.SameDay {
			if tickets[day]++; p.w.b.Booking.DayTickets > 0 && tickets[day] > p.w.b.Booking.DayTickets {
				p.failf("%d day tickets on %s, contingent %d", tickets[day], day, p.w.b.Booking.DayTickets)
			}
		}
		for _, b := range active[:i] {
			if b.Code != "legacy" && overlaps(b, a.Start, a.End) && (b.Counter == a.Counter || (a.Room != "" && b.Room == a.Room)) {
				p.failf("%s and %s overlap at counter %s / room %q", a.ID, b.ID, a.Counter, a.Room)
			}
		}
	}
	for day, want := range ids {
		var got []string
		for _, b := range p.occ.Day("b", day) {
			got = append(got, b.ID)
		}
		if slices.Sort(want); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
			p.failf("occupancy of %s = %v, want %v", day, got, want)
		}
	}
}

func starts(slots []Slot) []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = s.Start.In(Berlin).Format("01-02 15:04")
	}
	return out
}

func (p *propRun) run(steps int) {
	for p.step = 0; p.step < steps; p.step++ {
		q := p.randomQuery()
		slots, err := FindSlots(p.w.cat, p.occ, q, 0)
		var want []string
		for _, t := range p.oracle(q) {
			want = append(want, t.In(Berlin).Format("01-02 15:04"))
		}
		if got := starts(slots); err != nil || !slices.Equal(got, want) {
			p.failf("FindSlots(%v, %s, from %s for %d days, barrier-free %v, ignore %q) = %v\n got %v\nwant %v\nbuilding %+v\ncounters %+v\nrooms %+v\nactive %+v",
				q.Services, q.Channel, q.From, q.Days, q.BarrierFree, q.Ignore, err, got, want, p.w.b, p.w.counters, p.w.rooms, p.active())
		}
		offered := map[time.Time]Slot{}
		for _, s := range slots {
			offered[s.Start] = s
		}
		// Offered is bookable: the first, the last and a sample.
		for i := range min(len(slots), 8) {
			s := slots[p.r.IntN(len(slots))]
			if i < 2 {
				s = slots[i*(len(slots)-1)]
			}
			if got, err := Allocate(p.w.cat, p.occ, q, s.Start); err != nil || got != s {
				p.failf("Allocate(%v) = %+v, %v; FindSlots offered %+v", s.Start, got, err, s)
			}
		}
		if limit := 1 + p.r.IntN(5); len(slots) > 0 {
			if got, err := FindSlots(p.w.cat, p.occ, q, limit); err != nil || !slices.Equal(got, slots[:min(limit, len(slots))]) {
				p.failf("FindSlots limit %d = %v, %v; want the first of %v", limit, starts(got), err, starts(slots))
			}
		}
		switch x := p.r.IntN(100); {
		case x < 50 && len(slots) > 0: // book an offered slot, often the earliest
			s := slots[p.r.IntN(len(slots))*p.r.IntN(2)]
			got, err := Allocate(p.w.cat, p.occ, q, s.Start)
			if err != nil {
				p.failf("Allocate(offered %v) = %v", s.Start, err)
			}
			p.book(q, got)
		case x < 70: // any start, on the grid or off it: booked exactly when offered
			from, _ := time.ParseInLocation(time.DateOnly, q.From, Berlin)
			m := 6*60 + p.r.IntN(14*60)
			start := At(Day(from.AddDate(0, 0, p.r.IntN(q.Days)).Add(12*time.Hour)), m-m%5*p.r.IntN(2))
			got, err := Allocate(p.w.cat, p.occ, q, start)
			// Not offered: taken if it is a start of the day at all, bad
			// input if it never can be one.
			code := CodeSlotTaken
			if !p.gridStart(q, start) {
				code = CodeInvalidField
			}
			switch want, ok := offered[start]; {
			case ok && (err != nil || got != want):
				p.failf("Allocate(offered %v) = %+v, %v; want %+v", start, got, err, want)
			case !ok && (err == nil || AsError(err).Code != code || AsError(err).Field != "start"):
				p.failf("Allocate(%v) = %+v, %v; FindSlots did not offer it, want %s on start", start.In(Berlin), got, err, code)
			case ok:
				p.book(q, got)
			}
		case x < 80: // from before a change of configuration: off the grid, maybe overlapping
			p.ids++
			start := At(Day(p.now.AddDate(0, 0, p.r.IntN(10))), 6*60+p.r.IntN(14*60))
			a := Appointment{ID: fmt.Sprintf("x%d", p.ids), Code: "legacy", Building: "b", Counter: p.w.counters[p.r.IntN(len(p.w.counters))].ID,
				Start: start, End: start.Add(time.Duration(1+p.r.IntN(90)) * time.Minute), SameDay: p.r.IntN(2) == 0, Status: ApptBooked}
			if len(p.w.rooms) > 0 && p.r.IntN(2) == 0 {
				a.Room = p.w.rooms[p.r.IntN(len(p.w.rooms))].ID
			}
			p.appts = append(p.appts, a)
			p.occ.Put(a)
		case x < 88:
			if active := p.active(); len(active) > 0 {
				p.cancel(active[p.r.IntN(len(active))].ID)
			}
		default: // time passes: minutes, hours, or into the next days
			p.now = p.now.Add(time.Duration(1+p.r.IntN([]int{30, 300, 3000}[p.r.IntN(3)])) * time.Minute)
		}
		p.checkInvariants()
	}
}

// TestSlotProperties books random sequences in random buildings and checks
// FindSlots and Allocate against a plain oracle and the booking invariants.
func TestSlotProperties(t *testing.T) {
	for _, seed := range propSeeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
			now := randomNow(r)
			p := &propRun{t: t, seed: seed, r: r, now: now, occ: NewOccupancyIndex(), w: randomWorld(r, now)}
			defer func() {
				if e := recover(); e != nil {
					p.failf("panic: %v\n%s", e, debug.Stack())
				}
			}()
			if err := p.w.b.Validate(); err != nil {
				p.failf("the random building is invalid: %v\n%+v", err, p.w.b)
			}
			p.run(80)
		})
	}
}

// TestSlotsAcrossSummerTime: three weeks around each change of 2027 offer
// the same local starts on every weekday, none twice and none missing, and
// every slot lasts its length in real time.
func TestSlotsAcrossSummerTime(t *testing.T) {
	for _, base := range []Building{soestTownHall(), buergerBuero()} {
		for _, grid := range []int{5, 10, 15} {
			for _, change := range []string{"2027-03-28", "2027-10-31"} {
				b := base
				b.SlotMinutes, b.HolidayRegion = grid, "" // Karfreitag and Ostermontag fall in the March weeks
				b.Hours = slices.Concat(b.Hours, week([]int{6, 7}, "10:00-14:00"))
				t.Run(fmt.Sprintf("%s grid %d change %s", b.ID, grid, change), func(t *testing.T) { checkSummerTimeWeeks(t, b, change) })
			}
		}
	}
}

func checkSummerTimeWeeks(t *testing.T, b Building, change string) {
	cat := catalogOf(b, []Counter{generalist("k1", b.ID)}, nil)
	from := At(change, 12*60).AddDate(0, 0, -13) // the Monday two weeks before
	q := ask(b.ID, from.AddDate(0, 0, -1), "gewerbe")
	q.From, q.Days = Day(from), 21
	length := (25 + b.SlotMinutes - 1) / b.SlotMinutes * b.SlotMinutes
	byDay := map[string][]string{}
	for _, s := range mustFind(t, cat, NewOccupancyIndex(), q, 0) {
		if d := s.End.Sub(s.Start); d != time.Duration(length)*time.Minute {
			t.Errorf("slot %s lasts %v, want %d min", s.Start.In(Berlin), d, length)
		}
		byDay[Day(s.Start)] = append(byDay[Day(s.Start)], s.Start.In(Berlin).Format("15:04"))
	}
	for i := range 7 {
		var want []string
		for _, iv := range b.Hours {
			if iv.Weekday == i+1 {
				c, _ := parseClock(iv.Close)
				want = append(want, runs(b.SlotMinutes, iv.Open+"-"+hhmm(c-length))...)
			}
		}
		for w := range 3 {
			day := from.AddDate(0, 0, 7*w+i)
			if got := byDay[Day(day)]; !slices.Equal(got, want) {
				t.Errorf("%s (%s): starts %v,\nwant %v", Day(day), day.Weekday(), got, want)
			}
		}
	}
}

// TestSlotsOnTheNightOfTheChange: a building open through 02:00–03:00 on
// the change days offers each local start once: in March the hour does not
// exist, in October it must not be offered twice (DESIGN.md, "Time":
// daylight-saving changes must not move or duplicate a slot).
func TestSlotsOnTheNightOfTheChange(t *testing.T) {
	b := Building{ID: "rathaus-1", Hours: week([]int{7}, "01:00-04:00"), SlotMinutes: 30, TicketPrefix: "N"}
	cat := catalogOf(b, []Counter{generalist("k1", "rathaus-1")}, nil)
	for day, want := range map[string][]string{
		"2027-03-28": {"01:00", "01:30", "03:00", "03:30"},
		"2027-10-31": {"01:00", "01:30", "02:00", "02:30", "03:00", "03:30"},
	} {
		got := startsOn(t, cat, NewOccupancyIndex(), ask("rathaus-1", wall("2027-03-01", "10:00"), "ausweis"), day)
		if !slices.Equal(got, want) {
			t.Errorf("%s: starts %v, want %v", day, got, want)
		}
	}
}
