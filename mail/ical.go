package mail

import (
	"strings"

	ics "github.com/arran4/golang-ical"

	"pforte/engine"
)

// berlinTZID names the time zone of every calendar file.
const berlinTZID = "Europe/Berlin"

// Calendar writes the iCalendar file of an appointment: one event whose
// UID (<a.UID>@pforte) stays the same across moves while SEQUENCE
// (a.Sequence) rises, so a calendar replaces the entry it has; METHOD
// CANCEL with STATUS CANCELLED removes it (one SEQUENCE higher: a
// cancellation is a change of the event, RFC 5546). Times are local wall-clock
// times in Europe/Berlin with the zone's rules spelled out (VTIMEZONE),
// so a calendar without a zone database still shows 09:30.
//
// organizer is the address the mails come from. With it the file is an
// invitation from the town hall to the citizen (ORGANIZER and ATTENDEE,
// as RFC 5546 wants them for REQUEST and CANCEL): mail programs then
// update or remove the entry they took in instead of adding a second one.
// Empty (no mail server named yet) leaves both out.
func Calendar(a engine.Appointment, b engine.Building, services []engine.Service, cancelled bool, organizer string) ([]byte, error) {
	cal := ics.NewCalendar()
	cal.SetProductId("-//Pforte//Termine//DE")
	method, status := ics.MethodRequest, ics.ObjectStatusConfirmed
	if cancelled {
		method, status = ics.MethodCancel, ics.ObjectStatusCancelled
	}
	cal.SetMethod(method)
	cal.AddVTimezone(berlinZone())

	uid := a.UID
	if uid == "" {
		uid = a.ID
	}
	ev := cal.AddEvent(uid + "@pforte")
	seq := a.Sequence
	if cancelled {
		seq++
	}
	ev.SetSequence(seq)
	ev.SetDtStampTime(a.BookedAt)
	local := func(p ics.ComponentProperty, t interface{ Format(string) string }) {
		ev.SetProperty(p, t.Format("20060102T150405"), ics.WithTZID(berlinTZID))
	}
	local(ics.ComponentPropertyDtStart, a.Start.In(engine.Berlin))
	local(ics.ComponentPropertyDtEnd, a.End.In(engine.Berlin))
	ev.SetStatus(status)

	name := b.Name
	if name == "" {
		name = a.Building
	}
	ev.SetSummary("Termin: " + name)
	loc := []string{name}
	if b.Address != "" {
		loc = append(loc, b.Address)
	}
	if b.Entrance != "" {
		loc = append(loc, "Eingang: "+b.Entrance)
	}
	ev.SetLocation(strings.Join(loc, ", "))
	if organizer != "" {
		ev.SetOrganizer(organizer, ics.WithCN(paramText(name)))
		if a.Citizen.Email != "" {
			ev.AddAttendee(a.Citizen.Email, ics.ParticipationRoleReqParticipant, ics.ParticipationStatusAccepted, ics.WithRSVP(false))
		}
	}

	var d strings.Builder
	if a.Code != "" {
		d.WriteString("Buchungscode: " + a.Code + "\n")
	}
	d.WriteString("Ihre Anliegen:\n")
	for _, s := range services {
		d.WriteString("- " + s.Name + "\n")
		if len(s.Documents) > 0 {
			d.WriteString("  Bitte mitbringen: " + strings.Join(s.Documents, "; ") + "\n")
		}
	}
	ev.SetDescription(strings.TrimRight(d.String(), "\n"))
	return []byte(cal.Serialize()), nil
}

// paramText makes a name fit for a parameter value such as CN: RFC 5545
// allows no escapes there, and the library escapes , ; : ' " \ with a
// backslash, which parsers take literally. Those characters become spaces.
func paramText(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(",;:'\"\\", r) || r < ' ' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// berlinZone spells out Europe/Berlin's rules since 1996: CEST from the
// last Sunday of March, 02:00, CET from the last Sunday of October, 03:00.
func berlinZone() *ics.VTimezone {
	tz := ics.NewTimezone(berlinTZID)
	rule := func(c *ics.ComponentBase, from, to, name, start, month string) {
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), from)
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), to)
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
		c.SetProperty(ics.ComponentPropertyDtStart, start)
		c.SetProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH="+month+";BYDAY=-1SU")
	}
	day := &ics.Daylight{}
	rule(&day.ComponentBase, "+0100", "+0200", "CEST", "19700329T020000", "3")
	std := &ics.Standard{}
	rule(&std.ComponentBase, "+0200", "+0100", "CET", "19701025T030000", "10")
	tz.Components = append(tz.Components, day, std)
	return tz
}
