package printing

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// Evacuation is the list of every visitor in the building at one moment,
// per entrance, for the roll call at the assembly point: who, visiting
// whom, since when, and a box to tick. All text is UTF-8.
type Evacuation struct {
	Town     string // "Stadt Soest"
	Building string // "Rathaus I"
	Address  string
	At       time.Time // the moment the list shows
	Groups   []EvacuationGroup
}

// EvacuationGroup is the visitors who came in through one entrance.
type EvacuationGroup struct {
	Entrance string
	Visitors []EvacuationVisitor
}

// EvacuationVisitor is one row: a visitor in the building.
type EvacuationVisitor struct {
	Name                 string
	Phone                string // to call someone missing at the assembly point
	Host, HostDepartment string
	ArrivedAt            time.Time
	Status               string // "wartet am Eingang", "abgeholt von …"
}

var evacuationColumns = []column{
	{"Nr.", 9, "R"},
	{"Name", 48, "L"},
	{"Besuch bei", 42, "L"},
	{"Seit", 13, "L"},
	{"Stand", 32, "L"},
	{"Telefon", 24, "L"},
	{"Gezählt", 14, "C"}, // left empty: ticked by hand at the assembly point
}

// WriteEvacuation writes the evacuation list as an A4 PDF to w. An empty
// building gets a page that says so: a list that prints nothing would
// leave the doubt whether it printed at all.
//
// It returns an error when the moment is not set, when the time zone cannot
// be loaded or when writing to w fails.
func WriteEvacuation(w io.Writer, e Evacuation, opt Options) error {
	if e.At.IsZero() {
		return errors.New("printing: evacuation list: moment is not set")
	}
	if _, err := berlin(); err != nil {
		return err
	}
	const pageW, pageH = 210.0, 297.0
	entrances := make([]string, len(e.Groups))
	total := 0
	for i, g := range e.Groups {
		entrances[i] = g.Entrance
		total += len(g.Visitors)
	}
	l := &list{
		d:     newDocument(pageW, pageH, "Evakuierungsliste", opt),
		pageW: pageW, pageH: pageH,
		title: "Evakuierungsliste", town: e.Town, building: e.Building + " – Stand " + clockTime(e.At) + " Uhr",
		place: joinNonEmpty(" · ", e.Address, strings.Join(entrances, ", ")),
		day:   e.At, created: opt.created(), cols: evacuationColumns, confidential: true,
	}
	var items []item
	n := 0
	for _, g := range e.Groups {
		items = append(items, item{section: g.Entrance, note: persons(len(g.Visitors))})
		for _, v := range g.Visitors {
			n++
			items = append(items, item{cells: evacuationRow(n, v, e.At)})
		}
	}
	pages := l.paginate(l.layout(items), 12)
	l.draw(pages, func(y float64) {
		summary := "Zurzeit ist kein Besucher angemeldet im Haus."
		if total > 0 {
			summary = "Im Haus: " + persons(total) + " (Besucher; Beschäftigte nicht enthalten)."
		}
		l.d.fit(box{listMarginX, y + 4, l.innerW(), 5}, summary, textStyle{
			style: "B", maxSize: 9, minSize: 7, maxLines: 1, align: "L", color: inkColor})
	})
	return l.d.output(w)
}

func persons(n int) string {
	if n == 1 {
		return "1 Person"
	}
	return strconv.Itoa(n) + " Personen"
}

func evacuationRow(n int, v EvacuationVisitor, at time.Time) [][]para {
	body := func(s string) para { return para{text: s, size: listBodySize, color: inkColor} }
	bold := func(s string) para { return para{text: s, style: "B", size: listBodySize, color: inkColor} }
	small := func(s string) para { return para{text: s, size: listSmallSize, color: labelColor} }
	return [][]para{
		{bold(strconv.Itoa(n))},
		{bold(v.Name)},
		{body(v.Host), small(v.HostDepartment)},
		{body(dayTime(v.ArrivedAt, at))},
		{body(v.Status)},
		{body(v.Phone)},
		{},
	}
}
