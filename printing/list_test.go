package printing

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// wednesday is 18 November 2026, 08:00 in Berlin.
var wednesday = time.Date(2026, 11, 18, 7, 0, 0, 0, time.UTC)

var surnames = []string{"Schneider", "Nübel", "Öztürk", "Weiß", "Żółć", "Großmann", "Şahin", "Müller"}

// sheetWith returns a day with n visits; visitor i is called
// "Besucher<i> <surname>", so each name is one line and unique.
func sheetWith(n int) DailySheet {
	s := DailySheet{Town: "Stadt Soest", Building: "Rathaus I", Address: "Am Vreithof 8, 59494 Soest",
		Entrance: "Eingang über den Rathausinnenhof", Day: wednesday}
	for i := range n {
		at := wednesday.Add(time.Duration(i*17%600) * time.Minute)
		v := SheetVisit{
			Number: i + 1, Name: fmt.Sprintf("Besucher%03d %s", i+1, surnames[i%len(surnames)]),
			Phone: fmt.Sprintf("02921 103-%d", i), Host: "Anna Müller", HostDepartment: "Bürgermeisterbüro",
			ArrivedAt: at, PickedUpAt: at.Add(4 * time.Minute), PickedUpBy: "Jens Schmidt", LeftAt: at.Add(50 * time.Minute),
		}
		switch i % 4 {
		case 0:
			v.Email, v.Address, v.Reason = "maria@example.org", "Propst-Nübel-Straße 5, 59494 Soest", "Rückfrage zum Bescheid"
		case 1:
			v.AppointmentStart, v.AppointmentCode = at.Add(10*time.Minute), "K7M2QX"
			v.LeftAt = time.Time{}
		case 2:
			v.PickedUpAt, v.PickedUpBy = time.Time{}, ""
		}
		s.Visits = append(s.Visits, v)
	}
	return s
}

func TestDailySheet(t *testing.T) {
	s := sheetWith(100)
	pdf := mustWrite(t, func(w *bytes.Buffer) error { return WriteDailySheet(w, s, Options{Created: fixedCreated}) })
	info := pdfinfo(t, pdf)
	wantPageSize(t, info, 297, 210)
	pages := pageTexts(t, pdf)
	if len(pages) != info.pages || info.pages < 3 {
		t.Fatalf("pdftotext found %d pages, pdfinfo %d; want the same, at least 3 for 100 visits", len(pages), info.pages)
	}
	all := strings.Join(pages, "\n")
	for _, v := range s.Visits {
		if n := strings.Count(all, v.Name); n != 1 {
			t.Errorf("%q is on the sheet %d times, want once", v.Name, n)
		}
	}
	for i, page := range pages {
		wantText(t, fmt.Sprintf("page %d", i+1), page, "Stadt Soest", "Besucherregistrierung", "Rathaus I",
			"Mittwoch, 18. November 2026", fmt.Sprintf("Seite %d von %d", i+1, len(pages)),
			"Nr.", "Kontaktdaten", "Besuch bei", "Ankunft", "Abholung", "Gegangen", "Vertraulich", "Gedruckt am 20.11.2026, 13:00 Uhr")
		if last := i == len(pages)-1; strings.Contains(page, "Unterschrift der Leitung") != last {
			t.Errorf("page %d of %d: signature line present = %v, want %v", i+1, len(pages), !last, last)
		}
	}
	wantText(t, "sheet", all, "Gesamt: 100 Besuche, davon 25 nicht abgemeldet.", "Propst-Nübel-Straße 5, 59494 Soest",
		"Termin 08:27 Uhr", "durch Jens Schmidt", "Rückfrage zum Bescheid", "nicht abgemeldet")
	assertWordsInside(t, pdf, 5)
}

func TestDailySheetWrapsLongText(t *testing.T) {
	s := sheetWith(2)
	long := "Anna-Lena Müller-Lüdenscheidt von und zu Oberdörfer-Schwarzenbach"
	address := "Hinter der Alten Synagoge 12a, Hinterhaus, 3. Obergeschoss links, bei Familie Großmann-Şahin, 59494 Soest-Ampen"
	s.Visits[0].Name, s.Visits[0].Address = long, address
	pdf := mustWrite(t, func(w *bytes.Buffer) error { return WriteDailySheet(w, s, Options{Created: fixedCreated}) })
	// Without -layout, pdftotext keeps a cell's lines together; it also
	// drops a hyphen at the end of a line, taking it for a hyphenation.
	unhyphen := strings.NewReplacer("-", "")
	wantText(t, "sheet", unhyphen.Replace(pdftotext(t, pdf)), unhyphen.Replace(long), unhyphen.Replace(address))
	assertWordsInside(t, pdf, 5)
}

func TestDailySheetEmptyDay(t *testing.T) {
	pdf := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteDailySheet(w, DailySheet{Building: "Rathaus I", Day: wednesday}, Options{Created: fixedCreated})
	})
	if n := pdfinfo(t, pdf).pages; n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	wantText(t, "sheet", pdfText(t, pdf), "Seite 1 von 1", "An diesem Tag wurden keine Besuche registriert.", "Unterschrift der Leitung")
}

func TestDailySheetGolden(t *testing.T) {
	s := sheetWith(6)
	s.Visits[2].Name = "Anna-Lena Müller-Lüdenscheidt von und zu Oberdörfer-Schwarzenbach"
	got := mustWrite(t, func(w *bytes.Buffer) error { return WriteDailySheet(w, s, Options{Created: fixedCreated}) })
	checkGolden(t, "daily-sheet.golden.pdf", got)
	render(t, "daily-sheet", got)
	render(t, "daily-sheet-100", mustWrite(t, func(w *bytes.Buffer) error {
		return WriteDailySheet(w, sheetWith(100), Options{Created: fixedCreated})
	}))
}

// attendanceWith returns a day of counters with n appointments each.
func attendanceWith(counters, n int) Attendance {
	a := Attendance{Town: "Stadt Soest", Building: "Bürger Büro", Address: "Am Vreithof 8, 59494 Soest",
		Entrance: "Eigener Eingang am Vreithof", Day: wednesday}
	statuses := []string{StatusServed, StatusServed, StatusNoShow, StatusCancelled, StatusServed, StatusCheckedIn, StatusBooked, StatusCalled}
	for c := 1; c <= counters; c++ {
		ca := CounterAttendance{Name: fmt.Sprintf("Schalter %d", c)}
		for i := range n {
			start := wednesday.Add(time.Hour + time.Duration(i*15)*time.Minute)
			e := AttendanceEntry{Start: start, End: start.Add(15 * time.Minute), Code: fmt.Sprintf("C%dX%03d", c, i),
				Name:     fmt.Sprintf("Frau%d%02d %s", c, i, surnames[i%len(surnames)]),
				Services: []string{"Personalausweis beantragen", "Wohnsitz ummelden"}, Status: statuses[i%len(statuses)]}
			if e.Status != StatusBooked && e.Status != StatusCancelled && e.Status != StatusNoShow {
				e.Ticket, e.CheckedInAt = fmt.Sprintf("A-%03d", c*100+i), start.Add(-5*time.Minute)
			}
			if e.Status == StatusServed || e.Status == StatusCalled {
				e.CalledAt = start.Add(2 * time.Minute)
			}
			if e.Status == StatusServed || e.Status == StatusNoShow || e.Status == StatusCancelled {
				e.EndedAt = start.Add(14 * time.Minute)
			}
			ca.Appointments = append(ca.Appointments, e)
		}
		a.Counters = append(a.Counters, ca)
	}
	return a
}

func TestAttendance(t *testing.T) {
	a := attendanceWith(3, 16)
	pdf := mustWrite(t, func(w *bytes.Buffer) error { return WriteAttendance(w, a, Options{Created: fixedCreated}) })
	info := pdfinfo(t, pdf)
	wantPageSize(t, info, 210, 297)
	pages := pageTexts(t, pdf)
	if len(pages) != info.pages || len(pages) < 2 {
		t.Fatalf("pdftotext found %d pages, pdfinfo %d; want the same, at least 2", len(pages), info.pages)
	}
	all := strings.Join(pages, "\n")
	for _, c := range a.Counters {
		for _, e := range c.Appointments {
			if n := strings.Count(all, e.Name); n != 1 {
				t.Errorf("%q is on the list %d times, want once", e.Name, n)
			}
		}
	}
	for i, page := range pages {
		wantText(t, fmt.Sprintf("page %d", i+1), page, "Anwesenheitsliste", "Bürger Büro", "Mittwoch, 18. November 2026",
			fmt.Sprintf("Seite %d von %d", i+1, len(pages)), "Zeit", "Ticket", "Anliegen", "Check-in", "Aufruf", "Ergebnis")
	}
	wantText(t, "list", all, "Schalter 1", "Schalter 2", "Schalter 3", "(Fortsetzung)",
		"16 Termine · 6 erledigt · 2 nicht erschienen · 2 storniert · 6 offen",
		"09:00–09:15", "A-100", "erledigt 09:14", "nicht erschienen", "storniert", "wartet", "aufgerufen",
		"Gesamt: 48 Termine · 18 erledigt · 6 nicht erschienen · 6 storniert · 18 offen.")
	assertWordsInside(t, pdf, 5)
}

func TestAttendanceGolden(t *testing.T) {
	got := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteAttendance(w, attendanceWith(2, 5), Options{Created: fixedCreated})
	})
	checkGolden(t, "attendance.golden.pdf", got)
	render(t, "attendance", got)
	render(t, "attendance-long", mustWrite(t, func(w *bytes.Buffer) error {
		return WriteAttendance(w, attendanceWith(3, 16), Options{Created: fixedCreated})
	}))
}

func mustWrite(t testing.TB, write func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
