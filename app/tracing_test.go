package app_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// traced is one person in the tracing answer.
type traced struct {
	Kind        string `json:"kind"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	Address     string `json:"address"`
	BirthDate   string `json:"birth_date"`
	Building    string `json:"building"`
	From        string `json:"from"`
	To          string `json:"to"`
	ToEstimated bool   `json:"to_estimated"`
	Host        string `json:"host"`
}

type tracingAnswer struct {
	Index         traced   `json:"index"`
	Contacts      []traced `json:"contacts"`
	MarginMinutes int      `json:"margin_minutes"`
}

// at is hh:mm on day (YYYY-MM-DD) in Berlin.
func at(day, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, engine.Berlin)
	if err != nil {
		panic(err)
	}
	return t
}

// registerAt registers a visitor in the Bürger Büro at hh:mm today; left
// "" means never signed out.
func (s *site) registerAt(t *testing.T, day, arrive, left, name, contact string) visit {
	t.Helper()
	s.clock.Set(at(day, arrive))
	v := s.mustRegister(t, fmt.Sprintf(`{"building":"buergerbuero","name":%q,%s,"host":"staff-aydin"}`, name, contact))
	if left != "" {
		s.clock.Set(at(day, left))
		s.post(t, "/api/visits/"+v.ID+"/leave", "").want(t, http.StatusOK, nil)
	}
	return v
}

// tracingDay is a Wednesday in the Bürger Büro (open 08:00–12:30) with
// Maria Schneider, the index person, from 09:00 to 09:30, and around her:
type tracingDay struct {
	s                                       *site
	maria, anna, bernd, carla, dieter, elsa visit
	klaus, eva, fritz                       apiAppointment
}

// openTracingDay: Dieter came the day before and was never signed out;
// Anna left at 08:45, exactly 15 minutes before Maria came; Bernd a
// minute earlier; Carla came at 09:40 and was never signed out; Klaus
// had an appointment at 09:15 (checked in 09:10, served 09:25); Eva's
// appointment at 09:00 was cancelled, Fritz's at 09:20 a no-show; Elsa
// was at Rathaus I at the same time.
func openTracingDay(t *testing.T) *tracingDay {
	t.Helper()
	s := openSite(t, demoConfig(t.TempDir()), engine.NewFixedClock(at("2026-11-17", "15:00")))
	d := &tracingDay{s: s}
	const day = today
	d.dieter = s.registerAt(t, "2026-11-17", "15:00", "", "Dieter Vogel", `"phone":"0170 111"`)
	s.clock.Set(at(day, "08:05")) // day tickets at the desk from 08:00
	book := func(start string, c apiCitizen, service string) apiAppointment {
		return s.mustBook(t, bookBody(berlin(day, start), c, service))
	}
	d.klaus = book("09:15", klaus, "personalausweis")
	d.eva = book("09:00", apiCitizen{Name: "Eva Roth", BirthDate: "1990-03-04", Phone: "0170 222"}, "anmeldung")
	d.fritz = book("09:20", apiCitizen{Name: "Fritz Sommer", BirthDate: "1975-05-06", Phone: "0170 333"}, "anmeldung")
	s.post(t, "/api/appointments/"+d.eva.ID+"/cancel", "").want(t, http.StatusOK, nil)

	d.anna = s.registerAt(t, day, "08:10", "08:45", "Anna Lehmann", `"email":"anna@example.org"`)
	d.bernd = s.registerAt(t, day, "08:10", "08:44", "Bernd Krüger", `"phone":"0170 444"`)
	d.maria = s.registerAt(t, day, "09:00", "", "Maria Schneider", `"phone":"+49 2921 103-0","address":"Markt 1, 59494 Soest"`)
	s.clock.Set(at(day, "09:10"))
	s.post(t, "/api/checkin", `{"building":"buergerbuero","birth_date":"`+klaus.BirthDate+`"}`).want(t, http.StatusOK, nil)
	s.clock.Set(at(day, "09:25"))
	s.post(t, "/api/appointments/"+d.klaus.ID+"/served", "").want(t, http.StatusOK, nil)
	s.clock.Set(at(day, "09:30"))
	s.post(t, "/api/visits/"+d.maria.ID+"/leave", "").want(t, http.StatusOK, nil)
	s.clock.Set(at(day, "09:35"))
	s.post(t, "/api/appointments/"+d.fritz.ID+"/no-show", "").want(t, http.StatusOK, nil)
	d.carla = s.registerAt(t, day, "09:40", "", "Carla Weber", `"phone":"0170 555"`)
	s.clock.Set(at(day, "09:10"))
	d.elsa = s.mustRegister(t, `{"building":"rathaus-1","name":"Elsa Brandt","phone":"0170 666","host":"staff-mueller","reason":"Abholung"}`)
	s.clock.Set(at(day, "15:00"))
	return d
}

func TestContactTracing(t *testing.T) {
	d := openTracingDay(t)
	officer := d.s.as(t, "datenschutz")
	var got tracingAnswer
	officer.get(t, "/api/contact-tracing?visit="+d.maria.ID).want(t, http.StatusOK, &got)

	if got.MarginMinutes != 15 {
		t.Errorf("margin %d, want the default 15", got.MarginMinutes)
	}
	i := got.Index
	if i.ID != d.maria.ID || i.Kind != "visit" || i.Phone != "+49 2921 103-0" || i.Address != "Markt 1, 59494 Soest" ||
		i.Host != "Deniz Aydin" || i.Building != "buergerbuero" ||
		i.From != berlin(today, "09:00") || i.To != berlin(today, "09:30") || i.ToEstimated {
		t.Errorf("index %+v", i)
	}
	byID := map[string]traced{}
	for _, c := range got.Contacts {
		byID[c.ID] = c
	}
	wantIn := map[string]string{d.anna.ID: "Anna (left exactly at the margin)", d.carla.ID: "Carla (never signed out)",
		d.klaus.ID: "Klaus (appointment)"}
	for id, who := range wantIn {
		if _, ok := byID[id]; !ok {
			t.Errorf("%s is not a contact", who)
		}
	}
	wantOut := map[string]string{d.bernd.ID: "Bernd (left a minute before the margin)", d.dieter.ID: "Dieter (the day before)",
		d.eva.ID: "Eva (cancelled)", d.fritz.ID: "Fritz (no-show)", d.elsa.ID: "Elsa (other building)", d.maria.ID: "Maria herself"}
	for id, who := range wantOut {
		if _, ok := byID[id]; ok {
			t.Errorf("%s is a contact", who)
		}
	}
	if len(got.Contacts) != len(wantIn) {
		t.Errorf("%d contacts, want %d: %+v", len(got.Contacts), len(wantIn), got.Contacts)
	}
	if c := byID[d.carla.ID]; c.To != berlin(today, "12:30") || !c.ToEstimated {
		t.Errorf("Carla, never signed out: to %s estimated %v, want closing 12:30, estimated", c.To, c.ToEstimated)
	}
	if c := byID[d.klaus.ID]; c.Kind != "appointment" || c.From != berlin(today, "09:10") || c.To != berlin(today, "09:25") ||
		c.BirthDate != klaus.BirthDate || c.Phone != klaus.Phone || c.Host == "" {
		t.Errorf("Klaus: %+v", c)
	}

	// The manager may ask too, by name; the answer is the same.
	var byName tracingAnswer
	d.s.as(t, "leitung").get(t, "/api/contact-tracing?name=maria+schneider&day="+today+"&building=buergerbuero").want(t, http.StatusOK, &byName)
	if byName.Index.ID != d.maria.ID || len(byName.Contacts) != len(got.Contacts) {
		t.Errorf("by name: index %s, %d contacts", byName.Index.ID, len(byName.Contacts))
	}
	// Traced from Klaus's appointment, Maria is his contact.
	var fromKlaus tracingAnswer
	officer.get(t, "/api/contact-tracing?appointment="+d.klaus.ID).want(t, http.StatusOK, &fromKlaus)
	if !slices.ContainsFunc(fromKlaus.Contacts, func(c traced) bool { return c.ID == d.maria.ID }) {
		t.Errorf("Maria is not Klaus's contact: %+v", fromKlaus.Contacts)
	}

	// Every query is in the audit log as a search naming whom it showed.
	type entry struct {
		Action, Route string
		Entities      []string
	}
	var es []entry
	officer.get(t, "/api/audit?entity="+d.carla.ID).want(t, http.StatusOK, &es)
	searches := 0
	for _, e := range es {
		if e.Action == engine.AuditSearch && e.Route == "GET /api/contact-tracing" && slices.Contains(e.Entities, d.maria.ID) {
			searches++
		}
	}
	if searches != 3 { // Klaus's contacts are Maria and Carla (exactly at the margin) too
		t.Errorf("audit of Carla: %d contact-tracing searches naming Maria, want 3 (officer, manager, from Klaus): %+v", searches, es)
	}
}

func TestContactTracingFindsTheIndexPerson(t *testing.T) {
	d := openTracingDay(t)
	s := d.s.as(t, "datenschutz")
	q := "/api/contact-tracing?day=" + today + "&building=buergerbuero&name="
	s.get(t, q+"Niemand+Hier").wantError(t, http.StatusNotFound, engine.CodeNotFound, "name")
	s.get(t, "/api/contact-tracing?visit=no-such-visit").wantError(t, http.StatusNotFound, engine.CodeNotFound, "visit")
	s.get(t, "/api/contact-tracing").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "visit")
	s.get(t, "/api/contact-tracing?appointment="+d.eva.ID).wantError(t, http.StatusConflict, engine.CodeInvalidState, "")
	// Eva's cancelled appointment is no stay: by name, nobody is found.
	s.get(t, q+"Eva+Roth").wantError(t, http.StatusNotFound, engine.CodeNotFound, "name")
	// Elsa was at Rathaus I, not here.
	s.get(t, q+"Elsa+Brandt").wantError(t, http.StatusNotFound, engine.CodeNotFound, "name")

	// Two visitors of one name: 409, listing both to choose from.
	d.s.clock.Set(at(today, "10:00"))
	other := d.s.registerAt(t, today, "10:00", "10:20", "Maria Schneider", `"phone":"0170 999"`)
	d.s.clock.Set(at(today, "15:00"))
	var amb struct {
		apiError
		Matches []traced `json:"matches"`
	}
	r := s.get(t, q+"Maria+Schneider")
	r.wantError(t, http.StatusConflict, engine.CodeAmbiguous, "name")
	r.want(t, http.StatusConflict, &amb)
	ids := []string{}
	for _, m := range amb.Matches {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	want := []string{d.maria.ID, other.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("matches %v, want %v", ids, want)
	}
}

func TestContactTracingBuildingMargin(t *testing.T) {
	d := openTracingDay(t)
	// The data-protection officer widens the margin to 20 minutes under
	// Verwaltung → Datenschutz: Bernd (left 16 minutes before Maria came)
	// is a contact now.
	dpo := d.s.as(t, "datenschutz")
	dpo.do(t, http.MethodPut, "/api/buildings/buergerbuero/retention",
		strings.NewReader(`{"visit_days":28,"appointment_days":14,"audit_days":365,"tracing_margin_minutes":20}`)).want(t, http.StatusOK, nil)
	var got tracingAnswer
	dpo.get(t, "/api/contact-tracing?visit="+d.maria.ID).want(t, http.StatusOK, &got)
	if got.MarginMinutes != 20 || !slices.ContainsFunc(got.Contacts, func(c traced) bool { return c.ID == d.bernd.ID }) {
		t.Errorf("margin %d, contacts %+v: want 20 and Bernd among them", got.MarginMinutes, got.Contacts)
	}
}

func TestContactTracingCSV(t *testing.T) {
	d := openTracingDay(t)
	r := d.s.as(t, "datenschutz").get(t, "/api/contact-tracing.csv?visit="+d.maria.ID)
	if r.status != http.StatusOK || !strings.HasPrefix(r.contentType, "text/csv") {
		t.Fatalf("status %d, Content-Type %q: %s", r.status, r.contentType, r.body)
	}
	body, ok := bytes.CutPrefix(r.body, []byte("\ufeff"))
	if !ok {
		t.Fatal("no byte order mark: German Excel would read the umlauts wrong")
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v\n%s", err, body)
	}
	if len(rows) != 1+1+3 || rows[0][0] != "Rolle" || !slices.Contains(rows[0], "Gebäude") {
		t.Fatalf("rows %q", rows)
	}
	maria := rows[1]
	if maria[0] != "Indexperson" || maria[2] != "Maria Schneider" || maria[4] != "'+49 2921 103-0" || maria[8] != "18.11.2026 09:00" {
		t.Errorf("index row %q (a phone number starting with + must not become a formula)", maria)
	}
	if !strings.Contains(r.header.Get("Content-Disposition"), "kontaktnachverfolgung-buergerbuero-2026-11-18.csv") {
		t.Errorf("Content-Disposition %q", r.header.Get("Content-Disposition"))
	}
}

func TestContactTracingPDF(t *testing.T) {
	d := openTracingDay(t)
	r := d.s.as(t, "leitung").get(t, "/api/contact-tracing.pdf?visit="+d.maria.ID)
	if r.status != http.StatusOK || r.contentType != "application/pdf" {
		t.Fatalf("status %d, Content-Type %q: %s", r.status, r.contentType, r.body)
	}
	text := pdfToText(t, r.body)
	for _, want := range []string{"Kontaktnachverfolgung", "Maria Schneider", "Anna Lehmann", "Carla Weber", "Klaus Becker",
		"Vertraulich – nur für das Gesundheitsamt", "nicht abgemeldet"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q:\n%s", want, text)
		}
	}
	for _, not := range []string{"Bernd", "Dieter", "Eva Roth", "Fritz", "Elsa"} {
		if strings.Contains(text, not) {
			t.Errorf("the PDF names %s, who is no contact", not)
		}
	}
	keepPDF(t, "contact-tracing.pdf", r.body)
}

// pdfToText is the text of a PDF (poppler's pdftotext); the test skips
// without it.
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not on PATH (poppler-utils)")
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// keepPDF writes a document to $PFORTE_KEEP_PDF/name when set, to look at.
func keepPDF(t *testing.T, name string, pdf []byte) {
	t.Helper()
	if dir := os.Getenv("PFORTE_KEEP_PDF"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// A manager limited to one building traces in that building only: the
// gate reads the building from the visit asked about.
func TestContactTracingStaysInTheManagersBuilding(t *testing.T) {
	d := openTracingDay(t)
	admin, res := d.s.signInAs(t, "admin", "demo")
	res.want(t, http.StatusOK, nil)
	admin.post(t, "/api/accounts", `{"user":"r.lenz","name":"Rita Lenz","password":"Sommer-2026!","roles":["leitung"],"buildings":["rathaus-1"]}`).
		want(t, http.StatusCreated, nil)
	lenz, res := d.s.signInAs(t, "r.lenz", "Sommer-2026!")
	res.want(t, http.StatusOK, nil)
	lenz.get(t, "/api/contact-tracing?visit="+d.maria.ID).wantError(t, http.StatusForbidden, engine.CodeForbidden, "building")
	lenz.get(t, "/api/contact-tracing.pdf?name=Maria+Schneider&building=buergerbuero").wantError(t, http.StatusForbidden, engine.CodeForbidden, "building")
	var got tracingAnswer
	lenz.get(t, "/api/contact-tracing?visit="+d.elsa.ID).want(t, http.StatusOK, &got)
	if got.Index.ID != d.elsa.ID || len(got.Contacts) != 0 {
		t.Errorf("Elsa at Rathaus I: %+v, want no contacts", got)
	}
}

// Someone whose data was erased (here on request) is no contact any more;
// the answer counts such stays, so the health office knows someone was
// there.
func TestContactTracingAfterAnErasure(t *testing.T) {
	d := openTracingDay(t)
	officer := d.s.as(t, "datenschutz")
	officer.post(t, "/api/personal-data/erase", `{"ids":["`+d.anna.ID+`"],"reason":"Antrag auf Löschung vom 18.11."}`).
		want(t, http.StatusOK, nil)
	var got tracingAnswer
	r := officer.get(t, "/api/contact-tracing?visit="+d.maria.ID)
	r.want(t, http.StatusOK, &got)
	if slices.ContainsFunc(got.Contacts, func(c traced) bool { return c.ID == d.anna.ID }) || len(got.Contacts) != 2 {
		t.Errorf("contacts after Anna's erasure: %+v", got.Contacts)
	}
	if !strings.Contains(string(r.body), `"erased_contacts":1`) {
		t.Errorf("the answer does not count Anna's erased stay: %s", r.body)
	}
	if text := pdfToText(t, officer.get(t, "/api/contact-tracing.pdf?visit="+d.maria.ID).body); !strings.Contains(text, "bereits gelöscht") {
		t.Errorf("the PDF does not mention the erased stay:\n%s", text)
	}
	var pd personalData
	officer.get(t, "/api/personal-data?name=Anna+Lehmann").want(t, http.StatusOK, &pd)
	if len(pd.Visits) != 0 {
		t.Errorf("Anna's erased visit is still found: %+v", pd.Visits)
	}
}
