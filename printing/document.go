package printing

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/jung-kurt/gofpdf"
)

// Options are the settings shared by every document.
type Options struct {
	// Created is written to the PDF as creation and modification date.
	// Zero means time.Now(); tests fix it so the output is byte-reproducible.
	Created time.Time
}

// document wraps a gofpdf page with the habits every Pforte document shares:
// core fonts with the cp1252 code page, reproducible output and helpers that
// keep text inside its box.
type document struct {
	pdf *gofpdf.Fpdf
	// cp1252 translates UTF-8 to the code page of the core fonts; see encode.
	cp1252 func(string) string
}

// ptToMM converts a font size in points to millimetres, the unit of every
// document here.
const ptToMM = 25.4 / 72

// newDocument starts a single-page document of w×h millimetres.
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
	created := opt.Created
	if created.IsZero() {
		created = time.Now()
	}
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	// Fonts and other resources live in maps inside gofpdf; without a fixed
	// order two runs could write the same document with different bytes.
	pdf.SetCatalogSort(true)
	// Uncompressed output is a few kilobytes for these one-page documents,
	// keeps golden files diffable and does not change when a new Go release
	// changes compress/flate's output.
	pdf.SetCompression(false)
	pdf.SetCreator("Pforte", true)
	pdf.SetTitle(title, true)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCellMargin(0)
	pdf.AddPage()
	return &document{pdf: pdf, cp1252: pdf.UnicodeTranslatorFromDescriptor("")}
}

// output writes the finished document. gofpdf collects errors along the way
// and reports the first one here.
func (d *document) output(w io.Writer) error {
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("printing: write pdf: %w", err)
	}
	return nil
}

// encode turns UTF-8 text into the cp1252 bytes the core fonts understand.
// gofpdf's translator maps characters it does not know to '.', which would
// read as punctuation in a name; encode shows '?' instead so the gap is
// visible. Decomposed umlauts (u + U+0308, as some keyboards and macOS send
// them) are composed first, control characters become spaces, invisible
// formatting characters are dropped and runs of white space collapse to one.
func (d *document) encode(s string) string {
	var b strings.Builder
	// prev is held back one step so a following combining mark can fold
	// into it; -1 means nothing is pending.
	var prev rune = -1
	flush := func() {
		if prev < 0 {
			return
		}
		if prev < 0x80 {
			b.WriteRune(prev)
		} else if t := d.cp1252(string(prev)); t == "." {
			b.WriteByte('?')
		} else {
			b.WriteString(t)
		}
		prev = -1
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining mark: fold it into the previous letter when cp1252
			// has the composed letter, otherwise drop it and keep the base
			// letter, which reads better than a question mark.
			if c, ok := compose(prev, r); ok {
				prev = c
			}
			continue
		case r == '\u00ad' || unicode.Is(unicode.Cf, r):
			// Soft hyphens and zero-width characters would print as glyphs
			// or not at all; either way they do not belong on paper.
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			r = ' '
		}
		if r == ' ' && (prev == ' ' || (prev < 0 && b.Len() == 0)) {
			continue
		}
		flush()
		prev = r
	}
	if prev != ' ' {
		flush()
	}
	return b.String()
}

// compose returns the precomposed form of base followed by the combining
// mark, when cp1252 has one. It covers the marks of the languages whose
// letters cp1252 can show; unicode/norm is not in the standard library.
func compose(base, mark rune) (rune, bool) {
	var from, to string
	switch mark {
	case '\u0308': // diaeresis
		from, to = "aeiouyAEIOUY", "äëïöüÿÄËÏÖÜŸ"
	case '\u0301': // acute
		from, to = "aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"
	case '\u0300': // grave
		from, to = "aeiouAEIOU", "àèìòùÀÈÌÒÙ"
	case '\u0302': // circumflex
		from, to = "aeiouAEIOU", "âêîôûÂÊÎÔÛ"
	case '\u0303': // tilde
		from, to = "anoANO", "ãñõÃÑÕ"
	case '\u030a': // ring above
		from, to = "aA", "åÅ"
	case '\u0327': // cedilla
		from, to = "cC", "çÇ"
	case '\u030c': // caron
		from, to = "szSZ", "šžŠŽ"
	default:
		return 0, false
	}
	i := strings.IndexRune(from, base)
	if i < 0 {
		return 0, false
	}
	// from is ASCII, so the byte index is the rune index.
	return []rune(to)[i], true
}

// box is a rectangle on the page, in millimetres.
type box struct{ x, y, w, h float64 }

// textStyle says how fit sets a piece of text.
type textStyle struct {
	style            string  // gofpdf font style: "", "B", "I", "BI"
	maxSize, minSize float64 // font size range in points; fit starts at maxSize
	maxLines         int     // 0 means as many as the box height allows
	align            string  // "L", "C" or "R"
	middle           bool    // centre the lines vertically in the box
	color            color
}

// color is an RGB colour as 0xRRGGBB, so colours can be constants.
type color uint32

func (c color) rgb() (r, g, b int) { return int(c >> 16 & 0xff), int(c >> 8 & 0xff), int(c & 0xff) }

// lineHeight is the distance between baselines for a font size in points.
func lineHeight(size float64) float64 { return size * ptToMM * 1.18 }

// fit sets already encoded text into b at the largest size between
// st.maxSize and st.minSize at which it fits, wrapping at spaces. A word is
// split only at the smallest size; if the text still does not fit there, the
// last line ends in an ellipsis. Text never leaves the box, however long the
// input. fit returns the height the text took and the font size it chose.
func (d *document) fit(b box, text string, st textStyle) (height, size float64) {
	if text == "" {
		return 0, st.maxSize
	}
	pdf := d.pdf
	pdf.SetTextColor(st.color.rgb())
	var lines []string
	size = st.maxSize
	for ; size >= st.minSize; size -= 0.5 {
		pdf.SetFont("Helvetica", st.style, size)
		if size-0.5 >= st.minSize && d.widestWord(text) > b.w {
			continue // would split a word; try smaller first
		}
		lines = d.wrap(text, b.w)
		if fitsLines(len(lines), size, b.h, st.maxLines) {
			break
		}
	}
	if size < st.minSize {
		size = st.minSize
		pdf.SetFont("Helvetica", st.style, size)
		lines = d.wrap(text, b.w)
		lines = d.truncate(lines, b.w, maxLinesFor(size, b.h, st.maxLines))
	}

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

// textLine draws one line of encoded text in the line box of width w whose
// top is at y.
func (d *document) textLine(x, w, y, size float64, s, align string) {
	tw := d.pdf.GetStringWidth(s)
	switch align {
	case "C":
		x += (w - tw) / 2
	case "R":
		x += w - tw
	}
	d.pdf.Text(x, baseline(y, size), s)
}

// baseline is the baseline of a line of the given font size whose line box
// starts at top: the glyphs' cap height sits centred in the line box.
func baseline(top, size float64) float64 {
	return top + lineHeight(size)/2 + 0.35*size*ptToMM
}

func fitsLines(n int, size, h float64, maxLines int) bool {
	return n <= maxLinesFor(size, h, maxLines)
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

// wrap breaks encoded text into lines no wider than w at the current font.
func (d *document) wrap(text string, w float64) []string {
	var lines []string
	for _, l := range d.pdf.SplitLines([]byte(text), w) {
		lines = append(lines, strings.TrimRight(string(l), " "))
	}
	return lines
}

// widestWord is the width of the widest space-separated word at the current
// font.
func (d *document) widestWord(text string) float64 {
	var widest float64
	for _, word := range strings.Fields(text) {
		widest = max(widest, d.pdf.GetStringWidth(word))
	}
	return widest
}

// truncate keeps the first n lines and ends the last of them with an
// ellipsis, shortened until it fits in w.
func (d *document) truncate(lines []string, w float64, n int) []string {
	if len(lines) <= n {
		return lines
	}
	const ellipsis = "\x85" // "…" in cp1252
	last := strings.Join(lines[n-1:], " ")
	for last != "" && d.pdf.GetStringWidth(last+ellipsis) > w {
		last = strings.TrimRight(last[:len(last)-1], " ")
	}
	return append(lines[:n-1:n-1], last+ellipsis)
}

// formatDateTime formats t as a German reader expects it on a form,
// "Sa., 21.11.2026, 09:14 Uhr", in Europe/Berlin whatever t's location.
func formatDateTime(t time.Time) (string, error) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		// On a system without a zoneinfo database (a bare Windows desktop)
		// the main package must import time/tzdata; a library must not.
		return "", fmt.Errorf("printing: load time zone: %w", err)
	}
	t = t.In(berlin)
	// The abbreviations German forms and letters use, indexed by Weekday.
	weekdays := [7]string{"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."}
	return weekdays[t.Weekday()] + t.Format(", 02.01.2006, 15:04 Uhr"), nil
}
