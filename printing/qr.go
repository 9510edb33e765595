package printing

import (
	"fmt"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrCode draws a QR code of payload as a square of side size millimetres
// at (x, y), quiet zone included. The modules are vector rectangles, not a
// bitmap: they stay sharp on any printer resolution, and a receipt
// printer's driver cannot blur them by scaling an image.
//
// Level M survives a crease or a coffee stain across 15 % of the code; the
// payload ("PFORTE:K7M2QX") is short, so the code stays at 25×25 modules
// and each module is large enough for the terminal's camera.
func (d *document) qrCode(x, y, size float64, payload string) error {
	code, err := qr.Encode(payload, qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("printing: QR code: %w", err)
	}
	const quiet = 4 // modules of white around the code, as the standard asks
	n := code.Bounds().Dx()
	m := size / float64(n+2*quiet)
	d.fill(box{x, y, size, size}, white)
	d.pdf.SetFillColor(black.rgb())
	// All modules are one path, filled once: rectangles filled one by one
	// leave hairline seams between rows where an anti-aliasing renderer
	// (a screen, pdftoppm) blends each edge with the white below, and a
	// scanner may read a seam as a light module. Each run of dark modules
	// in a row is one rectangle.
	_, pageH := d.pdf.GetPageSize()
	k := 72 / 25.4 // points per millimetre: PDF paths are in points, from the bottom left
	var path strings.Builder
	for row := range n {
		for col := 0; col < n; {
			if !dark(code.At(col, row).RGBA()) {
				col++
				continue
			}
			start := col
			for col < n && dark(code.At(col, row).RGBA()) {
				col++
			}
			rx, ry := x+m*float64(quiet+start), y+m*float64(quiet+row)
			fmt.Fprintf(&path, "%.3f %.3f %.3f %.3f re\n", rx*k, (pageH-ry)*k, m*float64(col-start)*k, -m*k)
		}
	}
	path.WriteString("f")
	d.pdf.RawWriteStr(path.String())
	return nil
}

func dark(r, _, _, _ uint32) bool { return r < 0x8000 }
