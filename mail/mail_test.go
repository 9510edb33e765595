package mail_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"pforte/engine"
	"pforte/internal/mailpit"
	"pforte/mail"
)

const publicURL = "https://termine.soest.example"

func berlin(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, engine.Berlin)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rathaus() engine.Building {
	return engine.Building{ID: "rathaus-1", Name: "Rathaus I", Address: "Am Vreithof 8, 59494 Soest",
		Entrance: "Eingang über den Rathausinnenhof"}
}

func services() []engine.Service {
	return []engine.Service{
		{ID: "perso", Name: "Personalausweis beantragen", Documents: []string{"biometrisches Passfoto", "alter Ausweis"}},
		{ID: "meldung", Name: "Wohnsitz anmelden", Documents: []string{"Wohnungsgeberbestätigung"}},
	}
}

func booking(t *testing.T) engine.Appointment {
	return engine.Appointment{ID: "appt-1", Code: "K7M2QX", Building: "rathaus-1", Services: []string{"perso", "meldung"},
		Start: berlin(t, "2026-12-08 09:30"), End: berlin(t, "2026-12-08 09:50"), Channel: engine.ChannelOnline,
		Citizen:  engine.Citizen{Name: "Erika Mustermann", BirthDate: "1964-08-12", Email: "erika@example.org"},
		BookedAt: berlin(t, "2026-12-01 10:12"), ExpiresAt: berlin(t, "2026-12-01 10:42"), Status: engine.ApptBooked,
		Token: "tok-abc123", UID: "appt-0", Sequence: 2, MovedFrom: "appt-0"}
}

func render(t *testing.T, kind string) mail.Message {
	t.Helper()
	a := booking(t)
	old := a
	old.ID, old.Start = "appt-0", berlin(t, "2026-12-07 13:00")
	m, err := mail.Render(mail.Input{Kind: kind, MailID: engine.MailID(kind, a.ID), Appointment: a, Old: &old,
		Building: rathaus(), Services: services(), PublicURL: publicURL, QRPayload: "PFORTE:" + a.Code,
		Now: berlin(t, "2026-12-01 10:12")})
	if err != nil {
		t.Fatalf("render %s: %v", kind, err)
	}
	return m
}

func TestEveryKindRendersInGermanWithBothParts(t *testing.T) {
	tests := []struct {
		kind    string
		subject string
		want    []string // in the text and the HTML
		ics     string   // METHOD of the attached calendar file, "" none
	}{
		{engine.MailConfirmRequest, "Bitte bestätigen Sie", []string{"bis 10:42 Uhr", publicURL + "/buchen/#/bestaetigen/tok-abc123",
			"Dienstag, 8. Dezember 2026, 09:30 Uhr"}, ""},
		{engine.MailConfirmation, "bestätigt", []string{"K7M2QX", "Rathaus I", "Eingang über den Rathausinnenhof",
			"Personalausweis beantragen", "biometrisches Passfoto", "Wohnungsgeberbestätigung",
			publicURL + "/buchen/#/absagen/tok-abc123", publicURL + "/buchen/#/termin/tok-abc123",
			publicURL + "/api/public/bookings/tok-abc123.ics", "Dienstag, 8. Dezember 2026, 09:30 Uhr"}, "REQUEST"},
		{engine.MailMoved, "verlegt", []string{"Montag, 7. Dezember 2026, 13:00 Uhr", "Dienstag, 8. Dezember 2026, 09:30 Uhr",
			"K7M2QX"}, "REQUEST"},
		{engine.MailCancelled, "abgesagt", []string{"Dienstag, 8. Dezember 2026, 09:30 Uhr", "K7M2QX"}, "CANCEL"},
		{engine.MailReminder, "Erinnerung", []string{"morgen", "Dienstag, 8. Dezember 2026, 09:30 Uhr",
			publicURL + "/buchen/#/absagen/tok-abc123"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			m := render(t, tt.kind)
			if !strings.Contains(m.Subject, tt.subject) {
				t.Errorf("subject %q, want %q in it", m.Subject, tt.subject)
			}
			for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
				if !strings.Contains(part.body, "Guten Tag Erika Mustermann") || !strings.Contains(part.body, "Mit freundlichen Grüßen") {
					t.Errorf("%s part: no German greeting and closing", part.name)
				}
				for _, w := range tt.want {
					if !strings.Contains(part.body, w) && !strings.Contains(part.body, strings.ReplaceAll(w, "&", "&amp;")) {
						t.Errorf("%s part lacks %q", part.name, w)
					}
				}
				if strings.Contains(part.body, "http") && strings.Contains(part.body, "://") {
					for _, f := range strings.Fields(part.body) {
						if i := strings.Index(f, "http"); i >= 0 && !strings.HasPrefix(f[i:], publicURL) {
							t.Errorf("%s part: link %q does not start with the public URL", part.name, f[i:])
						}
					}
				}
			}
			var gotICS string
			for _, a := range m.Attachments {
				if a.Name == "termin.ics" {
					cal, err := ics.ParseCalendar(bytes.NewReader(a.Data))
					if err != nil {
						t.Fatalf("calendar file does not parse: %v", err)
					}
					gotICS = cal.CalendarProperties[indexOf(cal, "METHOD")].Value
				}
			}
			if gotICS != tt.ics {
				t.Errorf("calendar METHOD %q, want %q", gotICS, tt.ics)
			}
		})
	}
}

func indexOf(cal *ics.Calendar, name string) int {
	for i, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			return i
		}
	}
	return -1
}

func TestCalendarKeepsUIDAndCountsMoves(t *testing.T) {
	a := booking(t)
	b, err := mail.Calendar(a, rathaus(), services(), false, "termine@soest.de")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	ev := evs[0]
	prop := func(p ics.ComponentProperty) *ics.IANAProperty { return ev.GetProperty(p) }
	if got := ev.Id(); got != "appt-0@pforte" {
		t.Errorf("UID %q, want appt-0@pforte", got)
	}
	if got := prop(ics.ComponentPropertySequence).Value; got != "2" {
		t.Errorf("SEQUENCE %s, want 2", got)
	}
	start := prop(ics.ComponentPropertyDtStart)
	if start.Value != "20261208T093000" || start.ICalParameters["TZID"][0] != "Europe/Berlin" {
		t.Errorf("DTSTART %v %v, want 20261208T093000 in Europe/Berlin", start.Value, start.ICalParameters)
	}
	if !strings.Contains(prop(ics.ComponentPropertyLocation).Value, "Rathausinnenhof") {
		t.Errorf("LOCATION %q lacks the entrance", prop(ics.ComponentPropertyLocation).Value)
	}
	desc := prop(ics.ComponentPropertyDescription).Value
	if !strings.Contains(desc, "Personalausweis") || !strings.Contains(desc, "Passfoto") {
		t.Errorf("DESCRIPTION %q lacks services or documents", desc)
	}
	if tz := cal.Timezones(); len(tz) != 1 || !strings.Contains(string(b), "BYDAY=-1SU") {
		t.Errorf("want one VTIMEZONE with the DST rules:\n%s", b)
	}
	org := prop(ics.ComponentPropertyOrganizer)
	if org == nil || org.Value != "mailto:termine@soest.de" || org.ICalParameters["CN"][0] != "Rathaus I" {
		t.Errorf("ORGANIZER %+v, want mailto:termine@soest.de from Rathaus I", org)
	}
	if att := ev.Attendees(); len(att) != 1 || att[0].Email() != "erika@example.org" {
		t.Errorf("ATTENDEE %+v, want the citizen's address", att)
	}
	// A building name with the characters a parameter cannot carry.
	odd := rathaus()
	odd.Name = `Bürgerbüro "Am Markt", Soest: 2; O'Neil\`
	o, _ := mail.Calendar(a, odd, services(), false, "termine@soest.de")
	if !strings.Contains(string(o), "ORGANIZER;CN=Bürgerbüro Am Markt Soest 2 O Neil:mailto:termine@soest.de") {
		t.Errorf("the building's name in CN is not plain:\n%s", o)
	}
	if n, _ := mail.Calendar(a, rathaus(), services(), false, ""); strings.Contains(string(n), "ORGANIZER") || strings.Contains(string(n), "ATTENDEE") {
		t.Errorf("no sender named yet, still an ORGANIZER or ATTENDEE:\n%s", n)
	}
	c, _ := mail.Calendar(a, rathaus(), services(), true, "termine@soest.de")
	if !strings.Contains(string(c), "METHOD:CANCEL") || !strings.Contains(string(c), "STATUS:CANCELLED") ||
		!strings.Contains(string(c), "SEQUENCE:3") || !strings.Contains(string(c), "UID:appt-0@pforte") {
		t.Errorf("cancelled calendar:\n%s", c)
	}
}

func TestConfirmationArrivesWithQRAndCalendar(t *testing.T) {
	mp := mailpit.New(t)
	m := render(t, engine.MailConfirmation)
	failed, err := mail.Send(context.Background(), mail.Server{Addr: mp.SMTP, From: "termine@soest.example",
		Username: "pforte", Password: "secret"}, []mail.Message{m}, time.Now())
	if err != nil || failed[0] != nil {
		t.Fatalf("send: %v %v", err, failed)
	}
	list := mp.Messages()
	if len(list) != 1 {
		t.Fatalf("%d messages, want 1", len(list))
	}
	got := mp.Message(list[0].ID)
	if got.MessageID != m.MessageID || got.To[0].Address != "erika@example.org" {
		t.Errorf("Message-ID %q to %v, want %q to erika@example.org", got.MessageID, got.To, m.MessageID)
	}
	if !strings.Contains(got.Text, "K7M2QX") || !strings.Contains(got.HTML, "cid:") {
		t.Errorf("text or HTML part missing: %q / %q", got.Text, got.HTML)
	}
	var qr, cal []byte
	for _, p := range append(got.Inline, got.Attachments...) {
		switch p.FileName {
		case "qr-code.png":
			qr = mp.PartData(got.ID, p.PartID)
		case "termin.ics":
			cal = mp.PartData(got.ID, p.PartID)
		}
	}
	if _, err := png.Decode(bytes.NewReader(qr)); err != nil {
		t.Fatalf("QR code is no PNG: %v", err)
	}
	if _, err := ics.ParseCalendar(bytes.NewReader(cal)); err != nil || !bytes.Contains(cal, []byte("UID:appt-0@pforte")) {
		t.Fatalf("calendar attachment: %v\n%s", err, cal)
	}
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Log("zbarimg not installed (scripts/install-deps.sh test): QR content not decoded")
		return
	}
	f := filepath.Join(t.TempDir(), "qr.png")
	os.WriteFile(f, qr, 0o600)
	out, err := exec.Command(zbar, "--raw", "-q", f).Output()
	if err != nil || strings.TrimSpace(string(out)) != "PFORTE:K7M2QX" {
		t.Errorf("QR code reads %q (%v), want PFORTE:K7M2QX", out, err)
	}
}
