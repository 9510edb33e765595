package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The printing tests run the demo site in Rathaus I (entrance through the
// inner courtyard; the Kämmerei's counter takes dog registrations) at 09:14
// on Wednesday 2026-11-18.

// printAppt is the part of an appointment the printing tests need.
type printAppt struct {
	ID    string `json:"id"`
	Code  string `json:"code"`
	Start string `json:"start"`
}

// bookAt books the dog tax concern in Rathaus I at start (RFC 3339) for
// a citizen.
func (s *site) bookAt(t *testing.T, start, name string) printAppt {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"building": "rathaus-1", "services": []string{"hundesteuer"}, "start": start, "channel": "phone",
		"citizen": map[string]string{"name": name, "birth_date": "1970-05-17", "phone": "02921 4711"},
	})
	var a printAppt
	s.post(t, "/api/appointments", string(body)).want(t, http.StatusCreated, &a)
	return a
}

// bookFirst books the first free slot of a day in Rathaus I.
func (s *site) bookFirst(t *testing.T, day, name string) printAppt {
	t.Helper()
	var slots []struct {
		Start string `json:"start"`
	}
	s.get(t, "/api/slots?building=rathaus-1&services=hundesteuer&days=1&from="+day).want(t, http.StatusOK, &slots)
	if len(slots) == 0 {
		t.Fatalf("no free slot in Rathaus I on %s", day)
	}
	return s.bookAt(t, slots[0].Start, name)
}

// mustPDF fetches a document and checks that it is a PDF.
func (s *site) mustPDF(t *testing.T, path string) []byte {
	t.Helper()
	res := s.get(t, path)
	if res.status != http.StatusOK || res.contentType != "application/pdf" || !strings.HasPrefix(string(res.body), "%PDF-") {
		t.Fatalf("GET %s: status %d, Content-Type %q, body %.200q; want a PDF", path, res.status, res.contentType, res.body)
	}
	return res.body
}

// The poppler and zbar tools read the documents back; without them the
// tests that need them skip (make test installs them).
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: install poppler-utils and zbar-tools to check printed documents", tool)
		}
	}
}

func writePDF(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfText is the text of a PDF file, laid out as on paper.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	needTools(t, "pdftotext")
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

var pdfSizeRE = regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`)

// pdfPageSize is the first page's size in millimetres.
func pdfPageSize(t *testing.T, path string) (w, h float64) {
	t.Helper()
	needTools(t, "pdfinfo")
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	m := pdfSizeRE.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	w, _ = strconv.ParseFloat(m[1], 64)
	h, _ = strconv.ParseFloat(m[2], 64)
	return w * 25.4 / 72, h * 25.4 / 72
}

// readQR renders the first page and decodes its QR code as a camera would.
func readQR(t *testing.T, path string) string {
	t.Helper()
	needTools(t, "pdftoppm", "zbarimg")
	png := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command("pdftoppm", "-png", "-r", "300", "-singlefile", path, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", png+".png").Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func wantIn(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range wants {
		if !strings.Contains(flat, want) {
			t.Errorf("%s lacks %q; got:\n%s", what, want, text)
		}
	}
}

func near(got, want float64) bool { return got > want-0.5 && got < want+0.5 }

func TestSlipPDF(t *testing.T) {
	s := openDemo(t)
	ap := s.bookAt(t, "2026-12-03T09:40:00+01:00", "Jürgen Nübel")
	for _, tt := range []struct {
		query string
		w, h  float64 // h 0: any length
	}{
		{"", 105, 148},
		{"?format=a6", 105, 148},
		{"?format=receipt", 80, 0},
	} {
		t.Run("format "+tt.query, func(t *testing.T) {
			path := writePDF(t, s.mustPDF(t, "/api/print/slip/"+ap.ID+".pdf"+tt.query))
			wantIn(t, "slip", pdfText(t, path), "Stadt Soest", "Rathaus I", "Am Vreithof 8, 59494 Soest",
				"Eingang über den Rathausinnenhof", "Kämmerei, Zimmer 112", "Hund an- oder abmelden",
				"Personalausweis", "für Jürgen Nübel", ap.Code, "02921 103-0")
			// The date sits on two lines: the day, then the time, large.
			text := strings.Join(strings.Fields(pdfText(t, path)), " ")
			if !strings.Contains(text, "Donnerstag, 3. Dezember 2026,") || !strings.Contains(text, "09:40 Uhr") {
				t.Errorf("slip lacks the appointment's date and time; got:\n%s", text)
			}
			if w, h := pdfPageSize(t, path); !near(w, tt.w) || (tt.h > 0 && !near(h, tt.h)) {
				t.Errorf("page %.1f×%.1f mm, want %.0f×%.0f", w, h, tt.w, tt.h)
			}
			if got := readQR(t, path); got != "PFORTE:"+ap.Code {
				t.Errorf("QR code reads %q, want %q (what the check-in terminal accepts)", got, "PFORTE:"+ap.Code)
			}
		})
	}
}

func TestBadgeNumbersTheDay(t *testing.T) {
	s := openDemo(t)
	var last visit
	for i := range 3 {
		last = s.mustRegister(t, fmt.Sprintf(`{"name":"Besucher %d Größe","phone":"0160 %d","host":"staff-schmidt","reason":"Abgabe"}`, i+1, i))
	}
	text := pdfText(t, writePDF(t, s.mustPDF(t, "/api/print/badge/"+last.ID+".pdf")))
	wantIn(t, "badge", text, "BESUCHER", "Nr. 3", "gültig nur heute", "Besucher 3 Größe", "Jens Schmidt (Kämmerei)",
		"Rathaus I", "Mi., 18.11.2026, 09:14 Uhr")
}

func TestDailySheetPDF(t *testing.T) {
	s := openDemo(t)
	names := []string{"Maria Schneider", "Jürgen Nübel", "Ömer Şahin", "Łukasz Żółć", "Dörte Weiß"}
	var ids []string
	for _, n := range names {
		v := s.mustRegister(t, `{"name":"`+n+`","phone":"02921 103-0","host":"staff-mueller","reason":"Rückfrage"}`)
		ids = append(ids, v.ID)
		s.clock.Add(3 * 60e9)
	}
	s.post(t, "/api/visits/"+ids[0]+"/pickup", `{"by":"staff-schmidt"}`).want(t, http.StatusOK, nil)
	s.post(t, "/api/visits/"+ids[0]+"/leave", "").want(t, http.StatusOK, nil)
	// Another building's visitor is not on Rathaus I's sheet.
	s.mustRegister(t, `{"building":"rathaus-2","name":"Anderes Haus","phone":"1234","host":"staff-becker","reason":"Abgabe"}`)

	path := writePDF(t, s.mustPDF(t, "/api/print/daily-sheet.pdf?building=rathaus-1&day="+today))
	text := pdfText(t, path)
	wantIn(t, "sheet", text, append(names, "Besucherregistrierung", "Rathaus I", "Mittwoch, 18. November 2026",
		"Seite 1 von 1", "Anna Müller", "durch Jens Schmidt", "Unterschrift der Leitung",
		"Gesamt: 5 Besuche, davon 4 nicht abgemeldet.")...)
	if strings.Contains(text, "Anderes Haus") {
		t.Error("the sheet of Rathaus I lists a visitor of Rathaus II")
	}
	if w, h := pdfPageSize(t, path); !near(w, 297) || !near(h, 210) {
		t.Errorf("page %.1f×%.1f mm, want A4 landscape", w, h)
	}
	// building and day default to this site's building, today.
	if again := s.mustPDF(t, "/api/print/daily-sheet.pdf"); len(again) == 0 {
		t.Error("no sheet without parameters")
	}
}

func TestAttendancePDF(t *testing.T) {
	s := openDemo(t)
	served := s.bookFirst(t, today, "Jürgen Nübel")
	waiting := s.bookFirst(t, today, "Maria Schneider")
	for _, ap := range []printAppt{served, waiting} {
		s.post(t, "/api/checkin", `{"building":"rathaus-1","code":"`+ap.Code+`"}`).want(t, http.StatusOK, nil)
	}
	s.post(t, "/api/appointments/"+served.ID+"/call", `{"counter":"r1-kaemmerei"}`).want(t, http.StatusOK, nil)
	s.post(t, "/api/appointments/"+served.ID+"/served", "").want(t, http.StatusOK, nil)

	path := writePDF(t, s.mustPDF(t, "/api/print/attendance.pdf?building=rathaus-1&day="+today))
	wantIn(t, "attendance list", pdfText(t, path), "Anwesenheitsliste", "Rathaus I", "Mittwoch, 18. November 2026",
		"Seite 1 von 1", "Kämmerei, Zimmer 112", "Jürgen Nübel", "Maria Schneider", "erledigt 09:14", "wartet",
		"Hund an- oder abmelden", served.Code, "2 Termine · 1 erledigt · 0 nicht erschienen · 1 offen")
	if w, h := pdfPageSize(t, path); !near(w, 210) || !near(h, 297) {
		t.Errorf("page %.1f×%.1f mm, want A4 portrait", w, h)
	}
}

func TestPrintPDFErrors(t *testing.T) {
	s := openDemo(t)
	ap := s.bookFirst(t, today, "Jürgen Nübel")
	cancelled := s.bookFirst(t, today, "Storno Person")
	s.post(t, "/api/appointments/"+cancelled.ID+"/cancel", "").want(t, http.StatusOK, nil)
	tests := []struct {
		name, path  string
		status      int
		code, field string
	}{
		{"unknown building", "/api/print/daily-sheet.pdf?building=rathaus-9&day=" + today, 400, "invalid_field", "building"},
		{"bad day", "/api/print/daily-sheet.pdf?day=18.11.2026", 400, "invalid_field", "day"},
		{"attendance, unknown building", "/api/print/attendance.pdf?building=nowhere", 400, "invalid_field", "building"},
		{"attendance, bad day", "/api/print/attendance.pdf?day=2026-02-30", 400, "invalid_field", "day"},
		{"slip format", "/api/print/slip/" + ap.ID + ".pdf?format=a4", 400, "invalid_field", "format"},
		{"unknown appointment", "/api/print/slip/no-such-appointment.pdf", 404, "not_found", anyField},
		{"slip without .pdf", "/api/print/slip/" + ap.ID, 404, "not_found", ""},
		{"unknown visit", "/api/print/badge/no-such-visit.pdf", 404, "not_found", anyField},
		{"cancelled appointment", "/api/print/slip/" + cancelled.ID + ".pdf", 409, "invalid_state", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.get(t, tt.path).wantError(t, tt.status, tt.code, tt.field)
		})
	}
}
