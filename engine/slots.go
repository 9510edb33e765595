package engine

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Catalog is the configuration the slot finder works from: buildings,
// services, counters and rooms, indexed. It is a snapshot: the store builds
// a new one when configuration changes, and nobody mutates one in place.
type Catalog struct {
	Buildings map[string]Building
	Services  map[string]Service
	Counters  map[string][]Counter // by building, sorted by id
	Rooms     map[string][]Room    // by building, sorted by id
}

// NewCatalog indexes configuration.
func NewCatalog(buildings []Building, services []Service, counters []Counter, rooms []Room) *Catalog {
	c := &Catalog{
		Buildings: map[string]Building{}, Services: map[string]Service{},
		Counters: map[string][]Counter{}, Rooms: map[string][]Room{},
	}
	for _, b := range buildings {
		c.Buildings[b.ID] = b
	}
	for _, s := range services {
		c.Services[s.ID] = s
	}
	for _, k := range counters {
		c.Counters[k.Building] = append(c.Counters[k.Building], k)
	}
	for _, r := range rooms {
		c.Rooms[r.Building] = append(c.Rooms[r.Building], r)
	}
	for b := range c.Counters {
		sort.Slice(c.Counters[b], func(i, j int) bool { return c.Counters[b][i].ID < c.Counters[b][j].ID })
	}
	for b := range c.Rooms {
		sort.Slice(c.Rooms[b], func(i, j int) bool { return c.Rooms[b][i].ID < c.Rooms[b][j].ID })
	}
	return c
}

// Counter returns a counter by id.
func (c *Catalog) Counter(id string) (Counter, bool) {
	for _, ks := range c.Counters {
		for _, k := range ks {
			if k.ID == id {
				return k, true
			}
		}
	}
	return Counter{}, false
}

// Busy is one active appointment as the slot finder sees it.
type Busy struct {
	ID      string
	Counter string
	Room    string
	Start   time.Time
	End     time.Time
	SameDay bool
}

// Occupancy answers which appointments hold a building's day.
type Occupancy interface {
	// Day returns the active appointments of a building on a local day
	// (YYYY-MM-DD), preferably sorted by start. The caller must not modify
	// the slice.
	Day(building, day string) []Busy
}

// Slot is a free start, and where the appointment would go.
type Slot struct {
	Start   time.Time
	End     time.Time
	Counter string
	Room    string
}

// Query asks for free slots.
type Query struct {
	Building string
	Services []string
	From     string // first day, YYYY-MM-DD
	Days     int    // how many days from From
	Channel  string
	Now      time.Time
	// BarrierFree: the appointment needs a barrier-free room (if it
	// needs a room at all).
	BarrierFree bool
	// Ignore is an appointment whose own place counts as free (a move).
	Ignore string
}

// Default booking horizons and same-day opening times per channel.
var (
	defaultHorizonMonths  = map[string]int{ChannelDesk: 12, ChannelPhone: 12, ChannelBranch: 12, ChannelOnline: 3}
	defaultDayTicketOpens = map[string]string{ChannelOnline: "07:00", ChannelDesk: "08:00", ChannelPhone: "08:00", ChannelBranch: "08:00"}
)

// MaxSlotDays bounds one slot search.
const MaxSlotDays = 366

// FindSlots returns every free start of the query, earliest first, at most
// limit (0: no limit). Every slot it returns, Allocate books, unless the
// occupancy changed in between.
func FindSlots(cat *Catalog, occ Occupancy, q Query, limit int) ([]Slot, error) {
	p, err := prepare(cat, q)
	if err != nil {
		return nil, err
	}
	first, err := time.ParseInLocation(time.DateOnly, q.From, Berlin)
	if err != nil {
		return nil, InvalidRule("from", RuleFormat, "want YYYY-MM-DD, got %q", q.From)
	}
	if q.Days < 1 || q.Days > MaxSlotDays {
		e := InvalidRule("days", RuleFormat, "days must be 1..%d, got %d", MaxSlotDays, q.Days)
		e.Limit = MaxSlotDays
		return nil, e
	}
	var out []Slot
	for i := 0; i < q.Days; i++ {
		// Noon: AddDate keeps the calendar day across summer-time changes.
		day := time.Date(first.Year(), first.Month(), first.Day()+i, 12, 0, 0, 0, Berlin)
		out = p.day(occ, day, out, limit, time.Time{})
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
	}
	return out, nil
}

// Allocate decides where an appointment starting exactly at start goes, by
// the same rules as FindSlots. A start that is not free, or not bookable
// on this channel now, is CodeSlotTaken; bad input is CodeInvalidField.
func Allocate(cat *Catalog, occ Occupancy, q Query, start time.Time) (Slot, error) {
	p, err := prepare(cat, q)
	if err != nil {
		return Slot{}, err
	}
	found := p.day(occ, start.In(Berlin), nil, 1, start)
	if len(found) == 0 {
		return Slot{}, &Error{Code: CodeSlotTaken, Field: "start", Detail: "no free place at " + start.In(Berlin).Format(time.RFC3339)}
	}
	return found[0], nil
}

// plan is a query checked against the catalog, ready to scan days.
type plan struct {
	q        Query
	b        Building
	services []Service
	length   time.Duration
	grid     time.Duration
	counters []Counter // can serve every service, fewest skills first
	rooms    []Room    // ordered: the department's own first, then shared; nil if no room needed
	lead     time.Time // earliest start
	horizon  time.Time // first start no longer bookable
}

func prepare(cat *Catalog, q Query) (*plan, error) {
	b, ok := cat.Buildings[q.Building]
	if !ok {
		return nil, InvalidRule("building", RuleUnknown, "unknown building %q", q.Building)
	}
	if err := checkServices(q.Services); err != nil {
		return nil, err
	}
	if q.Channel == "" {
		q.Channel = ChannelDesk
	}
	if !slices.Contains(Channels, q.Channel) {
		return nil, InvalidRule("channel", RuleFormat, "unknown channel %q", q.Channel)
	}
	p := &plan{q: q, b: b}
	minutes, needsRoom, dept := 0, false, ""
	for _, id := range q.Services {
		s, ok := cat.Services[id]
		if !ok {
			return nil, InvalidRule("services", RuleUnknown, "unknown service %q", id)
		}
		if !slices.Contains(s.Buildings, b.ID) {
			return nil, InvalidRule("services", "not_offered", "%s is not offered in %s", id, b.ID)
		}
		p.services = append(p.services, s)
		minutes += s.DurationMin
		if s.NeedsRoom {
			needsRoom = true
			if dept == "" {
				dept = s.Department
			}
		}
	}
	grid := b.SlotMinutes
	if grid <= 0 {
		grid = 5
	}
	minutes = (minutes + grid - 1) / grid * grid
	p.length, p.grid = time.Duration(minutes)*time.Minute, time.Duration(grid)*time.Minute

	for _, k := range cat.Counters[b.ID] {
		if k.Serves(q.Services) {
			p.counters = append(p.counters, k)
		}
	}
	// Keep the versatile counters free for the appointments only they can
	// serve: try the most specialised counter first.
	sort.SliceStable(p.counters, func(i, j int) bool { return len(p.counters[i].Services) < len(p.counters[j].Services) })
	if needsRoom {
		for _, own := range []bool{true, false} {
			for _, r := range cat.Rooms[b.ID] {
				if q.BarrierFree && !r.BarrierFree {
					continue
				}
				if (own && dept != "" && r.Department == dept) || (!own && r.Department == "") {
					p.rooms = append(p.rooms, r)
				}
			}
		}
		if len(p.rooms) == 0 {
			p.counters = nil // no room, no appointment
		}
	}
	p.lead = q.Now.Add(time.Duration(b.Booking.MinLeadMinutes) * time.Minute)
	months, ok := b.Booking.HorizonMonths[q.Channel]
	if !ok {
		months = defaultHorizonMonths[q.Channel]
	}
	now := q.Now.In(Berlin)
	p.horizon = horizon(now, months)
	return p, nil
}

// Serves reports whether counter k can serve every one of services.
func (k Counter) Serves(services []string) bool {
	for _, s := range services {
		if !slices.Contains(k.Services, s) {
			return false
		}
	}
	return true
}

// day appends the free slots of one local day to out. If only is set, it
// looks at that start alone.
func (p *plan) day(occ Occupancy, day time.Time, out []Slot, limit int, only time.Time) []Slot {
	if len(p.counters) == 0 {
		return out
	}
	dp := p.b.Plan(day)
	if len(dp.Openings) == 0 {
		return out
	}
	dayStr := dp.Day
	today := Day(p.q.Now)
	if dayStr < today {
		return out
	}
	sameDay := dayStr == today
	busy := occ.Day(p.b.ID, dayStr)
	if p.q.Ignore != "" {
		busy = without(busy, p.q.Ignore)
	}
	byStart := func(a, b Busy) int { return a.Start.Compare(b.Start) }
	if !slices.IsSortedFunc(busy, byStart) { // the lanes need it; OccupancyIndex keeps it so
		busy = slices.SortedFunc(slices.Values(busy), byStart)
	}
	if sameDay && !p.sameDayAllowed(busy) {
		return out
	}
	counters := p.counters
	if slices.ContainsFunc(counters, func(k Counter) bool { return k.HeldBack }) {
		released := sameDay && !p.q.Now.Before(p.releaseTime(dp))
		counters = slices.DeleteFunc(slices.Clone(counters), func(k Counter) bool { return k.HeldBack && !released })
	}
	counters = slices.DeleteFunc(slices.Clone(counters), func(k Counter) bool { return !staffed(k, dayStr, day) })
	if len(counters) == 0 {
		return out
	}
	lanes := makeLanes(busy, counters, func(b Busy, k Counter) bool { return b.Counter == k.ID })
	var roomLanes []lane
	if p.rooms != nil {
		roomLanes = makeLanes(busy, p.rooms, func(b Busy, r Room) bool { return b.Room == r.ID })
	}
	for _, o := range dp.Openings {
		lastWall := -1
		for t := o.Start; !t.Add(p.length).After(o.End); t = t.Add(p.grid) {
			// On the night the clocks go back, real time passes 02:00–03:00
			// twice: offer each local start once (DESIGN.md: a change of
			// summer time must not double a slot).
			local := t.In(Berlin)
			wall := local.Hour()*60 + local.Minute()
			if wall <= lastWall {
				continue
			}
			lastWall = wall
			if !only.IsZero() {
				if t.Before(only) {
					continue
				}
				if t.After(only) {
					return out
				}
			}
			if t.Before(p.lead) || !t.Before(p.horizon) {
				continue
			}
			end := t.Add(p.length)
			if s, ok := p.place(counters, lanes, roomLanes, t, end); ok {
				out = append(out, s)
				if limit > 0 && len(out) >= limit {
					return out
				}
			}
		}
	}
	return out
}

// place finds a counter (and room) free over [start, end). Starts must
// come in increasing order: the lanes only move forward.
func (p *plan) place(counters []Counter, lanes, roomLanes []lane, start, end time.Time) (Slot, bool) {
	for i, k := range counters {
		if !lanes[i].free(start, end) {
			continue
		}
		if p.rooms == nil {
			return Slot{Start: start, End: end, Counter: k.ID}, true
		}
		for j, r := range p.rooms {
			if roomLanes[j].free(start, end) {
				return Slot{Start: start, End: end, Counter: k.ID, Room: r.ID}, true
			}
		}
		return Slot{}, false // every room is taken: another counter will not help
	}
	return Slot{}, false
}

// lane is what one counter or room holds on a day, sorted by start, with a
// cursor that skips what ended before the start under test. A day's search
// is thus linear in its starts plus its appointments.
type lane struct {
	busy []Busy
	i    int
}

func makeLanes[T any](busy []Busy, things []T, holds func(Busy, T) bool) []lane {
	lanes := make([]lane, len(things))
	for _, b := range busy { // busy is sorted by start, so each lane is too
		for i, t := range things {
			if holds(b, t) {
				lanes[i].busy = append(lanes[i].busy, b)
			}
		}
	}
	return lanes
}

// free reports whether nothing in the lane overlaps [start, end). With the
// lane sorted by start, the first entry still running at start is the only
// one to look at: any later one starts even later.
func (l *lane) free(start, end time.Time) bool {
	for l.i < len(l.busy) && !l.busy[l.i].End.After(start) {
		l.i++
	}
	for j := l.i; j < len(l.busy) && l.busy[j].Start.Before(end); j++ {
		if l.busy[j].End.After(start) {
			return false
		}
	}
	return true
}

func without(busy []Busy, id string) []Busy {
	i := slices.IndexFunc(busy, func(b Busy) bool { return b.ID == id })
	if i < 0 {
		return busy
	}
	return slices.Delete(slices.Clone(busy), i, i+1)
}

// sameDayAllowed: the day ticket rules for booking today.
func (p *plan) sameDayAllowed(busy []Busy) bool {
	rules := p.b.Booking
	if rules.DayTickets <= 0 {
		return true
	}
	opens, ok := rules.DayTicketOpens[p.q.Channel]
	if !ok {
		opens = defaultDayTicketOpens[p.q.Channel]
	}
	if m, err := ParseClock("opens", opens); err == nil && p.q.Now.Before(At(Day(p.q.Now), m)) {
		return false
	}
	used := 0
	for _, b := range busy {
		if b.SameDay {
			used++
		}
	}
	return used < rules.DayTickets
}

// releaseTime: when held-back counters open for the day.
func (p *plan) releaseTime(dp DayPlan) time.Time {
	if m, err := ParseClock("release_at", p.b.Booking.ReleaseAt); err == nil && p.b.Booking.ReleaseAt != "" {
		return At(dp.Day, m)
	}
	return dp.Openings[0].Start.Add(-15 * time.Minute)
}

// staffed reports whether counter k is staffed on the local day.
func staffed(k Counter, day string, t time.Time) bool {
	if len(k.Weekdays) > 0 && !slices.Contains(k.Weekdays, isoWeekday(t.In(Berlin).Weekday())) {
		return false
	}
	for _, a := range k.Absences {
		to := a.To
		if to == "" {
			to = a.From
		}
		if day >= a.From && day <= to {
			return false
		}
	}
	return true
}

// NormalizeName folds a name for matching at check-in: case, accents typed
// as umlaut or not ("Mueller" = "Müller"), and spacing.
func NormalizeName(s string) string {
	s = strings.ToLower(collapseSpace(s))
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss").Replace(s)
}

// horizon returns the first instant no longer bookable when booking months
// ahead from now: the start of the day after the same day months later, or
// after the last day of that month when it is shorter (a period of months
// ends there, BGB § 188(3)): from 30 November, 3 months reach 28 February.
func horizon(now time.Time, months int) time.Time {
	now = now.In(Berlin)
	y, m := now.Year(), now.Month()+time.Month(months)
	last := time.Date(y, m+1, 0, 12, 0, 0, 0, Berlin).Day() // day 0 of the next month
	d := min(now.Day(), last)
	return time.Date(y, m, d+1, 0, 0, 0, 0, Berlin)
}
