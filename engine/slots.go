package engine

import (
	"math"
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

// Occupancy answers which appointments hold a building's day. An
// Occupancy that also is a LaneOccupancy (OccupancyIndex) spares the slot
// finder building each day's lanes.
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
	// Tokens, if set, limits an escrowed building (Building.Escrowed) to
	// the capacity tokens this site may book on. Nil: every free place.
	Tokens TokenView
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
	if len(p.counters) == 0 {
		return out, nil
	}
	for i := 0; i < q.Days; i++ {
		if time.Date(first.Year(), first.Month(), first.Day()+i, 0, 0, 0, 0, Berlin).UnixMilli() >= p.horizonMs {
			break // this day and every later one are beyond the booking horizon
		}
		// Noon: AddDate keeps the calendar day across summer-time changes.
		day := time.Date(first.Year(), first.Month(), first.Day()+i, 12, 0, 0, 0, Berlin)
		out = p.day(occ, day, p.b.Plan(day), out, limit, noStart)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
	}
	return out, nil
}

// Allocate decides where an appointment starting exactly at start goes, by
// the same rules as FindSlots. A start that can never be a slot of this
// appointment is CodeInvalidField on "start" (rule RuleFormat, the detail
// says why): in the past, on a closed day, outside the opening hours, off
// the grid of its opening, running past the opening's end, or the second
// pass through a local time on the night the clocks go back. A start that
// is one of the day's starts but is not free, or not bookable on this
// channel now (lead time, horizon, day tickets, held-back counters,
// staffing), is CodeSlotTaken.
func Allocate(cat *Catalog, occ Occupancy, q Query, start time.Time) (Slot, error) {
	p, err := prepare(cat, q)
	if err != nil {
		return Slot{}, err
	}
	local := start.In(Berlin)
	dp := p.b.Plan(local)
	if err := p.checkStart(local, dp); err != nil {
		return Slot{}, err
	}
	// checkStart passed: start is on the grid, a whole minute.
	found := p.day(occ, local, dp, nil, 1, start.UnixMilli())
	if len(found) == 0 {
		return Slot{}, &Error{Code: CodeSlotTaken, Field: "start", Detail: "no free place at " + local.Format(time.RFC3339)}
	}
	return found[0], nil
}

// checkStart refuses a start that no occupancy, clock or channel could make
// a slot of p: it must not be in the past and must be a start FindSlots
// steps through on its day: on the grid of an opening, the appointment
// inside that opening, and not the second pass through a local time on
// the night the clocks go back.
func (p *plan) checkStart(start time.Time, dp DayPlan) error {
	bad := func(format string, args ...any) error {
		return InvalidRule("start", RuleFormat, "%s: "+format, append([]any{start.Format("2006-01-02 15:04:05 MST")}, args...)...)
	}
	if start.Before(p.q.Now) {
		return bad("in the past (now is %s)", p.q.Now.In(Berlin).Format("2006-01-02 15:04"))
	}
	if !dp.Open() {
		if dp.Reason != "" {
			return bad("%s is closed (%s)", p.b.ID, dp.Reason)
		}
		return bad("%s is closed that day", p.b.ID)
	}
	span := func(o Opening) string {
		return o.Start.In(Berlin).Format("15:04") + "–" + o.End.In(Berlin).Format("15:04")
	}
	for _, o := range dp.Openings {
		if start.Before(o.Start) || !start.Before(o.End) {
			continue
		}
		switch {
		case start.Sub(o.Start)%p.grid != 0:
			return bad("not on the %d-minute grid of the opening %s", p.grid/time.Minute, span(o))
		case start.Add(p.length).After(o.End):
			return bad("%d minutes from there run past the end of the opening %s", p.length/time.Minute, span(o))
		case repeatedWall(o, start, p.grid):
			return bad("the clocks go back that night: this local time is offered once, before the change")
		}
		return nil
	}
	hours := make([]string, len(dp.Openings))
	for i, o := range dp.Openings {
		hours[i] = span(o)
	}
	return bad("outside the opening hours (%s)", strings.Join(hours, ", "))
}

// repeatedWall reports whether FindSlots skips start in opening o because
// an earlier start of o already had its local time or a later one (the
// night the clocks go back).
func repeatedWall(o Opening, start time.Time, grid time.Duration) bool {
	_, before := o.Start.Zone()
	if _, at := start.Zone(); at == before {
		return false // no change of offset in between: local time only moves forward
	}
	last := -1
	for t := o.Start; t.Before(start); t = t.Add(grid) {
		last = max(last, wallMinute(t))
	}
	return wallMinute(start) <= last
}

// wallMinute is the local wall-clock minute of the day of t.
func wallMinute(t time.Time) int {
	local := t.In(Berlin)
	return local.Hour()*60 + local.Minute()
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
	heldBack bool      // some of counters are held back
	today    string    // the local day of q.Now

	// The day loop works in Unix milliseconds.
	lengthMs, gridMs int64
	leadMs           int64 // earliest start: q.Now plus the lead time
	horizonMs        int64 // first start no longer bookable

	// Scratch reused from day to day.
	lanes     []lane     // of the counters staffed that day, in the order of counters
	roomLanes []lane     // of rooms, in that order
	tokens    *DayTokens // the day's tokens this site may use; nil: no limit
}

// noStart: day looks at every start, not at one only.
const noStart = math.MinInt64

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
	grid := b.GridMinutes()
	minutes = (minutes + grid - 1) / grid * grid
	p.length, p.grid = time.Duration(minutes)*time.Minute, time.Duration(grid)*time.Minute
	p.lengthMs, p.gridMs = p.length.Milliseconds(), p.grid.Milliseconds()

	for _, k := range cat.Counters[b.ID] {
		if k.Serves(q.Services) {
			p.counters = append(p.counters, k)
			p.heldBack = p.heldBack || k.HeldBack
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
	// Never before now, whatever the lead time: what FindSlots offers,
	// Allocate must not refuse as past.
	p.leadMs = max(ceilMilli(q.Now.Add(time.Duration(b.Booking.MinLeadMinutes)*time.Minute)), ceilMilli(q.Now))
	months, ok := b.Booking.HorizonMonths[q.Channel]
	if !ok {
		months = defaultHorizonMonths[q.Channel]
	}
	now := q.Now.In(Berlin)
	p.horizonMs = ceilMilli(horizon(now, months))
	p.today = now.Format(time.DateOnly)
	p.lanes = make([]lane, 0, len(p.counters))
	p.roomLanes = make([]lane, len(p.rooms))
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

// day appends the free slots of one local day to out; dp is its plan. If
// only is not noStart, it looks at that start (Unix ms) alone.
func (p *plan) day(occ Occupancy, day time.Time, dp DayPlan, out []Slot, limit int, only int64) []Slot {
	if len(p.counters) == 0 || len(dp.Openings) == 0 {
		return out
	}
	dayStr := dp.Day
	if dayStr < p.today {
		return out
	}
	sameDay := dayStr == p.today
	p.tokens = nil
	if p.q.Tokens != nil && p.b.Escrowed() {
		if p.tokens = p.q.Tokens.TokenDay(p.b.ID, dayStr); p.tokens == nil {
			return out // this site owns nothing of the day
		}
	}
	var lanes *DayLanes
	if lo, ok := occ.(LaneOccupancy); ok {
		lanes = lo.Lanes(p.b.ID, dayStr)
	} else if busy := occ.Day(p.b.ID, dayStr); len(busy) > 0 {
		lanes = NewDayLanes(busy) // nil when empty: nothing held
	}
	if sameDay && !p.sameDayAllowed(lanes) {
		return out
	}
	released := p.heldBack && sameDay && !p.q.Now.Before(p.releaseTime(dp))
	wd := isoWeekday(day.In(Berlin).Weekday())
	p.lanes = p.lanes[:0]
	for i, k := range p.counters {
		if (k.HeldBack && !released) || !staffed(k, dayStr, wd) {
			continue
		}
		p.lanes = append(p.lanes, newLane(lanes.Counter(k.ID), i))
	}
	if len(p.lanes) == 0 {
		return out
	}
	for j, r := range p.rooms {
		p.roomLanes[j] = newLane(lanes.Room(r.ID), j)
	}
	// On the night the clocks go back, real time passes 02:00–03:00 twice:
	// offer each local start once (DESIGN.md: a change of summer time must
	// not double a slot). Local time is only looked at on such a day.
	_, first := dp.Openings[0].Start.Zone()
	_, last := dp.Openings[len(dp.Openings)-1].End.Zone()
	change := first != last
	for _, o := range dp.Openings {
		lastWall := -1
		end := o.End.UnixMilli()
		for t := o.Start.UnixMilli(); t+p.lengthMs <= end; t += p.gridMs {
			if change {
				wall := wallMinute(time.UnixMilli(t))
				if wall <= lastWall {
					continue
				}
				lastWall = wall
			}
			next := t // the earliest start worth looking at
			switch {
			case only != noStart && t < only:
				continue
			case only != noStart && t > only:
				return out
			case t >= p.horizonMs:
				return out // and so is every later start
			case t < p.leadMs:
				next = p.leadMs
			default:
				s, ok, free := p.place(t, t+p.lengthMs)
				if ok {
					out = append(out, s)
					if limit > 0 && len(out) >= limit {
						return out
					}
					continue
				}
				next = free
			}
			// Step over the starts that cannot be free, to the first on
			// the grid at or after next; but not on the night the clocks
			// go back, where the guard above must see every start.
			if skip := next - t; skip > p.gridMs && !change && only == noStart {
				t += (skip - 1) / p.gridMs * p.gridMs
			}
		}
	}
	return out
}

// place finds a counter (and room) free over [start, end). Starts must
// come in increasing order: the lanes only move forward. If there is
// none, free is the earliest start at which there could be one.
func (p *plan) place(start, end int64) (s Slot, ok bool, free int64) {
	ignore := p.q.Ignore
	free = math.MaxInt64
	for i := range p.lanes {
		l := &p.lanes[i]
		if start < l.takenTill || (end > l.freeTill && !l.free(start, end, ignore)) {
			free = min(free, l.takenTill)
			continue
		}
		k := p.counters[l.k].ID
		if p.tokens != nil && !p.tokens.Covers(k, start, end) {
			free = min(free, start+1) // free, but not this site's: try the next start
			continue
		}
		if p.rooms == nil {
			return newSlot(start, end, k, ""), true, 0
		}
		notOurs := false
		for j := range p.roomLanes {
			r := &p.roomLanes[j]
			if start < r.takenTill || (end > r.freeTill && !r.free(start, end, ignore)) {
				continue
			}
			if p.tokens != nil && !p.tokens.Covers(p.rooms[j].ID, start, end) {
				notOurs = true
				continue
			}
			return newSlot(start, end, k, p.rooms[j].ID), true, 0
		}
		if notOurs {
			return Slot{}, false, start + 1
		}
		// Every room is taken: another counter will not help, and no
		// start is before a room is free again.
		free = math.MaxInt64
		for j := range p.roomLanes {
			free = min(free, p.roomLanes[j].takenTill)
		}
		return Slot{}, false, free
	}
	return Slot{}, false, free
}

func newSlot(start, end int64, counter, room string) Slot {
	return Slot{Start: time.UnixMilli(start).In(Berlin), End: time.UnixMilli(end).In(Berlin), Counter: counter, Room: room}
}

// lane is what one counter or room holds on a day, sorted by start, with a
// cursor that skips what ended before the start under test. A day's search
// is thus linear in its starts plus its appointments.
//
// Starts come in increasing order and all have the same length, so a lane
// also remembers its last answer: taken until the end of the span in the
// way, or free for every start whose end does not pass the next span.
type lane struct {
	spans     []Span
	i         int
	takenTill int64 // no start before this is free
	freeTill  int64 // every start (from the last one asked) that ends by this is free
	k         int   // the counter's index in plan.counters
}

func newLane(spans []Span, k int) lane {
	return lane{spans: spans, takenTill: math.MinInt64, freeTill: math.MinInt64, k: k}
}

// free reports whether nothing in the lane but the appointment ignore
// overlaps [start, end). With the lane sorted by start, the entries still
// running at start are the only ones to look at, up to the first that
// starts at end or later.
//
// After a false answer, takenTill is past start. place asks takenTill and
// freeTill itself first; free does not.
func (l *lane) free(start, end int64, ignore string) bool {
	for l.i < len(l.spans) && l.spans[l.i].End <= start {
		l.i++
	}
	j := l.i
	for ; j < len(l.spans) && l.spans[j].Start < end; j++ {
		if s := &l.spans[j]; s.End > start && (ignore == "" || s.ID != ignore) {
			l.takenTill = s.End // it overlaps every later start before its end
			return false
		}
	}
	// Free: what starts before end does not overlap; a later start is
	// free too until its end passes the start of the next span.
	for j < len(l.spans) && ignore != "" && l.spans[j].ID == ignore {
		j++
	}
	l.freeTill = math.MaxInt64
	if j < len(l.spans) {
		l.freeTill = l.spans[j].Start
	}
	return true
}

// sameDayAllowed: the day ticket rules for booking today.
func (p *plan) sameDayAllowed(lanes *DayLanes) bool {
	rules := p.b.Booking
	if rules.DayTickets <= 0 {
		return true
	}
	opens, ok := rules.DayTicketOpens[p.q.Channel]
	if !ok {
		opens = defaultDayTicketOpens[p.q.Channel]
	}
	if m, err := ParseClock("opens", opens); err == nil && p.q.Now.Before(At(p.today, m)) {
		return false
	}
	if p.tokens != nil && p.tokens.Tickets <= 0 {
		return false // no day ticket of this site's left
	}
	used := lanes.SameDay()
	if p.q.Ignore != "" { // a move frees its own ticket
		busy := lanes.Busy()
		if i := slices.IndexFunc(busy, func(b Busy) bool { return b.ID == p.q.Ignore }); i >= 0 && busy[i].SameDay {
			used--
		}
	}
	return used < rules.DayTickets
}

// releaseTime: when held-back counters open for the day.
func (p *plan) releaseTime(dp DayPlan) time.Time { return p.b.ReleaseTime(dp) }

// GridMinutes is the grid appointments start on: SlotMinutes, 5 if unset.
func (b Building) GridMinutes() int {
	if b.SlotMinutes <= 0 {
		return 5
	}
	return b.SlotMinutes
}

// ReleaseTime is when, on an open day, held-back counters open for
// same-day booking and other sites' unused capacity tokens of the day
// return to the home site: Booking.ReleaseAt, else 15 minutes before the
// day's first opening.
func (b Building) ReleaseTime(dp DayPlan) time.Time {
	if m, err := ParseClock("release_at", b.Booking.ReleaseAt); err == nil && b.Booking.ReleaseAt != "" {
		return At(dp.Day, m)
	}
	return dp.Openings[0].Start.Add(-15 * time.Minute)
}

// StaffedOn reports whether counter k is staffed on a local day.
func (k Counter) StaffedOn(day string) bool {
	d, err := time.ParseInLocation(time.DateOnly, day, Berlin)
	return err == nil && staffed(k, day, isoWeekday(d.Weekday()))
}

// staffed reports whether counter k is staffed on the local day, whose
// ISO weekday is wd.
func staffed(k Counter, day string, wd int) bool {
	if len(k.Weekdays) > 0 && !slices.Contains(k.Weekdays, wd) {
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
