package printing

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// DailySheet is the registration sheet of one building's day: every visit
// with its times and contact data, so that an infection chain can be
// traced, and a line for the manager's signature. All text is UTF-8.
type DailySheet struct {
	Town     string // "Stadt Soest"
	Building string // "Rathaus I"
	Address  string
	Entrance string
	Day      time.Time // any instant of the day (Europe/Berlin)
	Visits   []SheetVisit
}

// SheetVisit is one row of the sheet.
type SheetVisit struct {
	Number                int // the visit's place in the day, as on its badge
	Name                  string
	Phone, Email, Address string
	Host, HostDepartment  string
	AppointmentStart      time.Time // zero: came without an appointment
	AppointmentCode       string
	Reason                string
	ArrivedAt             time.Time
	PickedUpAt            time.Time // zero: not picked up
	PickedUpBy            string
	LeftAt                time.Time // zero: not signed out
}

// A4 landscape: eight columns of names, addresses and times need the
// width, and a landscape sheet files in the same binder.
const sheetW, sheetH = 297.0, 210.0

var sheetColumns = []column{
	{"Nr.", 9, "R"},
	{"Name", 46, "L"},
	{"Kontaktdaten", 60, "L"},
	{"Besuch bei", 42, "L"},
	{"Anlass", 38, "L"},
	{"Ankunft", 14, "L"},
	{"Abholung (durch)", 40, "L"},
	{"Gegangen", 20, "L"},
}

// WriteDailySheet writes the registration sheet as an A4 PDF to w, as many
// pages as the day needs. Long names and addresses wrap; nothing is cut.
//
// It returns an error when the day is not set, when the time zone cannot
// be loaded or when writing to w fails.
func WriteDailySheet(w io.Writer, s DailySheet, opt Options) error {
	if s.Day.IsZero() {
		return errors.New("printing: daily sheet: day is not set")
	}
	if _, err := berlin(); err != nil {
		return err
	}
	l := &list{
		d:     newDocument(sheetW, sheetH, "Besucherregistrierung", opt),
		pageW: sheetW, pageH: sheetH,
		title: "Besucherregistrierung – Tagesblatt", town: s.Town, building: s.Building,
		place: joinNonEmpty(" · ", s.Address, s.Entrance),
		day:   s.Day, created: opt.created(), cols: sheetColumns, confidential: true,
	}
	items := make([]item, len(s.Visits))
	open := 0
	for i, v := range s.Visits {
		items[i] = item{cells: sheetRow(v, s.Day)}
		if v.LeftAt.IsZero() {
			open++
		}
	}
	pages := l.paginate(l.layout(items), signatureH+4)
	l.draw(pages, func(y float64) {
		l.signature(y+5, sheetSummary(len(s.Visits), open))
	})
	return l.d.output(w)
}

func sheetRow(v SheetVisit, day time.Time) [][]para {
	body := func(s string) para { return para{text: s, size: listBodySize, color: inkColor} }
	bold := func(s string) para { return para{text: s, style: "B", size: listBodySize, color: inkColor} }
	small := func(s string) para { return para{text: s, size: listSmallSize, color: labelColor} }

	number := ""
	if v.Number > 0 {
		number = strconv.Itoa(v.Number)
	}
	var contact []para
	for _, c := range []string{v.Phone, v.Email, v.Address} {
		if strings.TrimSpace(c) != "" {
			contact = append(contact, body(c))
		}
	}
	var reason []para
	if !v.AppointmentStart.IsZero() {
		reason = append(reason, body("Termin "+dayTime(v.AppointmentStart, day)+" Uhr"))
		if v.AppointmentCode != "" {
			reason = append(reason, small("Code "+v.AppointmentCode))
		}
	}
	if strings.TrimSpace(v.Reason) != "" {
		reason = append(reason, small(v.Reason))
	}
	if len(reason) == 0 {
		reason = append(reason, small("–"))
	}
	pickUp := []para{small("–")}
	if !v.PickedUpAt.IsZero() {
		pickUp = []para{body(dayTime(v.PickedUpAt, day))}
		if by := strings.TrimSpace(v.PickedUpBy); by != "" {
			pickUp = append(pickUp, small("durch "+by))
		}
	}
	left := []para{{text: "nicht abgemeldet", style: "B", size: listSmallSize, color: accentColor}}
	if !v.LeftAt.IsZero() {
		left = []para{body(dayTime(v.LeftAt, day))}
	}
	return [][]para{
		{bold(number)},
		{bold(v.Name)},
		contact,
		{body(v.Host), small(v.HostDepartment)},
		reason,
		{body(dayTime(v.ArrivedAt, day))},
		pickUp,
		left,
	}
}

// dayTime is "09:14" on the sheet's day and "19.11., 08:02" on another.
func dayTime(t, day time.Time) string {
	if t.IsZero() {
		return ""
	}
	if sameDay(t, day) {
		return clockTime(t)
	}
	return local(t).Format("02.01., ") + clockTime(t)
}

func sheetSummary(visits, open int) string {
	switch {
	case visits == 0:
		return "An diesem Tag wurden keine Besuche registriert."
	case open == 0:
		return "Gesamt: " + plural(visits, "1 Besuch", strconv.Itoa(visits)+" Besuche") + ", alle abgemeldet."
	}
	return "Gesamt: " + plural(visits, "1 Besuch", strconv.Itoa(visits)+" Besuche") + ", davon " +
		strconv.Itoa(open) + " nicht abgemeldet."
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
