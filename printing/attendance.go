package printing

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// Attendance is the attendance list of one building's day: its
// appointments counter by counter, with check-in, call and outcome. All
// text is UTF-8.
type Attendance struct {
	Town     string
	Building string
	Address  string
	Entrance string
	Day      time.Time // any instant of the day (Europe/Berlin)
	Counters []CounterAttendance
}

// CounterAttendance is one counter's appointments, by start.
type CounterAttendance struct {
	Name         string // "Schalter 1", "Kämmerei, Zimmer 112"
	Appointments []AttendanceEntry
}

// AttendanceEntry is one appointment.
type AttendanceEntry struct {
	Start, End  time.Time
	Code        string
	Ticket      string // "R-007" once checked in
	Name        string
	Services    []string
	CheckedInAt time.Time
	CalledAt    time.Time
	CalledTo    string    // the counter it was called to, when not its own
	EndedAt     time.Time // served, no-show or cancelled
	// Status is the appointment's status as the API names it: booked,
	// checked_in, called, served, no_show or cancelled.
	Status string
}

// The statuses an AttendanceEntry can have.
const (
	StatusBooked    = "booked"
	StatusCheckedIn = "checked_in"
	StatusCalled    = "called"
	StatusServed    = "served"
	StatusNoShow    = "no_show"
	StatusCancelled = "cancelled"
)

var attendanceColumns = []column{
	{"Zeit", 21, "L"},
	{"Ticket", 14, "L"},
	{"Name", 42, "L"},
	{"Anliegen", 45, "L"},
	{"Check-in", 15, "L"},
	{"Aufruf", 17, "L"},
	{"Ergebnis", 28, "L"},
}

// WriteAttendance writes the attendance list as an A4 PDF to w.
//
// It returns an error when the day is not set, when the time zone cannot
// be loaded or when writing to w fails.
func WriteAttendance(w io.Writer, a Attendance, opt Options) error {
	if a.Day.IsZero() {
		return errors.New("printing: attendance list: day is not set")
	}
	if _, err := berlin(); err != nil {
		return err
	}
	const pageW, pageH = 210.0, 297.0
	l := &list{
		d:     newDocument(pageW, pageH, "Anwesenheitsliste", opt),
		pageW: pageW, pageH: pageH,
		title: "Anwesenheitsliste Termine", town: a.Town, building: a.Building,
		place: joinNonEmpty(" · ", a.Address, a.Entrance),
		day:   a.Day, created: opt.created(), cols: attendanceColumns, confidential: true,
	}
	var items []item
	var total tally
	for _, c := range a.Counters {
		var t tally
		for _, e := range c.Appointments {
			t.add(e.Status)
		}
		total.merge(t)
		items = append(items, item{section: c.Name, note: t.String()})
		for _, e := range c.Appointments {
			items = append(items, item{cells: attendanceRow(e, a.Day)})
		}
	}
	pages := l.paginate(l.layout(items), 12)
	l.draw(pages, func(y float64) {
		summary := "An diesem Tag gab es keine Termine."
		if total.all > 0 {
			summary = "Gesamt: " + total.String() + "."
		}
		l.d.fit(box{listMarginX, y + 4, l.innerW(), 5}, summary, textStyle{
			style: "B", maxSize: 8.5, minSize: 7, maxLines: 1, align: "L", color: inkColor})
	})
	return l.d.output(w)
}

func attendanceRow(e AttendanceEntry, day time.Time) [][]para {
	body := func(s string) para { return para{text: s, size: listBodySize, color: inkColor} }
	small := func(s string) para { return para{text: s, size: listSmallSize, color: labelColor} }
	bold := func(s string) para { return para{text: s, style: "B", size: listBodySize, color: inkColor} }

	when := dayTime(e.Start, day)
	if !e.End.IsZero() {
		when += "–" + clockTime(e.End)
	}
	var services []para
	for _, s := range e.Services {
		services = append(services, body(s))
	}
	called := []para{small("–")}
	if !e.CalledAt.IsZero() {
		called = []para{body(dayTime(e.CalledAt, day))}
		if e.CalledTo != "" {
			called = append(called, small(e.CalledTo))
		}
	}
	checkIn := small("–")
	if !e.CheckedInAt.IsZero() {
		checkIn = body(dayTime(e.CheckedInAt, day))
	}
	ticket := small("–")
	if e.Ticket != "" {
		ticket = bold(e.Ticket)
	}
	return [][]para{
		{body(when)},
		{ticket},
		{bold(e.Name), small("Code " + e.Code)},
		services,
		{checkIn},
		called,
		outcome(e, day),
	}
}

// outcome says how the appointment ended, or where it stands.
func outcome(e AttendanceEntry, day time.Time) []para {
	at := ""
	if !e.EndedAt.IsZero() {
		at = " " + dayTime(e.EndedAt, day)
	}
	say := func(s string, style string, c color) []para {
		return []para{{text: s, style: style, size: listBodySize, color: c}}
	}
	switch e.Status {
	case StatusServed:
		return say("erledigt"+at, "", inkColor)
	case StatusNoShow:
		return say("nicht erschienen", "B", accentColor)
	case StatusCancelled:
		return say("storniert", "", labelColor)
	case StatusCheckedIn:
		return say("wartet", "", inkColor)
	case StatusCalled:
		return say("aufgerufen", "", inkColor)
	}
	return say("offen", "", inkColor)
}

// tally counts appointments by outcome for the section notes and the sum.
type tally struct{ all, served, noShow, cancelled int }

func (t *tally) add(status string) {
	t.all++
	switch status {
	case StatusServed:
		t.served++
	case StatusNoShow:
		t.noShow++
	case StatusCancelled:
		t.cancelled++
	}
}

func (t *tally) merge(o tally) {
	t.all, t.served, t.noShow, t.cancelled = t.all+o.all, t.served+o.served, t.noShow+o.noShow, t.cancelled+o.cancelled
}

func (t tally) String() string {
	parts := []string{plural(t.all, "1 Termin", strconv.Itoa(t.all)+" Termine"),
		strconv.Itoa(t.served) + " erledigt", strconv.Itoa(t.noShow) + " nicht erschienen"}
	if t.cancelled > 0 {
		parts = append(parts, strconv.Itoa(t.cancelled)+" storniert")
	}
	if open := t.all - t.served - t.noShow - t.cancelled; open > 0 {
		parts = append(parts, strconv.Itoa(open)+" offen")
	}
	return strings.Join(parts, " · ")
}
