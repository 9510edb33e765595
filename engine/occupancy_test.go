package engine

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestOccupancyLanes: after any sequence of Put and Remove, each day's
// lanes are what NewDayLanes builds from its appointments, and a DayLanes a
// reader holds never changes (copy on write).
func TestOccupancyLanes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := NewOccupancyIndex()
	model := map[string]Appointment{}
	type held struct {
		d    *DayLanes
		copy DayLanes
	}
	var snapshots []held
	days := []string{"2026-11-23", "2026-11-24"}
	for step := range 2000 {
		id := fmt.Sprintf("a%d", r.IntN(60))
		switch r.IntN(4) {
		case 0:
			x.Remove(id)
			delete(model, id)
		default:
			day := days[r.IntN(len(days))]
			// Starts with milliseconds and nanoseconds too: lanes round
			// outwards to whole milliseconds.
			start := At(day, 8*60+r.IntN(8*60)).Add(time.Duration(r.IntN(3)) * time.Duration(r.Int64N(int64(time.Second))))
			a := Appointment{ID: id, Building: []string{"b1", "b2"}[r.IntN(2)], Counter: fmt.Sprintf("k%d", r.IntN(4)),
				Start: start, End: start.Add(time.Duration(1+r.IntN(60)) * time.Minute), SameDay: r.IntN(3) == 0, Status: ApptBooked}
			if r.IntN(2) == 0 {
				a.Room = fmt.Sprintf("r%d", r.IntN(3))
			}
			if r.IntN(6) == 0 {
				a.Status = ApptCancelled
			}
			x.Put(a)
			delete(model, id)
			if a.Active() {
				model[id] = a
			}
		}
		if step%50 == 0 {
			for _, b := range []string{"b1", "b2"} {
				for _, day := range days {
					if d := x.Lanes(b, day); d != nil {
						snapshots = append(snapshots, held{d, cloneLanes(d)})
					}
				}
			}
		}
		if x.Len() != len(model) {
			t.Fatalf("step %d: Len %d, want %d", step, x.Len(), len(model))
		}
		for _, b := range []string{"b1", "b2"} {
			for _, day := range days {
				var want []Busy
				for _, id := range slices.Sorted(maps.Keys(model)) {
					if a := model[id]; a.Building == b && Day(a.Start) == day {
						want = append(want, Busy{ID: a.ID, Counter: a.Counter, Room: a.Room, Start: a.Start, End: a.End, SameDay: a.SameDay})
					}
				}
				got := x.Lanes(b, day)
				if len(want) == 0 {
					if got != nil || x.Day(b, day) != nil {
						t.Fatalf("step %d: %s %s has lanes %+v, want none", step, b, day, got)
					}
					continue
				}
				if !slices.IsSortedFunc(got.Busy(), func(a, b Busy) int { return a.Start.Compare(b.Start) }) {
					t.Fatalf("step %d: Day not sorted by start", step)
				}
				if ids := busyIDs(got.Busy()); !slices.Equal(slices.Sorted(slices.Values(ids)), busyIDs(want)) {
					t.Fatalf("step %d: %s %s holds %v, want %v", step, b, day, ids, busyIDs(want))
				}
				built := NewDayLanes(want)
				if !reflect.DeepEqual(sortedSpans(got.counters), sortedSpans(built.counters)) ||
					!reflect.DeepEqual(sortedSpans(got.rooms), sortedSpans(built.rooms)) || got.SameDay() != built.SameDay() {
					t.Fatalf("step %d: %s %s lanes\n got %+v %+v %d\nwant %+v %+v %d", step, b, day,
						got.counters, got.rooms, got.SameDay(), built.counters, built.rooms, built.SameDay())
				}
				for k, spans := range got.counters {
					if !slices.IsSortedFunc(spans, func(a, b Span) int { return int(a.Start - b.Start) }) || len(spans) == 0 {
						t.Fatalf("step %d: counter %s spans %+v", step, k, spans)
					}
				}
			}
		}
	}
	for i, s := range snapshots {
		if !reflect.DeepEqual(*s.d, s.copy) {
			t.Fatalf("snapshot %d changed after it was handed out", i)
		}
	}
	// Rounding: a span covers its appointment to the whole millisecond.
	a := Appointment{ID: "ns", Building: "b1", Counter: "k", Start: time.UnixMilli(1000).Add(300), End: time.UnixMilli(2000).Add(1), Status: ApptBooked}
	x.Put(a)
	if s := x.Lanes("b1", Day(a.Start)).Counter("k"); len(s) != 1 || s[0].Start != 1000 || s[0].End != 2001 {
		t.Errorf("spans %+v, want [1000, 2001)", s)
	}
}

func busyIDs(bs []Busy) []string {
	out := []string{}
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

// sortedSpans orders each list by start, then id, so lists equal but for
// the order of equal starts compare equal.
func sortedSpans(m map[string][]Span) map[string][]Span {
	out := map[string][]Span{}
	for k, v := range m {
		out[k] = slices.SortedFunc(slices.Values(v), func(a, b Span) int {
			if a.Start != b.Start {
				return int(a.Start - b.Start)
			}
			return cmpString(a.ID, b.ID)
		})
	}
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cloneLanes(d *DayLanes) DayLanes {
	c := DayLanes{busy: slices.Clone(d.busy), counters: map[string][]Span{}, rooms: map[string][]Span{}, sameDay: d.sameDay}
	for k, v := range d.counters {
		c.counters[k] = slices.Clone(v)
	}
	for k, v := range d.rooms {
		c.rooms[k] = slices.Clone(v)
	}
	return c
}

// TestOccupancyConcurrentSearch runs searches while appointments come and
// go; with -race it checks that readers never see a list being written.
func TestOccupancyConcurrentSearch(t *testing.T) {
	cat := catalogOf(soestTownHall(), []Counter{generalist("k1", "rathaus-1"), generalist("k2", "rathaus-1")},
		[]Room{{ID: "bau-1", Building: "rathaus-1", Department: "bauamt"}})
	occ := NewOccupancyIndex()
	q := ask("rathaus-1", wall("2026-11-16", "06:00"), "bauberatung")
	q.From, q.Days = "2026-11-23", 5
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := FindSlots(cat, occ, q, 0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		start := At(fmt.Sprintf("2026-11-%d", 23+r.IntN(5)), 8*60+30+5*r.IntN(40))
		a := Appointment{ID: fmt.Sprintf("a%d", r.IntN(50)), Building: "rathaus-1", Counter: []string{"k1", "k2"}[r.IntN(2)],
			Room: "bau-1", Start: start, End: start.Add(30 * time.Minute), Status: ApptBooked}
		if i%3 == 0 {
			occ.Remove(a.ID)
		} else {
			occ.Put(a)
		}
	}
	close(done)
	wg.Wait()
}
