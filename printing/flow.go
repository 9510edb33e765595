package printing

import "strings"

// flow sets blocks of text top-down in a column of width w. With draw
// false it only measures: a layout runs once to find its height (or the
// scale at which it fits its page) and once more to draw.
type flow struct {
	d     *document
	x, w  float64
	y     float64
	scale float64 // multiplies every font size and gap
	draw  bool
}

// text sets s (cleaned here) wrapped to the column.
func (f *flow) text(s, style string, size float64, c color, align string) {
	f.indented(0, s, style, size, c, align)
}

// indented sets s wrapped to the column minus a left indent.
func (f *flow) indented(indent float64, s, style string, size float64, c color, align string) {
	s = clean(s)
	if s == "" {
		return
	}
	size *= f.scale
	f.d.font(style, size)
	lines := f.d.wrap(s, f.w-indent)
	lh := lineHeight(size)
	if f.draw {
		f.d.pdf.SetTextColor(c.rgb())
		for i, line := range lines {
			f.d.textLine(f.x+indent, f.w-indent, f.y+lh*float64(i), size, line, align)
		}
	}
	f.y += lh * float64(len(lines))
}

// line sets s on one line at the largest size from maxSize down to
// minSize at which it fits; below that it wraps at minSize.
func (f *flow) line(s, style string, maxSize, minSize float64, c color, align string) {
	s = clean(s)
	size := maxSize
	for ; size > minSize; size -= 0.5 {
		f.d.font(style, size*f.scale)
		if f.d.width(s) <= f.w {
			break
		}
	}
	f.text(s, style, max(size, minSize), c, align)
}

// label sets the small capitals that name a section ("BITTE MITBRINGEN").
func (f *flow) label(s string) {
	f.text(strings.ToUpper(s), "B", 6.5, labelColor, "L")
	f.space(0.4)
}

// items sets a list with a mark before each item and wrapped lines
// indented under the item's first letter.
func (f *flow) items(mark string, items []string, size float64) {
	indent := 4.2 * f.scale
	for _, it := range items {
		if clean(it) == "" {
			continue
		}
		if f.draw {
			s := size * f.scale
			f.d.font("", s)
			f.d.pdf.SetTextColor(inkColor.rgb())
			f.d.textLine(f.x, indent, f.y, s, mark, "L")
		}
		f.indented(indent, it, "", size, inkColor, "L")
		f.space(0.5)
	}
}

// space adds vertical space, scaled.
func (f *flow) space(mm float64) { f.y += mm * f.scale }

// hrule draws a thin line across the column with space around it.
func (f *flow) hrule(before, after float64) {
	f.space(before)
	if f.draw {
		f.d.rule(f.x, f.x+f.w, f.y, 0.25, ruleColor)
	}
	f.space(after)
}

// qr sets a QR code of side size (not scaled: the terminal's camera needs
// the modules large), centred in the column.
func (f *flow) qr(size float64, payload string) error {
	if f.draw {
		if err := f.d.qrCode(f.x+(f.w-size)/2, f.y, size, payload); err != nil {
			return err
		}
	}
	f.y += size
	return nil
}
