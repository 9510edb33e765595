package engine

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Span is the time one appointment holds a counter or a room, [Start, End)
// in Unix milliseconds. Start is rounded down and End up to the
// millisecond, so comparing them with whole-millisecond starts gives the
// same answer as comparing the instants.
type Span struct {
	Start, End int64
	ID         string // the appointment's
}

// DayLanes is one building-day as the slot finder reads it: its active
// appointments, and per counter and per room the spans they hold, each
// list sorted by start. A DayLanes never changes once built; an update
// builds a new one, so a reader may keep using the one it got.
type DayLanes struct {
	busy     []Busy // sorted by start
	counters map[string][]Span
	rooms    map[string][]Span
	sameDay  int
}

// NewDayLanes builds the lanes of a day from its appointments (in any
// order). It does not keep busy.
func NewDayLanes(busy []Busy) *DayLanes {
	d := &DayLanes{counters: map[string][]Span{}, rooms: map[string][]Span{}}
	d.busy = slices.Clone(busy)
	slices.SortStableFunc(d.busy, func(a, b Busy) int { return a.Start.Compare(b.Start) })
	for _, b := range d.busy {
		s := spanOf(b)
		if b.Counter != "" {
			d.counters[b.Counter] = append(d.counters[b.Counter], s)
		}
		if b.Room != "" {
			d.rooms[b.Room] = append(d.rooms[b.Room], s)
		}
		if b.SameDay {
			d.sameDay++
		}
	}
	return d
}

// Busy returns the day's appointments sorted by start. The caller must not
// modify the slice.
func (d *DayLanes) Busy() []Busy {
	if d == nil {
		return nil
	}
	return d.busy
}

// Counter returns the spans counter id holds, sorted by start. The caller
// must not modify the slice.
func (d *DayLanes) Counter(id string) []Span {
	if d == nil {
		return nil
	}
	return d.counters[id]
}

// Room returns the spans room id holds, sorted by start. The caller must
// not modify the slice.
func (d *DayLanes) Room(id string) []Span {
	if d == nil {
		return nil
	}
	return d.rooms[id]
}

// SameDay returns how many of the day's appointments are day tickets.
func (d *DayLanes) SameDay() int {
	if d == nil {
		return 0
	}
	return d.sameDay
}

// LaneOccupancy is an Occupancy that keeps its days as lanes, ready for a
// search (OccupancyIndex does). FindSlots and Allocate use Lanes when the
// occupancy has it, and build the lanes from Day otherwise.
type LaneOccupancy interface {
	Occupancy
	// Lanes returns the day of a building; nil when nothing holds it.
	Lanes(building, day string) *DayLanes
}

// spanOf is b's span in milliseconds, rounded outwards.
func spanOf(b Busy) Span {
	return Span{Start: floorMilli(b.Start), End: ceilMilli(b.End), ID: b.ID}
}

// floorMilli is t in Unix milliseconds, rounded down (UnixMilli adds the
// non-negative nanoseconds of the second to its floor).
func floorMilli(t time.Time) int64 { return t.UnixMilli() }

// ceilMilli is t in Unix milliseconds, rounded up.
func ceilMilli(t time.Time) int64 {
	ms := floorMilli(t)
	if t.Nanosecond()%1e6 != 0 {
		ms++
	}
	return ms
}

// OccupancyIndex holds the active appointments per building and day in
// memory, so a slot search touches no disk. It is safe for concurrent use;
// the store keeps it equal to the appointments table (updated after each
// commit, while the writer still holds the write lock).
type OccupancyIndex struct {
	mu    sync.RWMutex
	days  map[dayKey]*DayLanes
	where map[string]dayKey // appointment id → its day
}

type dayKey struct{ building, day string }

// NewOccupancyIndex returns an empty index.
func NewOccupancyIndex() *OccupancyIndex {
	return &OccupancyIndex{days: map[dayKey]*DayLanes{}, where: map[string]dayKey{}}
}

// Day implements Occupancy: the appointments sorted by start.
func (x *OccupancyIndex) Day(building, day string) []Busy {
	return x.Lanes(building, day).Busy()
}

// Lanes implements LaneOccupancy.
func (x *OccupancyIndex) Lanes(building, day string) *DayLanes {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.days[dayKey{building, day}]
}

// Put records an appointment's current state: an active one holds its
// place, a cancelled one frees it.
func (x *OccupancyIndex) Put(a Appointment) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(a.ID)
	if !a.Active() {
		return
	}
	key := dayKey{a.Building, Day(a.Start)}
	b := Busy{ID: a.ID, Counter: a.Counter, Room: a.Room, Start: a.Start, End: a.End, SameDay: a.SameDay}
	// Copy on write: readers may hold the old day. Only the lists that
	// change are copied; the others are shared.
	old := x.days[key]
	d := &DayLanes{sameDay: old.SameDay()}
	d.busy = insertSorted(old.Busy(), b, func(e Busy) bool { return !e.Start.After(b.Start) })
	s := spanOf(b)
	d.counters = withSpan(old.mapOf(false), b.Counter, s)
	d.rooms = withSpan(old.mapOf(true), b.Room, s)
	if b.SameDay {
		d.sameDay++
	}
	x.days[key] = d
	x.where[a.ID] = key
}

func (d *DayLanes) mapOf(rooms bool) map[string][]Span {
	switch {
	case d == nil:
		return nil
	case rooms:
		return d.rooms
	}
	return d.counters
}

// insertSorted returns a new slice of list with e inserted after the
// leading elements for which before holds.
func insertSorted[T any](list []T, e T, before func(T) bool) []T {
	i := len(list)
	for i > 0 && !before(list[i-1]) { // new ones usually come last
		i--
	}
	out := make([]T, 0, len(list)+1)
	out = append(out, list[:i]...)
	out = append(out, e)
	return append(out, list[i:]...)
}

// withSpan returns a copy of m in which id's list also holds s; the lists
// of the others are shared. An empty id (no room) changes nothing.
func withSpan(m map[string][]Span, id string, s Span) map[string][]Span {
	if id == "" {
		return m
	}
	out := make(map[string][]Span, len(m)+1)
	maps.Copy(out, m)
	out[id] = insertSorted(m[id], s, func(e Span) bool { return e.Start <= s.Start })
	return out
}

// withoutSpan returns a copy of m in which id's list no longer holds the
// span of appointment appt.
func withoutSpan(m map[string][]Span, id, appt string) map[string][]Span {
	if id == "" {
		return m
	}
	out := make(map[string][]Span, len(m))
	maps.Copy(out, m)
	list := slices.DeleteFunc(slices.Clone(m[id]), func(s Span) bool { return s.ID == appt })
	if len(list) == 0 {
		delete(out, id)
	} else {
		out[id] = list
	}
	return out
}

// Remove forgets an appointment.
func (x *OccupancyIndex) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
}

func (x *OccupancyIndex) removeLocked(id string) {
	key, ok := x.where[id]
	if !ok {
		return
	}
	delete(x.where, id)
	old := x.days[key]
	i := slices.IndexFunc(old.busy, func(b Busy) bool { return b.ID == id })
	if i < 0 {
		return // cannot happen: where and days agree
	}
	if len(old.busy) == 1 {
		delete(x.days, key)
		return
	}
	b := old.busy[i]
	d := &DayLanes{sameDay: old.sameDay}
	d.busy = slices.Delete(slices.Clone(old.busy), i, i+1)
	d.counters = withoutSpan(old.counters, b.Counter, id)
	d.rooms = withoutSpan(old.rooms, b.Room, id)
	if b.SameDay {
		d.sameDay--
	}
	x.days[key] = d
}

// Len returns how many appointments hold a place.
func (x *OccupancyIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.where)
}

// Forget drops every day before day (YYYY-MM-DD): the slot finder never
// looks back, and a desk that runs for months must not keep every past
// day in memory.
func (x *OccupancyIndex) Forget(before string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for id, key := range x.where {
		if key.day < before {
			delete(x.where, id)
		}
	}
	for key := range x.days {
		if key.day < before {
			delete(x.days, key)
		}
	}
}
