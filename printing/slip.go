package printing

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Slip is what an appointment slip tells the citizen. All text is UTF-8.
type Slip struct {
	Code      string // the booking code, "K7M2QX": printed large
	QRPayload string // what the QR code carries; the check-in terminal reads "PFORTE:"+Code

	Town        string // the issuer, "Stadt Soest"
	Building    string // "Rathaus I"
	Address     string // "Am Vreithof 8, 59494 Soest"
	Entrance    string // "Eingang über den Rathausinnenhof"
	Place       string // optional: counter and room, "Kämmerei, Zimmer 112"
	Start       time.Time
	Services    []string // the concerns, by name
	Documents   []string // what to bring
	CitizenName string   // optional
	// CancelPhone is the number a citizen calls to cancel or move the
	// appointment ("02921 103-0"); empty leaves the number out.
	CancelPhone string
}

// SlipFormat is the paper a slip is printed on.
type SlipFormat string

// The slip formats.
const (
	// SlipA6 is a postcard-sized sheet (105×148 mm): an office printer's
	// A6 tray, or four to an A4 sheet.
	SlipA6 SlipFormat = "a6"
	// SlipReceipt is an 80 mm receipt roll, as the thermal printers at
	// the desks use; the slip is as long as its content.
	SlipReceipt SlipFormat = "receipt"
)

// ParseSlipFormat reads a format name; "" is A6.
func ParseSlipFormat(s string) (SlipFormat, error) {
	switch f := SlipFormat(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return SlipA6, nil
	case SlipA6, SlipReceipt:
		return f, nil
	}
	return "", fmt.Errorf("printing: unknown slip format %q (a6 or receipt)", s)
}

// WriteSlip writes an appointment slip for s as a one-page PDF to w.
//
// It returns an error when s has no booking code or no start, when the
// format is unknown, when the QR code cannot be made or when writing to w
// fails; nothing is written then.
func WriteSlip(w io.Writer, s Slip, format SlipFormat, opt Options) error {
	if strings.TrimSpace(s.Code) == "" {
		return errors.New("printing: slip: booking code is empty")
	}
	if s.Start.IsZero() {
		return errors.New("printing: slip: start is not set")
	}
	if _, err := berlin(); err != nil {
		return err
	}
	if s.QRPayload == "" {
		s.QRPayload = s.Code
	}
	var d *document
	var err error
	switch format {
	case SlipA6, "":
		d, err = slipA6(s, opt)
	case SlipReceipt:
		d, err = slipReceipt(s, opt)
	default:
		return fmt.Errorf("printing: unknown slip format %q", format)
	}
	if err != nil {
		return err
	}
	return d.output(w)
}

const (
	a6W, a6H     = 105.0, 148.0
	a6Margin     = 7.0
	a6HeaderH    = 17.0
	a6QRSize     = 29.0
	a6BottomTop  = a6H - a6Margin - 42 // the rule above code and QR code
	receiptW     = 80.0
	receiptInner = 70.0 // a thermal head prints 72 mm of an 80 mm roll
)

// slipA6 lays the slip out on A6: a band with the town, the appointment as
// a flowing column, and at the bottom the booking code beside the QR code,
// then how to cancel. A long list of concerns and documents is set smaller
// until the column fits above the code.
func slipA6(s Slip, opt Options) (*document, error) {
	d := newDocument(a6W, a6H, "Terminbestätigung", opt)
	d.addPage()
	inner := a6W - 2*a6Margin

	d.fill(box{0, 0, a6W, a6HeaderH}, accentColor)
	d.fit(box{a6Margin, 3, inner, 6.5}, s.Town, textStyle{
		style: "B", maxSize: 14, minSize: 9, maxLines: 1, align: "L", middle: true, color: white,
	})
	d.fit(box{a6Margin, 10, inner, 4.5}, "Terminbestätigung", textStyle{
		maxSize: 9, minSize: 9, maxLines: 1, align: "L", color: paleOnAccent,
	})

	// The column runs from under the band to above the code; try smaller
	// scales until it fits, then draw at that scale.
	top, bottom := a6HeaderH+4.5, a6BottomTop-3
	scale := 1.0
	for ; scale > 0.62; scale -= 0.04 {
		f := flow{d: d, x: a6Margin, w: inner, y: top, scale: scale}
		slipColumn(&f, s, accentColor)
		if f.y <= bottom {
			break
		}
	}
	f := flow{d: d, x: a6Margin, w: inner, y: top, scale: scale, draw: true}
	slipColumn(&f, s, accentColor)

	d.rule(a6Margin, a6W-a6Margin, a6BottomTop, 0.3, ruleColor)
	qrX, qrY := a6W-a6Margin-a6QRSize+1.5, a6BottomTop+1.5 // the quiet zone may reach into the margin
	if err := d.qrCode(qrX, qrY, a6QRSize, s.QRPayload); err != nil {
		return nil, err
	}
	left := flow{d: d, x: a6Margin, w: qrX - a6Margin - 2, y: a6BottomTop + 4, scale: 1, draw: true}
	left.label("Buchungscode")
	d.fit(box{a6Margin, left.y, left.w, 11}, s.Code, textStyle{
		style: "B", maxSize: 24, minSize: 12, maxLines: 1, align: "L", middle: true, color: accentColor,
	})
	left.y += 12
	left.text(checkInText, "", 7, inkColor, "L")

	f = flow{d: d, x: a6Margin, w: inner, y: qrY + a6QRSize + 0.5, scale: 1, draw: true}
	f.text(cancelText(s), "", 6.5, labelColor, "L")
	return d, nil
}

// slipReceipt lays the slip out for an 80 mm roll, in black only (thermal
// paper has no grey worth the name): everything centred or in one
// column, the page as long as the content.
func slipReceipt(s Slip, opt Options) (*document, error) {
	d := newDocument(receiptW, 200, "Terminbestätigung", opt)
	x := (receiptW - receiptInner) / 2
	layout := func(draw bool) (float64, error) {
		f := flow{d: d, x: x, w: receiptInner, y: 5, scale: 1, draw: draw}
		f.text(s.Town, "B", 14, black, "C")
		f.text("Terminbestätigung", "", 9.5, black, "C")
		f.hrule(2.5, 3)
		slipColumn(&f, s, black)
		f.hrule(1.5, 3)
		f.text("Buchungscode", "B", 8, black, "C")
		f.space(0.5)
		f.text(s.Code, "B", 26, black, "C")
		f.space(2)
		if err := f.qr(38, s.QRPayload); err != nil {
			return 0, err
		}
		f.space(1)
		f.text(checkInText, "", 8, black, "C")
		f.hrule(2.5, 3)
		f.text(cancelText(s), "", 8, black, "C")
		// Room for the cutter: it sits a few millimetres above the head.
		return f.y + 10, nil
	}
	h, err := layout(false)
	if err != nil {
		return nil, err
	}
	d.pdf.AddPageFormat("P", pageSize(receiptW, h))
	if _, err := layout(true); err != nil {
		return nil, err
	}
	return d, nil
}

// slipColumn sets what the citizen reads first: when, where, what for and
// what to bring. The receipt sets it in black, the A6 sheet with accents.
func slipColumn(f *flow, s Slip, accent color) {
	f.label("Ihr Termin")
	// One sentence across two lines, so that it reads (and pdftotext
	// finds it) as "Donnerstag, 3. Dezember 2026, 09:40 Uhr".
	f.line(longDate(s.Start)+",", "B", 12.5, 9, inkColor, "L")
	f.text(clockTime(s.Start)+" Uhr", "B", 22, accent, "L")
	if name := clean(s.CitizenName); name != "" {
		f.text("für "+name, "", 8, labelColor, "L")
	}
	f.space(3)

	f.label("Ort")
	f.text(s.Building, "B", 10, inkColor, "L")
	f.text(s.Address, "", 8.5, inkColor, "L")
	if e := clean(s.Entrance); e != "" {
		f.text(e, "B", 8.5, accent, "L")
	}
	if p := clean(s.Place); p != "" {
		f.text(p, "", 8.5, inkColor, "L")
	}
	if len(s.Services) > 0 {
		f.space(3)
		f.label(plural(len(s.Services), "Ihr Anliegen", "Ihre Anliegen"))
		f.items("•", s.Services, 8.5)
	}
	if len(s.Documents) > 0 {
		f.space(2.5)
		f.label("Bitte mitbringen")
		f.items("☐", s.Documents, 8.5)
	}
}

const checkInText = "Bitte melden Sie sich am Check-in-Terminal im Eingangsbereich an: " +
	"QR-Code vorhalten oder Geburtsdatum eingeben. Sie werden am Monitor aufgerufen."

// cancelText says how to cancel or move the appointment: at the desk or by
// phone, giving the code.
func cancelText(s Slip) string {
	phone := "telefonisch"
	if p := clean(s.CancelPhone); p != "" {
		phone = "telefonisch unter " + p
	}
	return "Termin absagen oder verschieben: an der Information oder " + phone +
		" unter Angabe Ihres Buchungscodes " + clean(s.Code) + "."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
