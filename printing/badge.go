package printing

import (
	"errors"
	"io"
	"strings"
	"time"
)

// Badge is what a visitor badge shows. All text is UTF-8; characters the
// printer's code page (cp1252) cannot show print as '?'.
type Badge struct {
	VisitID        string // printed small, so a lost badge can be traced to its visit
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

// The header colour is dark enough to print as solid dark grey on a
// monochrome printer, so the band reads as "visitor" on any desk's printer.
const (
	headerColor  color = 0x00467d
	visitIDColor color = 0xbed2e6
	inkColor     color = 0x191919
	labelColor   color = 0x646464
	ruleColor    color = 0xaaaaaa
	white        color = 0xffffff
)

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
	d.badgeHeader(d.encode(b.VisitID))

	inner := badgeW - 2*badgeMargin
	d.fit(box{badgeMargin, headerH + 2.5, inner, 13.5}, d.encode(b.VisitorName), textStyle{
		style: "B", maxSize: 22, minSize: 6.5, align: "L", middle: true, color: inkColor,
	})

	const ruleY = headerH + 17.2
	pdf := d.pdf
	pdf.SetDrawColor(ruleColor.rgb())
	pdf.SetLineWidth(0.2)
	pdf.Line(badgeMargin, ruleY, badgeW-badgeMargin, ruleY)

	d.badgeRows(ruleY+1.3, badgeRowsFor(b, arrived))

	d.fit(box{badgeMargin, footerTop, inner, badgeH - footerTop - 1.5},
		d.encode("Bitte gut sichtbar tragen und beim Verlassen abgeben."), textStyle{
			style: "I", maxSize: 6.5, minSize: 5, align: "C", color: labelColor,
		})

	return d.output(w)
}

// badgeHeader draws the coloured band that tells staff at a glance that the
// wearer is a visitor, with the document's name and the visit number.
func (d *document) badgeHeader(visitID string) {
	pdf := d.pdf
	pdf.SetFillColor(headerColor.rgb())
	pdf.Rect(0, 0, badgeW, headerH, "F")

	d.fit(box{badgeMargin, 0, 46, headerH}, "BESUCHER", textStyle{
		style: "B", maxSize: 22, minSize: 16, align: "L", middle: true, color: white,
	})
	right := box{badgeW - badgeMargin - 34, 2.2, 34, 3.6}
	d.fit(right, "Besucherausweis", textStyle{
		maxSize: 8, minSize: 8, align: "R", color: white,
	})
	if visitID != "" {
		right.y += right.h + 0.6
		d.fit(right, "Nr. "+visitID, textStyle{
			maxSize: 5.5, minSize: 4.5, maxLines: 1, align: "R", color: visitIDColor,
		})
	}
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
		used, size := d.fit(box{valueX, y, valueW, h}, d.encode(row.value), textStyle{
			style: row.style, maxSize: valueSize, minSize: 6, maxLines: row.maxLines,
			align: "L", color: inkColor,
		})
		// Put the label on the baseline of the value's first line, whatever
		// size the value ended up with.
		labelTop := y + baseline(0, size) - baseline(0, labelSize)
		d.pdf.SetFont("Helvetica", "", labelSize)
		d.pdf.SetTextColor(labelColor.rgb())
		d.textLine(badgeMargin, labelW, labelTop, labelSize, d.encode(row.label), "L")
		y += used + gap
	}
}
