// Package mail renders the mails Pforte sends to citizens (German, plain
// text with an HTML alternative, a QR code and a calendar file), writes the
// calendar files, and sends mails over SMTP. It is the one package that
// holds the outside dependencies of mail (go-mail, golang-ical); the
// outbox, who sends and when, is the engine's and the app's.
//
// mail imports engine (types only); it must not import app, sync, store or
// printing.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"image/png"
	"net/url"
	"strings"
	"text/template"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"pforte/engine"
)

//go:embed templates
var templates embed.FS

// Attachment is a file sent with a mail; Inline ones are shown in the HTML
// part (referenced by cid:ContentID).
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	Inline      bool
	ContentID   string
}

// Message is a rendered mail.
type Message struct {
	To          string
	Subject     string
	Text        string
	HTML        string
	MessageID   string // without angle brackets
	Attachments []Attachment
}

// Input is what a mail is rendered from: the appointment as held at send
// time, the one it was before a move, its building and services, and
// where the public pages are.
type Input struct {
	Kind        string // engine.Mail*
	MailID      string // engine.MailID: makes the Message-ID
	Appointment engine.Appointment
	Old         *engine.Appointment // moved: the appointment before
	Building    engine.Building
	Services    []engine.Service
	PublicURL   string // links start with it: https://termine.stadt.de
	QRPayload   string // the slip's QR payload (store.QRPrefix + code)
	Organizer   string // the sender's address: the calendar file's ORGANIZER
	Now         time.Time
}

// view is what the templates see.
type view struct {
	Subject, Name, Code, When, OldWhen, Until              string
	BuildingName, Address, Entrance                        string
	Services                                               []engine.Service
	ConfirmURL, CancelURL, ViewURL, ICSURL, BookURL, QRCID string
}

// The QR code's content id in the confirmation.
const qrCID = "qr-code@pforte"

// Render renders the mail of in.Kind. The confirmation, moved and
// cancelled mails carry a calendar file; the confirmation a QR code.
func Render(in Input) (Message, error) {
	a := in.Appointment
	v := view{Name: a.Citizen.Name, Code: a.Code, When: GermanDateTime(a.Start),
		BuildingName: in.Building.Name, Address: in.Building.Address, Entrance: in.Building.Entrance, Services: in.Services}
	if v.BuildingName == "" {
		v.BuildingName = a.Building
	}
	if in.Old != nil {
		v.OldWhen = GermanDateTime(in.Old.Start)
	}
	if !a.ExpiresAt.IsZero() {
		v.Until = GermanTime(a.ExpiresAt)
		if in.Now.IsZero() || engine.Day(in.Now) != engine.Day(a.ExpiresAt) {
			v.Until = GermanDateTime(a.ExpiresAt)
		}
	}
	base := strings.TrimRight(in.PublicURL, "/")
	if base != "" {
		v.BookURL = base + "/buchen/"
	}
	if base != "" && a.Token != "" {
		t := url.PathEscape(a.Token)
		v.ConfirmURL = base + "/buchen/#/bestaetigen/" + t
		v.CancelURL = base + "/buchen/#/absagen/" + t
		v.ViewURL = base + "/buchen/#/termin/" + t
		v.ICSURL = base + "/api/public/bookings/" + t + ".ics"
	}
	if in.Kind == engine.MailConfirmRequest && v.ConfirmURL == "" {
		return Message{}, fmt.Errorf("confirm request for %s: no public URL or no link token", a.ID)
	}
	msg := Message{To: a.Citizen.Email, MessageID: messageID(in.MailID, a.ID, in.Kind)}
	switch in.Kind {
	case engine.MailConfirmation:
		png, err := QRCode(in.QRPayload)
		if err != nil {
			return Message{}, err
		}
		v.QRCID = qrCID
		msg.Attachments = append(msg.Attachments, Attachment{Name: "qr-code.png", ContentType: "image/png", Data: png,
			Inline: true, ContentID: qrCID})
		fallthrough
	case engine.MailMoved, engine.MailCancelled:
		cancelled := in.Kind == engine.MailCancelled
		ics, err := Calendar(a, in.Building, in.Services, cancelled, in.Organizer)
		if err != nil {
			return Message{}, err
		}
		method := "REQUEST"
		if cancelled {
			method = "CANCEL"
		}
		msg.Attachments = append(msg.Attachments, Attachment{Name: "termin.ics",
			ContentType: "text/calendar; charset=UTF-8; method=" + method, Data: ics})
	case engine.MailConfirmRequest, engine.MailReminder:
	default:
		return Message{}, fmt.Errorf("unknown mail kind %q", in.Kind)
	}
	var err error
	if msg.Subject, msg.Text, err = renderText(in.Kind, v); err != nil {
		return Message{}, err
	}
	v.Subject = msg.Subject
	if msg.HTML, err = renderHTML(in.Kind, v); err != nil {
		return Message{}, err
	}
	return msg, nil
}

// messageID is stable per mail: a server that got a mail twice (the
// answer to the first lost) can tell it is one.
func messageID(mailID, appointment, kind string) string {
	if mailID == "" {
		mailID = engine.MailID(kind, appointment)
	}
	return strings.NewReplacer(":", ".", "@", ".", "<", "", ">", "").Replace(mailID) + "@pforte"
}

func renderText(kind string, v view) (subject, body string, err error) {
	t, err := template.New("").ParseFS(templates, "templates/common.txt", "templates/"+kind+".txt")
	if err != nil {
		return "", "", err
	}
	var s, b bytes.Buffer
	if err := t.ExecuteTemplate(&s, "subject", v); err != nil {
		return "", "", err
	}
	if err := t.ExecuteTemplate(&b, "body", v); err != nil {
		return "", "", err
	}
	return strings.TrimSpace(s.String()), b.String(), nil
}

func renderHTML(kind string, v view) (string, error) {
	t, err := htmltemplate.New("").ParseFS(templates, "templates/layout.html", "templates/"+kind+".html")
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// QRCode is the PNG of a QR code (the slips' payload, PFORTE:CODE).
func QRCode(payload string) ([]byte, error) {
	if payload == "" {
		return nil, fmt.Errorf("qr code: no payload")
	}
	code, err := qr.Encode(payload, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	if code, err = barcode.Scale(code, 240, 240); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, code); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var (
	germanDays   = [...]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}
	germanMonths = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
		"Oktober", "November", "Dezember"}
)

// GermanDateTime writes t in Europe/Berlin as "Dienstag, 8. Dezember 2026, 09:30 Uhr".
func GermanDateTime(t time.Time) string {
	t = t.In(engine.Berlin)
	return fmt.Sprintf("%s, %d. %s %d, %s", germanDays[t.Weekday()], t.Day(), germanMonths[t.Month()-1], t.Year(), GermanTime(t))
}

// GermanTime writes t's time of day in Europe/Berlin as "10:42 Uhr".
func GermanTime(t time.Time) string { return t.In(engine.Berlin).Format("15:04") + " Uhr" }
