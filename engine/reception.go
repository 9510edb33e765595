package engine

import (
	"strings"
	"time"
)

// UnansweredAfter is how long a visitor may wait for an answer from the
// host before reception is told to phone someone.
const UnansweredAfter = 5 * time.Minute

// RuleAppointmentOnly: a walk-in at a building that admits visitors only
// with an appointment came without a reason.
const RuleAppointmentOnly = "appointment_only"

// Admit checks the building's admission rule for a normalized registration:
// where visitors come only with an appointment (the town halls), a walk-in
// needs a reason. That is a question for reception, not a locked door: the
// reason is recorded and the visitor is let in.
func Admit(b Building, n NewVisit) error {
	if b.AppointmentOnly && n.AppointmentID == "" && strings.TrimSpace(n.Reason) == "" {
		return InvalidRule("reason", RuleAppointmentOnly, "%s admits visitors with an appointment only: a walk-in needs a reason", b.ID)
	}
	return nil
}

// Acknowledge checks that the visitor still waits and returns the op that
// records that by answered "Ich hole ab" and is on the way. A second answer
// is no error: the first one counts, and the caller learns who is coming.
func Acknowledge(v Visit, by string, at time.Time) (Op, error) {
	if v.Status != VisitWaiting {
		return Op{}, InvalidState("not_waiting", "visit %s is %s, not waiting", v.ID, v.Status)
	}
	return Op{Kind: KindVisitPickedUp, Entity: v.ID, Data: mustJSON(visitPickedUpData{By: by, At: at.UnixMilli(), Coming: true})}, nil
}

// Unanswered reports whether the visitor has waited UnansweredAfter or
// longer without anybody answering: reception should phone the host.
func (v Visit) Unanswered(now time.Time) bool {
	return v.Status == VisitWaiting && v.ComingBy == "" && !v.ArrivedAt.IsZero() && now.Sub(v.ArrivedAt) >= UnansweredAfter
}

// AfterClosing reports whether a visitor still in building b at now is
// there after the building closed for the day (or on a day it is closed):
// the building may be locked with them inside.
func (v Visit) AfterClosing(b Building, now time.Time) bool {
	if !v.Present() {
		return false
	}
	plan := b.Plan(now)
	if !plan.Open() {
		return true
	}
	return !now.Before(plan.Openings[len(plan.Openings)-1].End)
}

// SameVisitor reports whether a past visit's name is the typed name, with
// case, umlaut spelling and spacing folded: the desk then offers the
// contact data of the last visit, after reception confirms it is the same
// person.
func SameVisitor(v Visit, name string) bool {
	want := NormalizeName(name)
	return want != "" && NormalizeName(v.Name) == want
}

// CheckName checks only the typed name, as a search for earlier visits
// takes it: too long or with control characters is bad input naming "name".
func (n NewVisit) CheckName() error {
	return checkText("name", collapseSpace(n.Name), MaxNameLen, false)
}
