package printing

import (
	"strconv"
	"time"
)

// list is an A4 document of one table running over as many pages as it
// needs: the daily registration sheet and the attendance list. Every page
// repeats the header (issuer, title, building, day, "Seite x von N") and
// the column headings; a row never breaks across pages, and a section
// heading never ends a page. The table is paginated before anything is
// drawn, so each page knows the number of pages.
type list struct {
	d            *document
	pageW, pageH float64
	title        string // "Besucherregistrierung"
	town         string
	building     string // "Rathaus I"
	place        string // address and entrance, one line
	day          time.Time
	created      time.Time
	cols         []column
	confidential bool // personal data: the footer says how to handle it
	// notice replaces the confidential footer's default text (who may
	// read the document).
	notice string
}

// column is one column of the table.
type column struct {
	title string
	w     float64 // millimetres
	align string  // "L", "R" or "C"
}

// para is a piece of text in a cell; a cell stacks its paras.
type para struct {
	text  string
	style string
	size  float64
	color color
}

// item is one thing the table shows: a row of cells, or (section set) a
// heading across all columns with an optional note on its right.
type item struct {
	cells   [][]para
	section string
	note    string
}

// laid is an item with its text wrapped to its columns.
type laid struct {
	item
	lines [][]laidPara // per cell
	h     float64
}

type laidPara struct {
	para
	lines []string
}

const (
	listMarginX    = 14.0
	listTop        = 10.0
	listHeaderH    = 27.0 // from listTop to the column headings
	listColHeadH   = 7.0
	listFooterH    = 15.0
	cellPadX       = 1.3
	cellPadY       = 1.4
	sectionH       = 7.5
	listBodySize   = 8.0
	listSmallSize  = 6.8
	listLabelSize  = 6.8
	listLineFactor = 1.12 // rows are set a little tighter than running text
)

func (l *list) innerW() float64  { return l.pageW - 2*listMarginX }
func (l *list) bodyTop() float64 { return listTop + listHeaderH + listColHeadH }
func (l *list) bodyBottom() float64 {
	return l.pageH - listFooterH
}

// layout wraps every item's text and returns the items with their heights.
func (l *list) layout(items []item) []laid {
	out := make([]laid, len(items))
	for i, it := range items {
		out[i].item = it
		if it.section != "" {
			out[i].h = sectionH
			continue
		}
		out[i].lines = make([][]laidPara, len(it.cells))
		h := 0.0
		for c, cell := range it.cells {
			w := l.cols[c].w - 2*cellPadX
			ch := 0.0
			for _, p := range cell {
				text := clean(p.text)
				if text == "" {
					continue
				}
				l.d.font(p.style, p.size)
				lp := laidPara{para: p, lines: l.d.wrap(text, w)}
				out[i].lines[c] = append(out[i].lines[c], lp)
				ch += float64(len(lp.lines)) * rowLine(p.size)
			}
			h = max(h, ch)
		}
		out[i].h = h + 2*cellPadY
	}
	return out
}

func rowLine(size float64) float64 { return size * ptToMM * 1.18 * listLineFactor }

// paginate splits items into pages. A section heading that would end a
// page goes to the next one with its first row; a page that starts inside
// a section repeats its heading. tail is the height the last page must
// keep free for the closing block (sums and signature).
func (l *list) paginate(items []laid, tail float64) [][]laid {
	var pages [][]laid
	var page []laid
	var section *laid // the section the rows being placed belong to
	y := l.bodyTop()
	fresh := func() bool { return len(page) == 0 || (len(page) == 1 && page[0].section != "") }
	for i, it := range items {
		need := it.h
		if it.section != "" && i+1 < len(items) && items[i+1].section == "" {
			need += items[i+1].h
		}
		if y+need > l.bodyBottom() && !fresh() {
			pages = append(pages, page)
			page, y = nil, l.bodyTop()
			if it.section == "" && section != nil {
				cont := *section
				cont.section, cont.note = section.section+" (Fortsetzung)", ""
				page, y = append(page, cont), y+cont.h
			}
		}
		if it.section != "" {
			section = &items[i]
		}
		page = append(page, it)
		y += it.h
	}
	if y+tail > l.bodyBottom() && len(page) > 0 {
		pages = append(pages, page)
		page = nil
	}
	return append(pages, page)
}

// draw draws every page; closing draws the block after the last row at y.
func (l *list) draw(pages [][]laid, closing func(y float64)) {
	for n, page := range pages {
		l.d.addPage()
		l.pageHeader(n+1, len(pages))
		l.columnHeadings()
		y := l.bodyTop()
		for i, it := range page {
			if it.section != "" {
				l.sectionHeading(it, y)
			} else {
				l.row(it, y, i%2 == 1)
			}
			y += it.h
		}
		l.pageFooter()
		if n == len(pages)-1 && closing != nil {
			closing(y)
		}
	}
}

func (l *list) pageHeader(page, pages int) {
	d, x, w := l.d, listMarginX, l.innerW()
	d.fit(box{x, listTop, w / 2, 4}, l.town, textStyle{maxSize: 8, minSize: 7, maxLines: 1, align: "L", color: labelColor})
	d.fit(box{x + w/2, listTop, w / 2, 4}, "Seite "+strconv.Itoa(page)+" von "+strconv.Itoa(pages), textStyle{
		style: "B", maxSize: 8, minSize: 8, maxLines: 1, align: "R", color: inkColor})
	d.fit(box{x, listTop + 4.5, w * 0.6, 8}, l.title, textStyle{
		style: "B", maxSize: 16, minSize: 11, maxLines: 1, align: "L", middle: true, color: accentColor})
	d.fit(box{x + w*0.4, listTop + 4.5, w * 0.6, 8}, longDate(l.day), textStyle{
		style: "B", maxSize: 13, minSize: 10, maxLines: 1, align: "R", middle: true, color: inkColor})
	d.fit(box{x, listTop + 13.5, w, 5}, l.building, textStyle{
		style: "B", maxSize: 10, minSize: 8, maxLines: 1, align: "L", color: inkColor})
	d.fit(box{x, listTop + 18.5, w, 4.5}, l.place, textStyle{
		maxSize: 8.5, minSize: 7, maxLines: 1, align: "L", color: inkColor})
	d.rule(x, x+w, listTop+listHeaderH-1.5, 0.5, accentColor)
}

func (l *list) columnHeadings() {
	y := listTop + listHeaderH
	l.d.fill(box{listMarginX, y, l.innerW(), listColHeadH - 1}, paleAccent)
	x := listMarginX
	for _, c := range l.cols {
		l.d.fit(box{x + cellPadX, y, c.w - 2*cellPadX, listColHeadH - 1}, c.title, textStyle{
			style: "B", maxSize: listLabelSize, minSize: 5.5, maxLines: 2, align: c.align, middle: true, color: accentColor})
		x += c.w
	}
}

func (l *list) sectionHeading(it laid, y float64) {
	d, x, w := l.d, listMarginX, l.innerW()
	d.fit(box{x, y + 1.2, w * 0.6, sectionH - 2}, it.section, textStyle{
		style: "B", maxSize: 10, minSize: 7, maxLines: 1, align: "L", middle: true, color: accentColor})
	d.fit(box{x + w*0.4, y + 1.2, w * 0.6, sectionH - 2}, it.note, textStyle{
		maxSize: 7.5, minSize: 6, maxLines: 1, align: "R", middle: true, color: labelColor})
	d.rule(x, x+w, y+sectionH-0.6, 0.35, accentColor)
}

// rowShade is the faint band behind every other row, so the eye stays on
// the row across a wide page.
const rowShade color = 0xf3f5f7

func (l *list) row(it laid, y float64, shaded bool) {
	d := l.d
	if shaded {
		d.fill(box{listMarginX, y, l.innerW(), it.h}, rowShade)
	}
	x := listMarginX
	for c, cell := range it.lines {
		col := l.cols[c]
		ly := y + cellPadY
		for _, p := range cell {
			d.font(p.style, p.size)
			d.pdf.SetTextColor(p.color.rgb())
			lh := rowLine(p.size)
			for _, line := range p.lines {
				d.textLine(x+cellPadX, col.w-2*cellPadX, ly, p.size*listLineFactor, line, col.align)
				ly += lh
			}
		}
		x += col.w
	}
	d.rule(listMarginX, listMarginX+l.innerW(), y+it.h, 0.1, ruleColor)
}

func (l *list) pageFooter() {
	d, x, w := l.d, listMarginX, l.innerW()
	y := l.pageH - listFooterH + 3
	d.rule(x, x+w, y, 0.25, ruleColor)
	if l.confidential {
		notice, st := l.notice, textStyle{style: "B", maxSize: 7, minSize: 5.5, maxLines: 1, align: "L", color: accentColor}
		if notice == "" {
			notice = "Vertraulich: personenbezogene Daten. Verschlossen aufbewahren, nach 4 Wochen vernichten."
			st = textStyle{maxSize: 6.5, minSize: 5.5, maxLines: 1, align: "L", color: labelColor}
		}
		d.fit(box{x, y + 1, w * 0.68, 4}, notice, st)
	}
	d.fit(box{x + w*0.68, y + 1, w * 0.32, 4}, "Gedruckt am "+shortDate(l.created)+", "+clockTime(l.created)+" Uhr", textStyle{
		maxSize: 6.5, minSize: 5.5, maxLines: 1, align: "R", color: labelColor})
}

// signature draws the lines where the manager dates and signs the list,
// starting at y; it is signatureH high.
func (l *list) signature(y float64, statement string) {
	d, x, w := l.d, listMarginX, l.innerW()
	d.fit(box{x, y, w, 4.5}, statement, textStyle{maxSize: 8, minSize: 7, maxLines: 1, align: "L", color: inkColor})
	lineY := y + 16
	dateW := min(60, w*0.3)
	d.rule(x, x+dateW, lineY, 0.3, inkColor)
	d.rule(x+dateW+10, x+w*0.75, lineY, 0.3, inkColor)
	d.fit(box{x, lineY + 0.8, dateW, 4}, "Datum", textStyle{maxSize: 7, minSize: 7, align: "L", color: labelColor})
	d.fit(box{x + dateW + 10, lineY + 0.8, w*0.75 - dateW - 10, 4}, "Unterschrift der Leitung (Name in Druckschrift)",
		textStyle{maxSize: 7, minSize: 7, align: "L", color: labelColor})
}

const signatureH = 23.0
