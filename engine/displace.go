package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// When reality shrinks capacity (DESIGN.md): a counter's clerk falls ill,
// a counter stops being staffed on a weekday, a room goes, a building
// closes a day or shortens its hours. Booked appointments that no longer
// fit are displaced. Displaced decides which, from the configuration and
// the appointments alone, so every site that holds the same ops chooses
// the same ones; only each appointment's origin site moves it.

// Displacement causes.
const (
	CauseCounterUnstaffed = "counter_unstaffed" // absence, or not staffed that weekday
	CauseCounterGone      = "counter_gone"      // removed, moved to another building, or lost the skill
	CauseRoomGone         = "room_gone"
	CauseClosed           = "closed"  // the building is closed that day
	CauseHours            = "hours"   // the appointment lies outside the day's openings
	CauseOverlap          = "overlap" // two sites booked the same place while apart
)

// Displacement is one appointment that no longer fits, and why.
type Displacement struct {
	Appointment Appointment
	Cause       string
	// Reason says it for the clerk who tells the citizen, in German like
	// every text a person reads; it is written into the inbox op so that
	// every site shows the same words.
	Reason string
}

// Displaced returns the booked appointments starting after now that no
// longer fit the catalog, earliest booked first: the order their origin
// sites move them in, so that earlier bookings get the better alternatives.
//
// An appointment fits when its counter exists in its building, serves its
// services and is staffed that day, its room (if any) exists, and it lies
// inside one of the day's openings. Of appointments that fit but share a
// counter or room at the same time (two sites booked the same place while
// cut off, in a building without capacity tokens), the latest booked is
// displaced; appointments already checked in or called are never displaced
// and keep their place first.
func Displaced(cat *Catalog, as []Appointment, now time.Time) []Displacement {
	var out []Displacement
	var fit []Appointment
	for _, a := range as {
		if !a.Active() || !a.End.After(now) {
			continue
		}
		if a.Status == ApptBooked && a.Start.After(now) {
			if d, bad := unfit(cat, a); bad {
				out = append(out, d)
				continue
			}
		}
		fit = append(fit, a)
	}
	// Who keeps a shared place: whoever cannot move, then the earliest
	// booked. Per resource and day, so the sweep stays small.
	slices.SortFunc(fit, func(x, y Appointment) int {
		return cmp.Or(cmpBool(x.Status == ApptBooked, y.Status == ApptBooked), x.BookedAt.Compare(y.BookedAt),
			strings.Compare(x.ID, y.ID))
	})
	kept := map[string][]Appointment{} // by building, day and resource
	for _, a := range fit {
		day := a.Building + "\x00" + Day(a.Start)
		keys := []string{day + "\x00c\x00" + a.Counter}
		if a.Room != "" {
			keys = append(keys, day+"\x00r\x00"+a.Room)
		}
		clash := false
		for _, k := range keys {
			for _, o := range kept[k] {
				if a.Start.Before(o.End) && o.Start.Before(a.End) {
					clash = true
				}
			}
		}
		if clash && a.Status == ApptBooked && a.Start.After(now) {
			out = append(out, Displacement{Appointment: a, Cause: CauseOverlap,
				Reason: "Doppelt vergeben: derselbe Platz wurde an zwei Standorten gebucht"})
			continue
		}
		for _, k := range keys {
			kept[k] = append(kept[k], a)
		}
	}
	slices.SortFunc(out, func(x, y Displacement) int {
		return cmp.Or(x.Appointment.BookedAt.Compare(y.Appointment.BookedAt), strings.Compare(x.Appointment.ID, y.Appointment.ID))
	})
	return out
}

func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// unfit reports whether a booked appointment no longer fits the catalog.
func unfit(cat *Catalog, a Appointment) (Displacement, bool) {
	d := Displacement{Appointment: a}
	b, ok := cat.Buildings[a.Building]
	if !ok {
		return d, false // nothing to move it to; the building's ops have not arrived
	}
	day := Day(a.Start)
	i := slices.IndexFunc(cat.Counters[a.Building], func(k Counter) bool { return k.ID == a.Counter })
	switch {
	case i < 0:
		d.Cause, d.Reason = CauseCounterGone, fmt.Sprintf("Schalter %s steht nicht mehr zur Verfügung", a.Counter)
		return d, true
	case !cat.Counters[a.Building][i].Serves(a.Services):
		k := cat.Counters[a.Building][i]
		d.Cause, d.Reason = CauseCounterGone, fmt.Sprintf("%s bietet das Anliegen nicht mehr an", counterName(k))
		return d, true
	case !cat.Counters[a.Building][i].StaffedOn(day):
		k := cat.Counters[a.Building][i]
		d.Cause, d.Reason = CauseCounterUnstaffed, counterName(k)+" nicht besetzt"
		if why := absenceOn(k, day); why != "" {
			d.Reason += " (" + why + ")"
		}
		return d, true
	}
	if a.Room != "" && !slices.ContainsFunc(cat.Rooms[a.Building], func(r Room) bool { return r.ID == a.Room }) {
		d.Cause, d.Reason = CauseRoomGone, fmt.Sprintf("Raum %s steht nicht mehr zur Verfügung", a.Room)
		return d, true
	}
	dp := b.Plan(a.Start)
	if !dp.Open() {
		d.Cause, d.Reason = CauseClosed, b.Name+" ist an diesem Tag geschlossen"
		if dp.Reason != "" {
			d.Reason += " (" + dp.Reason + ")"
		}
		return d, true
	}
	inside := slices.ContainsFunc(dp.Openings, func(o Opening) bool {
		return !a.Start.Before(o.Start) && !a.End.After(o.End)
	})
	if !inside {
		d.Cause, d.Reason = CauseHours, "Öffnungszeiten geändert: der Termin liegt außerhalb"
		if e, ok := exceptionOn(b.Exceptions, day); ok && e.Reason != "" {
			d.Reason += " (" + e.Reason + ")"
		}
		return d, true
	}
	return d, false
}

func counterName(k Counter) string {
	if k.Name != "" {
		return k.Name
	}
	return "Schalter " + k.ID
}

// absenceOn returns the reason of k's absence on day, if one is given.
func absenceOn(k Counter, day string) string {
	for _, a := range k.Absences {
		to := cmp.Or(a.To, a.From)
		if day >= a.From && day <= to {
			return a.Reason
		}
	}
	return ""
}
