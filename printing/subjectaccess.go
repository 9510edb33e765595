package printing

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// SubjectAccess is the answer to a data-subject request (DSGVO Art. 15):
// every record Pforte holds on the person, section by section, to hand
// over. All text is UTF-8.
type SubjectAccess struct {
	Town string
	// Asked says whom the request was about: "Name: Maria Schneider",
	// "Geburtsdatum: 12.03.1980".
	Asked    []string
	At       time.Time // when the records were read
	Sections []SubjectSection
}

// SubjectSection is one kind of record: "Besuche", "Termine", ...
type SubjectSection struct {
	Title   string
	Records []SubjectRecord
}

// SubjectRecord is one record.
type SubjectRecord struct {
	At       time.Time // its time: arrival, start, creation
	Building string
	Fields   []SubjectField // what it holds, in the order to read it
	Ref      string         // its id, to find it again
}

// SubjectField is one stored value with its German label.
type SubjectField struct{ Label, Value string }

// SubjectAccessNotice is the footer of every page.
const SubjectAccessNotice = "Vertraulich – Auskunft nach Art. 15 DSGVO, nur für die betroffene Person"

var subjectColumns = []column{
	{"Nr.", 9, "R"},
	{"Zeitpunkt", 27, "L"},
	{"Gebäude", 34, "L"},
	{"Gespeicherte Angaben", 82, "L"},
	{"Kennung", 30, "L"},
}

// WriteSubjectAccess writes the answer to a data-subject request as an A4
// PDF to w.
//
// It returns an error when the moment is not set, when the time zone
// cannot be loaded or when writing to w fails.
func WriteSubjectAccess(w io.Writer, s SubjectAccess, opt Options) error {
	if s.At.IsZero() {
		return errors.New("printing: subject access: moment is not set")
	}
	if _, err := berlin(); err != nil {
		return err
	}
	const pageW, pageH = 210.0, 297.0
	l := &list{
		d:     newDocument(pageW, pageH, "Auskunft über gespeicherte Daten", opt),
		pageW: pageW, pageH: pageH,
		// A short title: on portrait A4 the date stands beside it.
		title: "Auskunft nach Art. 15 DSGVO", town: s.Town,
		building: "Gespeicherte Daten zur Person – " + strings.Join(s.Asked, " · "),
		place:    "Gesucht in allen Gebäuden, Stand " + shortDate(s.At) + ", " + clockTime(s.At) + " Uhr",
		day:      s.At, created: opt.created(), cols: subjectColumns,
		confidential: true, notice: SubjectAccessNotice,
	}
	var items []item
	var counts []string
	total := 0
	for _, sec := range s.Sections {
		counts = append(counts, sec.Title+": "+strconv.Itoa(len(sec.Records)))
		total += len(sec.Records)
		if len(sec.Records) == 0 {
			continue
		}
		items = append(items, item{section: sec.Title, note: plural(len(sec.Records), "1 Eintrag", strconv.Itoa(len(sec.Records))+" Einträge")})
		for i, r := range sec.Records {
			items = append(items, item{cells: subjectRow(i+1, r)})
		}
	}
	pages := l.paginate(l.layout(items), 12)
	l.draw(pages, func(y float64) {
		summary := "Zu diesen Angaben sind keine Daten gespeichert."
		if total > 0 {
			summary = "Gefunden – " + strings.Join(counts, ", ") + "."
		}
		l.d.fit(box{listMarginX, y + 4, l.innerW(), 5}, summary, textStyle{
			style: "B", maxSize: 8.5, minSize: 7, maxLines: 1, align: "L", color: inkColor})
	})
	return l.d.output(w)
}

func subjectRow(n int, r SubjectRecord) [][]para {
	body := func(s string) para { return para{text: s, size: listBodySize, color: inkColor} }
	bold := func(s string) para { return para{text: s, style: "B", size: listBodySize, color: inkColor} }
	small := func(s string) para { return para{text: s, size: listSmallSize, color: labelColor} }
	when := small("–")
	if !r.At.IsZero() {
		when = body(shortDate(r.At) + ", " + clockTime(r.At) + " Uhr")
	}
	var fields []para
	for _, f := range r.Fields {
		if strings.TrimSpace(f.Value) != "" {
			fields = append(fields, body(f.Label+": "+f.Value))
		}
	}
	return [][]para{{bold(strconv.Itoa(n))}, {when}, {body(r.Building)}, fields, {small(r.Ref)}}
}
