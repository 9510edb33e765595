package engine

import "time"

// Contact tracing: who was in the same building at the same time as a
// person the health office asks about (the index person). Visits and
// appointments are both stays; two stays are contacts when they overlap,
// each extended by a margin on both sides, in the same building.
//
// The rules, in one place:
//
//   - A visit stays from arrived_at to left_at.
//   - A visitor never signed out stays until the building closed that day
//     (the end of the day's last opening), or until the end of the day
//     (local midnight) when the building had no hours that day or the
//     visitor arrived after closing. A left_at on a later day than the
//     arrival is reception tidying up the next morning, not a night in the
//     building: it is read like "never signed out". So a stay never leaks
//     into the next day.
//   - An appointment stays from checked_in_at (or its start, if the
//     citizen was never checked in) to ended_at (or its planned end). An
//     appointment checked in after its planned end and not ended stays
//     until its check-in.
//   - Cancelled and no-show appointments are not stays.
//   - Nothing stays past now, and what has not begun by now is not a stay:
//     tracing says who was there, not who will be.
//   - Two stays overlap when one begins at or before the other ends plus
//     the margin: exactly at the margin counts (a visitor who left at 09:45
//     is a contact of one who came at 10:00, with 15 minutes). Stays in
//     other buildings never overlap.

// DefaultTracingMargin is the margin when a building sets none.
const DefaultTracingMargin = 15 * time.Minute

// Stay kinds, as the API names them.
const (
	StayVisit       = "visit"
	StayAppointment = "appointment"
)

// Stay is one person's time in a building.
type Stay struct {
	Kind     string // StayVisit or StayAppointment
	ID       string // the visit's or appointment's id
	Building string
	From, To time.Time
	// Estimated: To is this rule's reading (not signed out, not ended,
	// still there), not a recorded departure.
	Estimated bool
	// Appointment is the appointment a visit came for: the visit and the
	// appointment are one person.
	Appointment string
}

// TracingMargin is the building's tracing margin: TracingMarginMinutes, or
// DefaultTracingMargin when it is 0 (or negative, which Validate refuses).
func (b Building) TracingMargin() time.Duration {
	if b.TracingMarginMinutes <= 0 {
		return DefaultTracingMargin
	}
	return time.Duration(b.TracingMarginMinutes) * time.Minute
}

// IdleLock is how long a desk in the building stays open without its
// person: IdleLockMinutes, or DefaultIdleLockMinutes when it is 0.
func (b Building) IdleLock() time.Duration {
	if b.IdleLockMinutes <= 0 {
		return DefaultIdleLockMinutes * time.Minute
	}
	return time.Duration(b.IdleLockMinutes) * time.Minute
}

// VisitStay is visit v's stay in its building b as of now; ok is false
// when there is none (not arrived, or arriving after now).
func VisitStay(v Visit, b Building, now time.Time) (s Stay, ok bool) {
	if v.ArrivedAt.IsZero() || v.ArrivedAt.After(now) {
		return Stay{}, false
	}
	s = Stay{Kind: StayVisit, ID: v.ID, Building: v.Building, From: v.ArrivedAt, Appointment: v.AppointmentID}
	end := dayEndAfter(b, v.ArrivedAt)
	switch {
	case !v.LeftAt.IsZero() && v.LeftAt.Before(end.midnight):
		s.To = v.LeftAt
	default: // never signed out, or signed out on a later day
		s.To, s.Estimated = end.closing, true
	}
	return clip(s, now), true
}

// AppointmentStay is appointment a's stay as of now; ok is false for a
// cancelled or no-show appointment and for one that has not begun.
func AppointmentStay(a Appointment, now time.Time) (s Stay, ok bool) {
	if a.Status == ApptCancelled || a.Status == ApptNoShow {
		return Stay{}, false
	}
	s = Stay{Kind: StayAppointment, ID: a.ID, Building: a.Building, From: a.Start, To: a.EndedAt}
	if !a.CheckedInAt.IsZero() {
		s.From = a.CheckedInAt
	}
	if s.To.IsZero() {
		s.To, s.Estimated = a.End, true
	}
	if s.From.IsZero() || s.From.After(now) {
		return Stay{}, false
	}
	return clip(s, now), true
}

// Stays reads the stays of visits and appointments in building b as of
// now, visits first, leaving out what is no stay.
func Stays(b Building, vs []Visit, as []Appointment, now time.Time) []Stay {
	out := make([]Stay, 0, len(vs)+len(as))
	for _, v := range vs {
		if s, ok := VisitStay(v, b, now); ok {
			out = append(out, s)
		}
	}
	for _, a := range as {
		if s, ok := AppointmentStay(a, now); ok {
			out = append(out, s)
		}
	}
	return out
}

// Overlaps reports whether stays a and b were in the same building at the
// same time, each extended by margin on both sides; touching exactly at
// the margin counts.
func Overlaps(a, b Stay, margin time.Duration) bool {
	return a.Building == b.Building &&
		!a.From.After(b.To.Add(margin)) && !b.From.After(a.To.Add(margin))
}

// SamePerson reports whether two stays are one person's: the same record,
// or a visit and the appointment it came for.
func SamePerson(a, b Stay) bool {
	return a.Kind == b.Kind && a.ID == b.ID ||
		a.Kind == StayVisit && b.Kind == StayAppointment && a.Appointment == b.ID ||
		b.Kind == StayVisit && a.Kind == StayAppointment && b.Appointment == a.ID
}

// Contacts returns the stays that overlap index (Overlaps), in the order
// given, leaving out the index person's own stays. A person who is both a
// visit and its appointment is listed once, as the visit (it holds the
// contact data and the host).
func Contacts(index Stay, stays []Stay, margin time.Duration) []Stay {
	var hit []Stay
	for _, s := range stays {
		if !SamePerson(index, s) && Overlaps(index, s, margin) {
			hit = append(hit, s)
		}
	}
	out := hit[:0:0]
	for _, s := range hit {
		twin := func(o Stay) bool { return o.Kind == StayVisit && s.Kind == StayAppointment && o.Appointment == s.ID }
		if s.Kind == StayAppointment && containsFunc(hit, twin) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func containsFunc(ss []Stay, f func(Stay) bool) bool {
	for _, s := range ss {
		if f(s) {
			return true
		}
	}
	return false
}

// dayEnd is when a day in a building ends for a visitor who did not sign
// out: closing (the end of the last opening, if after the arrival, else
// midnight) and midnight (the start of the next local day).
type dayEnd struct{ closing, midnight time.Time }

func dayEndAfter(b Building, arrived time.Time) dayEnd {
	day := Day(arrived)
	midnight := At(day, 24*60)
	end := dayEnd{closing: midnight, midnight: midnight}
	if plan := b.Plan(arrived); plan.Open() {
		if last := plan.Openings[len(plan.Openings)-1].End; last.After(arrived) {
			end.closing = last
		}
	}
	return end
}

// clip ends a stay at now at the latest, and never before it began.
func clip(s Stay, now time.Time) Stay {
	if s.To.After(now) {
		s.To, s.Estimated = now, true
	}
	if s.To.Before(s.From) {
		s.To = s.From
	}
	return s
}

// MaxTracingMarginMinutes bounds a building's tracing margin: beyond four
// hours, everybody of a half day is everybody's contact.
const MaxTracingMarginMinutes = 240

// DefaultIdleLockMinutes is how long a desk stays open without its person
// when the building sets nothing; MaxIdleLockMinutes bounds what it may
// set: a desk left open for more than two hours is an open desk.
const (
	DefaultIdleLockMinutes = 10
	MaxIdleLockMinutes     = 120
)
