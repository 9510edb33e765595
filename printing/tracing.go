package printing

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// ContactTracing is the answer to the health office: the index person's
// stay in a building and everyone whose stay overlapped it, with the
// contact data to reach them. All text is UTF-8.
type ContactTracing struct {
	Town     string // "Stadt Soest"
	Building string // "Rathaus I"
	Address  string
	Day      time.Time // the index person's day (Europe/Berlin)
	// MarginMinutes: stays count as overlapping when at most this far
	// apart.
	MarginMinutes int
	Index         TracedPerson
	Contacts      []TracedPerson
	// Erased counts the overlapping stays whose personal data is erased
	// already: someone was there, but nobody knows who any more.
	Erased int
}

// TracedPerson is one person's stay and contact data.
type TracedPerson struct {
	Appointment           bool // an appointment, not a registered visit
	Name                  string
	Phone, Email, Address string
	BirthDate             time.Time // zero when not known (visits)
	Host                  string    // whom a visitor came to; an appointment's counter and room
	From, To              time.Time
	// Estimated: To is read from the rule (not signed out, not ended),
	// not recorded.
	Estimated bool
}

// TracingNotice is the footer of every page of the contact-tracing list.
const TracingNotice = "Vertraulich – nur für das Gesundheitsamt"

var tracingColumns = []column{
	{"Nr.", 9, "R"},
	{"Art", 17, "L"},
	{"Name", 48, "L"},
	{"Geburtsdatum", 22, "L"},
	{"Kontaktdaten", 74, "L"},
	{"Aufenthalt", 42, "L"},
	{"Besuch bei / Ort", 57, "L"},
}

// WriteContactTracing writes the contact-tracing list as an A4 landscape
// PDF to w: the index person, then the contacts, then how they were
// found. Every page says in its footer that it is for the health office
// only.
//
// It returns an error when the day is not set, when the time zone cannot
// be loaded or when writing to w fails.
func WriteContactTracing(w io.Writer, c ContactTracing, opt Options) error {
	if c.Day.IsZero() {
		return errors.New("printing: contact tracing: day is not set")
	}
	if _, err := berlin(); err != nil {
		return err
	}
	l := &list{
		d:     newDocument(sheetW, sheetH, "Kontaktnachverfolgung", opt),
		pageW: sheetW, pageH: sheetH,
		title: "Kontaktnachverfolgung für das Gesundheitsamt", town: c.Town, building: c.Building,
		place: c.Address, day: c.Day, created: opt.created(), cols: tracingColumns,
		confidential: true, notice: TracingNotice,
	}
	items := []item{
		{section: "Indexperson", note: stayText(c.Index, c.Day)},
		{cells: tracingRow("", c.Index, c.Day)},
		{section: "Kontaktpersonen", note: persons(len(c.Contacts)) + ", Aufenthalt überschneidet sich (± " +
			strconv.Itoa(c.MarginMinutes) + " Minuten)"},
	}
	for i, p := range c.Contacts {
		items = append(items, item{cells: tracingRow(strconv.Itoa(i+1), p, c.Day)})
	}
	const closingH = 24
	pages := l.paginate(l.layout(items), closingH)
	l.draw(pages, func(y float64) {
		x, w := listMarginX, l.innerW()
		summary := "Keine Kontaktpersonen: niemand sonst war zur selben Zeit im Gebäude."
		if c.Erased > 0 {
			summary = "Keine Kontaktpersonen mit gespeicherten Daten."
		}
		if n := len(c.Contacts); n > 0 {
			summary = "Gesamt: " + plural(n, "1 Kontaktperson", strconv.Itoa(n)+" Kontaktpersonen") + "."
		}
		if c.Erased > 0 {
			summary += " Außerdem " + plural(c.Erased, "1 Aufenthalt", strconv.Itoa(c.Erased)+" Aufenthalte") +
				" zur selben Zeit, deren Daten bereits gelöscht sind."
		}
		l.d.fit(box{x, y + 4, w, 5}, summary, textStyle{
			style: "B", maxSize: 8.5, minSize: 7, maxLines: 1, align: "L", color: inkColor})
		l.d.fit(box{x, y + 10, w, 13}, tracingRule(c.MarginMinutes), textStyle{
			maxSize: 7.5, minSize: 6, maxLines: 4, align: "L", color: labelColor})
	})
	return l.d.output(w)
}

// tracingRule says how the list was made, so the health office can judge
// it (engine/tracing.go is the rule itself).
func tracingRule(margin int) string {
	m := strconv.Itoa(margin) + " Minuten"
	return "So wurde gesucht: Kontaktperson ist, wer im selben Gebäude war, während sich die Aufenthalte – um je " + m +
		" verlängert – überschnitten; genau " + m + " Abstand zählen noch. Ein Besuch dauert von der Ankunft bis zur Abmeldung; " +
		"wer nicht abgemeldet wurde, gilt bis zur Schließung des Gebäudes an diesem Tag als anwesend (an Tagen ohne " +
		"Öffnungszeit bis Mitternacht) – solche Zeiten sind als geschätzt markiert. Ein Termin dauert vom Check-in (sonst " +
		"vom Terminbeginn) bis zum Ende. Abgesagte und nicht wahrgenommene Termine zählen nicht, andere Gebäude nie."
}

// stayText is "10:00–11:00 Uhr", with the date when not on day.
func stayText(p TracedPerson, day time.Time) string {
	return dayTime(p.From, day) + "–" + dayTime(p.To, day) + " Uhr"
}

func tracingRow(number string, p TracedPerson, day time.Time) [][]para {
	body := func(s string) para { return para{text: s, size: listBodySize, color: inkColor} }
	bold := func(s string) para { return para{text: s, style: "B", size: listBodySize, color: inkColor} }
	small := func(s string) para { return para{text: s, size: listSmallSize, color: labelColor} }

	kind := "Besuch"
	if p.Appointment {
		kind = "Termin"
	}
	birth := small("–")
	if !p.BirthDate.IsZero() {
		birth = body(p.BirthDate.Format("02.01.2006"))
	}
	var contact []para
	for _, s := range []string{p.Phone, p.Email, p.Address} {
		if strings.TrimSpace(s) != "" {
			contact = append(contact, body(s))
		}
	}
	if len(contact) == 0 {
		contact = []para{small("keine gespeichert")}
	}
	stay := []para{body(stayText(p, day))}
	switch {
	case p.Estimated && p.Appointment:
		stay = append(stay, small("Ende laut Terminplan"))
	case p.Estimated:
		stay = append(stay, para{text: "nicht abgemeldet: Ende geschätzt", style: "B", size: listSmallSize, color: accentColor})
	}
	host := small("–")
	if strings.TrimSpace(p.Host) != "" {
		host = body(p.Host)
	}
	return [][]para{{bold(number)}, {body(kind)}, {bold(p.Name)}, {birth}, contact, stay, {host}}
}
