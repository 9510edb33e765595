package printing

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/text/unicode/norm"
)

// Options are the settings shared by every document.
type Options struct {
	// Created is written to the PDF as creation and modification date and
	// printed in the footer of the lists. Zero means time.Now(); tests fix
	// it so the output is byte-reproducible.
	Created time.Time
}

func (o Options) created() time.Time {
	if o.Created.IsZero() {
		return time.Now()
	}
	return o.Created
}

// document wraps a gofpdf document with the habits every Pforte document
// shares: the embedded font, reproducible output and helpers that keep text
// inside its box.
type document struct {
	pdf *gofpdf.Fpdf
}

// ptToMM converts a font size in points to millimetres, the unit of every
// document here.
const ptToMM = 25.4 / 72

// newDocument starts a document whose pages are w×h millimetres. It has no
// page yet: single-page documents call addPage once, lists add a page per
// sheet of paper, and the receipt measures its content before it knows
// how long its one page is.
func newDocument(w, h float64, title string, opt Options) *document {
	orientation := "P"
	if w > h {
		orientation = "L"
	}
	pdf := gofpdf.NewCustom(&gofpdf.InitType{
		OrientationStr: orientation,
		UnitStr:        "mm",
		// gofpdf takes the size in portrait and turns it for "L".
		Size: gofpdf.SizeType{Wd: min(w, h), Ht: max(w, h)},
	})
	created := opt.created()
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	// Fonts and other resources live in maps inside gofpdf; without a fixed
	// order two runs could write the same document with different bytes.
	pdf.SetCatalogSort(true)
	// Uncompressed page content keeps golden files diffable and does not
	// change when a new Go release changes compress/flate's output. (The
	// embedded font subset is compressed either way.)
	pdf.SetCompression(false)
	pdf.SetCreator("Pforte", true)
	pdf.SetTitle(title, true)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(0)
	// gofpdf writes into the font bytes it is given (it pads tables in
	// place while it cuts the subset), so each document gets its own copy:
	// documents are made concurrently, one per request.
	pdf.AddUTF8FontFromBytes(fontFamily, "", bytes.Clone(sansRegular))
	pdf.AddUTF8FontFromBytes(fontFamily, "B", bytes.Clone(sansBold))
	d := &document{pdf: pdf}
	d.font("", 10)
	return d
}

// addPage starts a new page of the document's size.
func (d *document) addPage() { d.pdf.AddPage() }

// output writes the finished document. gofpdf collects errors along the way
// and reports the first one here.
func (d *document) output(w io.Writer) error {
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("printing: write pdf: %w", err)
	}
	return nil
}

// font selects the embedded font: style "" or "B", size in points.
func (d *document) font(style string, size float64) {
	d.pdf.SetFont(fontFamily, style, size)
}

// width is the width of s in millimetres at the current font.
func (d *document) width(s string) float64 { return d.pdf.GetStringWidth(s) }

// clean makes UTF-8 text fit for paper: decomposed letters (u + U+0308, as
// some keyboards and macOS send them) are composed, control characters
// become spaces, invisible formatting characters are dropped, runs of white
// space collapse to one, and a character the embedded font cannot draw
// (Chinese, emoji) becomes '?', so the gap is visible rather than an empty
// box.
func clean(s string) string {
	s = norm.NFC.String(s)
	have := glyphs()
	var b strings.Builder
	b.Grow(len(s))
	space := true // at the start, spaces are dropped
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining mark NFC could not fold into its letter: the
			// letter alone reads better than a mark drawn beside it.
			continue
		case r == '\u00ad' || unicode.Is(unicode.Cf, r):
			// Soft hyphens and zero-width characters would print as glyphs
			// or not at all; either way they do not belong on paper.
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		case !have.has(r):
			r = '?'
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// box is a rectangle on the page, in millimetres.
type box struct{ x, y, w, h float64 }

// textStyle says how fit sets a piece of text.
type textStyle struct {
	style            string  // "" or "B"
	maxSize, minSize float64 // font size range in points; fit starts at maxSize
	maxLines         int     // 0 means as many as the box height allows
	align            string  // "L", "C" or "R"
	middle           bool    // centre the lines vertically in the box
	color            color
}

// color is an RGB colour as 0xRRGGBB, so colours can be constants.
type color uint32

func (c color) rgb() (r, g, b int) { return int(c >> 16 & 0xff), int(c >> 8 & 0xff), int(c & 0xff) }

// The colours of every document. The accent is dark enough to print as
// solid dark grey on a monochrome printer.
const (
	accentColor color = 0x00467d
	paleAccent  color = 0xe6eef5
	inkColor    color = 0x191919
	labelColor  color = 0x5a5a5a
	ruleColor   color = 0xaaaaaa
	white       color = 0xffffff
	black       color = 0x000000
)

// lineHeight is the distance between baselines for a font size in points.
func lineHeight(size float64) float64 { return size * ptToMM * 1.18 }

// fit sets text (cleaned here) into b at the largest size between
// st.maxSize and st.minSize at which it fits, wrapping at spaces. A word is
// split only at the smallest size; if the text still does not fit there,
// the last line ends in an ellipsis. Text never leaves the box, however
// long the input. fit returns the height the text took and the font size
// it chose.
func (d *document) fit(b box, text string, st textStyle) (height, size float64) {
	text = clean(text)
	if text == "" {
		return 0, st.maxSize
	}
	var lines []string
	size = st.maxSize
	for ; size >= st.minSize; size -= 0.5 {
		d.font(st.style, size)
		if size-0.5 >= st.minSize && d.widestWord(text) > b.w {
			continue // would split a word; try smaller first
		}
		lines = d.wrap(text, b.w)
		if len(lines) <= maxLinesFor(size, b.h, st.maxLines) {
			break
		}
	}
	if size < st.minSize {
		size = st.minSize
		d.font(st.style, size)
		lines = d.truncate(d.wrap(text, b.w), b.w, maxLinesFor(size, b.h, st.maxLines))
	}

	d.pdf.SetTextColor(st.color.rgb())
	lh := lineHeight(size)
	top := b.y
	if st.middle {
		top += (b.h - lh*float64(len(lines))) / 2
	}
	for i, line := range lines {
		d.textLine(b.x, b.w, top+lh*float64(i), size, line, st.align)
	}
	return lh * float64(len(lines)), size
}

// textLine draws one line of clean text in the line box of width w whose
// top is at y, in the current font.
func (d *document) textLine(x, w, y, size float64, s, align string) {
	switch align {
	case "C":
		x += (w - d.width(s)) / 2
	case "R":
		x += w - d.width(s)
	}
	d.pdf.Text(x, baseline(y, size), s)
}

// baseline is the baseline of a line of the given font size whose line box
// starts at top: the glyphs' cap height sits centred in the line box.
func baseline(top, size float64) float64 {
	return top + lineHeight(size)/2 + 0.36*size*ptToMM
}

func maxLinesFor(size, h float64, maxLines int) int {
	n := int((h + 1e-9) / lineHeight(size))
	if n < 1 {
		n = 1 // a box too small for one line still shows one
	}
	if maxLines > 0 && n > maxLines {
		n = maxLines
	}
	return n
}

// wrap breaks clean text into lines no wider than w at the current font.
// Lines break at spaces, and after a hyphen when the part before it still
// fits the line ("Anna-Lena Müller-" / "Lüdenscheidt"); a word wider than
// a whole line breaks between letters. Widths add up (gofpdf does not
// kern), so each piece is measured once.
func (d *document) wrap(text string, w float64) []string {
	var lines []string
	var line strings.Builder
	lineW, spaceW := 0.0, d.width(" ")
	flush := func() {
		if line.Len() > 0 {
			lines = append(lines, line.String())
			line.Reset()
			lineW = 0
		}
	}
	for _, word := range strings.Fields(text) {
		ww := d.width(word)
		for {
			gap := 0.0
			if line.Len() > 0 {
				gap = spaceW
			}
			if lineW+gap+ww <= w {
				if gap > 0 {
					line.WriteByte(' ')
				}
				line.WriteString(word)
				lineW += gap + ww
				break
			}
			if head, tail, ok := d.hyphenBreak(word, w-lineW-gap); ok {
				if gap > 0 {
					line.WriteByte(' ')
				}
				line.WriteString(head)
				flush()
				word, ww = tail, d.width(tail)
				continue
			}
			if line.Len() > 0 {
				flush()
				continue
			}
			head, tail := d.letterBreak(word, w)
			lines = append(lines, head)
			word, ww = tail, d.width(tail)
		}
	}
	flush()
	return lines
}

// hyphenBreak splits word after its last hyphen that leaves a head no wider
// than room.
func (d *document) hyphenBreak(word string, room float64) (head, tail string, ok bool) {
	for i := len(word) - 2; i > 0; i-- {
		if word[i] == '-' && d.width(word[:i+1]) <= room {
			return word[:i+1], word[i+1:], true
		}
	}
	return "", "", false
}

// letterBreak splits a word wider than w into the longest head that fits
// (at least one letter) and the rest.
func (d *document) letterBreak(word string, w float64) (head, tail string) {
	runes := []rune(word)
	n, used := 1, d.width(string(runes[0]))
	for ; n < len(runes); n++ {
		cw := d.width(string(runes[n]))
		if used+cw > w {
			break
		}
		used += cw
	}
	return string(runes[:n]), string(runes[n:])
}

// widestWord is the width of the widest space-separated word at the
// current font.
func (d *document) widestWord(text string) float64 {
	var widest float64
	for _, word := range strings.Fields(text) {
		widest = max(widest, d.width(word))
	}
	return widest
}

// truncate keeps the first n lines and ends the last of them with an
// ellipsis, shortened until it fits in w.
func (d *document) truncate(lines []string, w float64, n int) []string {
	if len(lines) <= n {
		return lines
	}
	const ellipsis = "…"
	last := []rune(strings.Join(lines[n-1:], " "))
	for len(last) > 0 && d.width(string(last)+ellipsis) > w {
		last = []rune(strings.TrimRight(string(last[:len(last)-1]), " "))
	}
	return append(lines[:n-1:n-1], string(last)+ellipsis)
}

// fill draws a filled rectangle.
func (d *document) fill(b box, c color) {
	d.pdf.SetFillColor(c.rgb())
	d.pdf.Rect(b.x, b.y, b.w, b.h, "F")
}

// rule draws a horizontal line.
func (d *document) rule(x0, x1, y, width float64, c color) {
	d.pdf.SetDrawColor(c.rgb())
	d.pdf.SetLineWidth(width)
	d.pdf.Line(x0, y, x1, y)
}

// pageSize is a gofpdf page size in portrait.
func pageSize(w, h float64) gofpdf.SizeType { return gofpdf.SizeType{Wd: w, Ht: h} }
