package engine

import (
	"sort"
	"sync"
)

// OccupancyIndex holds the active appointments per building and day in
// memory, so a slot search touches no disk. It is safe for concurrent use;
// the store keeps it equal to the appointments table (updated after each
// commit, while the writer still holds the write lock).
type OccupancyIndex struct {
	mu    sync.RWMutex
	days  map[string][]Busy // building + "/" + day → sorted by start
	where map[string]string // appointment id → its key in days
}

// NewOccupancyIndex returns an empty index.
func NewOccupancyIndex() *OccupancyIndex {
	return &OccupancyIndex{days: map[string][]Busy{}, where: map[string]string{}}
}

// Day implements Occupancy.
func (x *OccupancyIndex) Day(building, day string) []Busy {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.days[building+"/"+day]
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
	key := a.Building + "/" + Day(a.Start)
	// Copy on write: readers may hold the old slice.
	old := x.days[key]
	busy := make([]Busy, 0, len(old)+1)
	busy = append(busy, old...)
	busy = append(busy, Busy{ID: a.ID, Counter: a.Counter, Room: a.Room, Start: a.Start, End: a.End, SameDay: a.SameDay})
	sort.Slice(busy, func(i, j int) bool { return busy[i].Start.Before(busy[j].Start) })
	x.days[key] = busy
	x.where[a.ID] = key
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
	busy := make([]Busy, 0, len(old))
	for _, b := range old {
		if b.ID != id {
			busy = append(busy, b)
		}
	}
	if len(busy) == 0 {
		delete(x.days, key)
		return
	}
	x.days[key] = busy
}

// Len returns how many appointments hold a place.
func (x *OccupancyIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.where)
}
