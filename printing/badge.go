package printing

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// Badge is what a visitor badge shows. All text is UTF-8; characters the
// embedded font cannot draw print as '?'.
type Badge struct {
	// Number is the visit's place among the building's visits of the day
	// ("Nr. 7"): reception calls a visitor by it, and it is the row of the
	// daily registration sheet, so a lost badge leads to its visit. 0
	// leaves it out.
	Number         int
	VisitorName    string
	HostName       string
	HostDepartment string // optional
	BuildingName   string
	Entrance       string // optional
	ArrivedAt      time.Time
}

// The badge is 90×55 mm, a common insert size of clip and pin badge holders
// ("Namensschild 90×55") and of business-card label stock,
// so a label printer prints it 1:1 and an office printer prints it on a
// cuttable sheet. A6 landscape would need a lanyard pocket and wastes paper
// for five lines of text; the name is still large enough to read at a few
// metres, which is what a reception desk needs.
const (
	badgeW, badgeH = 90.0, 55.0
	badgeMargin    = 4.0
	headerH        = 12.0
	footerTop      = 50.0 // top of the "please wear visibly" line
)

// paleOnAccent is secondary text on the accent band.
const paleOnAccent color = 0xbed2e6

// WriteBadge writes a visitor badge for b as a one-page PDF to w.
//
// It returns an error when b has no visitor name or no arrival time, when
// the Europe/Berlin time zone cannot be loaded, or when writing to w fails.
// Text that is too long for its place is set smaller, wrapped and, as a last
// resort, cut with an ellipsis; it never runs off the card.
func WriteBadge(w io.Writer, b Badge, opt Options) error {
	if strings.TrimSpace(b.VisitorName) == "" {
		return errors.New("printing: badge: visitor name is empty")
	}
	if b.ArrivedAt.IsZero() {
		return errors.New("printing: badge: arrival time is not set")
	}
	arrived, err := formatDateTime(b.ArrivedAt)
	if err != nil {
		return err
	}

	// The title names the document, not the visitor: print spoolers log job
	// titles, and the name should not outlive the retention period there.
	d := newDocument(badgeW, badgeH, "Besucherausweis", opt)
	d.addPage()
	d.badgeHeader(b.Number)

	inner := badgeW - 2*badgeMargin
	d.fit(box{badgeMargin, headerH + 2.5, inner, 13.5}, b.VisitorName, textStyle{
		style: "B", maxSize: 22, minSize: 6.5, align: "L", middle: true, color: inkColor,
	})

	const ruleY = headerH + 17.2
	d.rule(badgeMargin, badgeW-badgeMargin, ruleY, 0.2, ruleColor)

	d.badgeRows(ruleY+1.3, badgeRowsFor(b, arrived))

	d.fit(box{badgeMargin, footerTop, inner, badgeH - footerTop - 1.5},
		"Bitte gut sichtbar tragen und beim Verlassen abgeben.", textStyle{
			maxSize: 6.5, minSize: 5, align: "C", color: labelColor,
		})

	return d.output(w)
}

// badgeHeader draws the coloured band that tells staff at a glance that the
// wearer is a visitor, with the day's number and how long the badge is
// valid.
func (d *document) badgeHeader(number int) {
	d.fill(box{0, 0, badgeW, headerH}, accentColor)
	d.fit(box{badgeMargin, 0, 46, headerH}, "BESUCHER", textStyle{
		style: "B", maxSize: 21, minSize: 16, align: "L", middle: true, color: white,
	})
	right := box{badgeW - badgeMargin - 34, 1.3, 34, 6}
	if number > 0 {
		d.fit(right, "Nr. "+strconv.Itoa(number), textStyle{
			style: "B", maxSize: 14, minSize: 10, maxLines: 1, align: "R", middle: true, color: white,
		})
	}
	right.y, right.h = 7.4, 3.4
	d.fit(right, "gültig nur heute", textStyle{
		maxSize: 7, minSize: 6, maxLines: 1, align: "R", color: paleOnAccent,
	})
}

// badgeRow is one "label: value" line under the visitor's name.
type badgeRow struct {
	label, value string // UTF-8
	style        string // font style of the value
	maxLines     int
}

// badgeRowsFor lists the rows of b that have something to say.
func badgeRowsFor(b Badge, arrived string) []badgeRow {
	var rows []badgeRow
	host := strings.TrimSpace(b.HostName)
	if dept := strings.TrimSpace(b.HostDepartment); dept != "" {
		host += " (" + dept + ")"
	}
	if host != "" {
		// Host and department can be long ("Fachbereich Stadtentwicklung
		// und Bauordnung"); two lines beat an ellipsis.
		rows = append(rows, badgeRow{"Besuch bei:", host, "B", 2})
	}
	if s := strings.TrimSpace(b.BuildingName); s != "" {
		rows = append(rows, badgeRow{"Gebäude:", s, "", 1})
	}
	if s := strings.TrimSpace(b.Entrance); s != "" {
		rows = append(rows, badgeRow{"Eingang:", s, "", 1})
	}
	return append(rows, badgeRow{"Ankunft:", arrived, "", 1})
}

// badgeRows sets rows from top down to the footer. Each row gets one line;
// a row that allows two gets the second only if the rows below still fit.
func (d *document) badgeRows(top float64, rows []badgeRow) {
	const (
		labelW    = 17.0
		labelSize = 6.5
		valueSize = 8.0
		gap       = 0.6
	)
	valueX := badgeMargin + labelW
	valueW := badgeW - badgeMargin - valueX
	rowH := lineHeight(valueSize)

	y := top
	for i, row := range rows {
		below := float64(len(rows)-1-i) * (rowH + gap)
		h := min(rowH*float64(row.maxLines), footerTop-gap-y-below)
		used, size := d.fit(box{valueX, y, valueW, h}, row.value, textStyle{
			style: row.style, maxSize: valueSize, minSize: 6, maxLines: row.maxLines,
			align: "L", color: inkColor,
		})
		// Put the label on the baseline of the value's first line, whatever
		// size the value ended up with.
		labelTop := y + baseline(0, size) - baseline(0, labelSize)
		d.font("", labelSize)
		d.pdf.SetTextColor(labelColor.rgb())
		d.textLine(badgeMargin, labelW, labelTop, labelSize, row.label, "L")
		y += used + gap
	}
}
