package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"pforte/engine"
)

type personalData struct {
	Visits       []visit          `json:"visits"`
	Appointments []apiAppointment `json:"appointments"`
	Inbox        []apiInboxEntry  `json:"inbox"`
	PrintJobs    []waitingJob     `json:"print_jobs"`
}

// klausRecords: Klaus Becker booked today at 08:30 and registered at the
// entrance for it, booked next Wednesday too (moved by an absence: an
// inbox entry), and his badge waits in the print queue. Another Klaus
// Becker, with another phone number, visited today.
type klausRecords struct {
	s                 *site
	visit, namesake   visit
	today, nextWeek   apiAppointment
	badgeJob, inboxID string
}

func openKlausRecords(t *testing.T) *klausRecords {
	t.Helper()
	s := openBuergerbuero(t)
	k := &klausRecords{s: s}
	k.today = s.mustBook(t, bookBody(berlin(today, "08:30"), klaus, "personalausweis"))
	k.nextWeek = s.mustBook(t, bookBody(berlin(nextWednesday, "09:00"), klaus, "anmeldung"))
	s.post(t, "/api/counters/"+k.nextWeek.Counter+"/absences", `{"from":"`+nextWednesday+`","reason":"Krankheit"}`).
		want(t, http.StatusOK, nil)
	var inbox []apiInboxEntry
	s.get(t, "/api/inbox?building=buergerbuero").want(t, http.StatusOK, &inbox)
	if len(inbox) != 1 {
		t.Fatalf("inbox %+v, want Klaus's moved appointment", inbox)
	}
	k.inboxID = inbox[0].ID
	k.visit = s.mustRegister(t, `{"building":"buergerbuero","name":"Klaus  Becker","phone":"02921 5553","host":"staff-aydin","appointment_id":"`+k.today.ID+`"}`)
	k.namesake = s.mustRegister(t, `{"building":"buergerbuero","name":"Klaus Becker","phone":"0170 999","host":"staff-lange"}`)
	// No printer is set up: the badge waits in the print queue.
	var e notPrinted
	s.post(t, "/api/print/jobs", `{"document":"badge","id":"`+k.visit.ID+`","printer":"infotheke"}`).want(t, http.StatusServiceUnavailable, &e)
	k.badgeJob = e.JobID
	return k
}

func TestPersonalData(t *testing.T) {
	k := openKlausRecords(t)
	officer := k.s.as(t, "datenschutz")
	ask := func(q url.Values) personalData {
		t.Helper()
		var got personalData
		officer.get(t, "/api/personal-data?"+q.Encode()).want(t, http.StatusOK, &got)
		return got
	}
	ids := func(got personalData) (vs, as []string) {
		for _, v := range got.Visits {
			vs = append(vs, v.ID)
		}
		for _, a := range got.Appointments {
			as = append(as, a.ID)
		}
		return vs, as
	}

	byNameAndPhone := ask(url.Values{"name": {"klaus becker"}, "phone": {"+49 2921 555-3"}})
	vs, as := ids(byNameAndPhone)
	if !slices.Equal(vs, []string{k.visit.ID}) {
		t.Errorf("visits %v, want only Klaus's (%s), not his namesake's", vs, k.visit.ID)
	}
	if len(as) != 3 { // today's, next week's as booked (now cancelled by the move), and the moved one
		t.Errorf("appointments %v, want today's, next week's and the one it moved to", as)
	}
	if len(byNameAndPhone.Inbox) != 1 || byNameAndPhone.Inbox[0].ID != k.inboxID {
		t.Errorf("inbox %+v, want the entry about the moved appointment", byNameAndPhone.Inbox)
	}
	if len(byNameAndPhone.PrintJobs) != 1 || byNameAndPhone.PrintJobs[0].JobID != k.badgeJob {
		t.Errorf("print jobs %+v, want the waiting badge %s", byNameAndPhone.PrintJobs, k.badgeJob)
	}

	// By birth date: the appointments, and the visit that came for one.
	vs, as = ids(ask(url.Values{"birth_date": {klaus.BirthDate}}))
	if !slices.Equal(vs, []string{k.visit.ID}) || len(as) != 3 {
		t.Errorf("by birth date: visits %v, appointments %v", vs, as)
	}
	// By name alone, the namesake is found too: the officer checks.
	vs, _ = ids(ask(url.Values{"name": {"Klaus Becker"}}))
	if len(vs) != 2 {
		t.Errorf("by name: visits %v, want Klaus's and his namesake's", vs)
	}
	// By e-mail, whatever its case.
	if _, as = ids(ask(url.Values{"email": {"KLAUS@example.org"}})); len(as) != 3 {
		t.Errorf("by e-mail: appointments %v", as)
	}
	if got := ask(url.Values{"name": {"Niemand"}}); len(got.Visits)+len(got.Appointments)+len(got.Inbox)+len(got.PrintJobs) != 0 {
		t.Errorf("nobody: %+v", got)
	}

	officer.get(t, "/api/personal-data").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "person")
	officer.get(t, "/api/personal-data?birth_date=30.09.1961").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "birth_date")
	k.s.as(t, "leitung").get(t, "/api/personal-data?name=Klaus+Becker").wantError(t, http.StatusForbidden, engine.CodeForbidden, "")

	// The request is audited as a search naming what it found.
	type entry struct {
		Action, Route string
		Entities      []string
	}
	var es []entry
	officer.get(t, "/api/audit?entity="+k.inboxID).want(t, http.StatusOK, &es)
	if !slices.ContainsFunc(es, func(e entry) bool {
		return e.Action == engine.AuditSearch && e.Route == "GET /api/personal-data" && slices.Contains(e.Entities, k.visit.ID)
	}) {
		t.Errorf("no audited search of the inbox entry: %+v", es)
	}
}

func TestPersonalDataPDF(t *testing.T) {
	k := openKlausRecords(t)
	r := k.s.as(t, "datenschutz").get(t, "/api/personal-data.pdf?name=Klaus+Becker&phone=02921+555-3")
	if r.status != http.StatusOK || r.contentType != "application/pdf" {
		t.Fatalf("status %d, Content-Type %q: %s", r.status, r.contentType, r.body)
	}
	text := pdfToText(t, r.body)
	for _, want := range []string{"Auskunft nach Art. 15 DSGVO", "Klaus Becker", "30.09.1961", "Besucherausweis",
		"Vertraulich", "nicht besetzt (Krankheit)", "Termine: 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "0170 999") {
		t.Error("the PDF shows the namesake's phone number")
	}
	keepPDF(t, "personal-data.pdf", r.body)
}

func TestBuildingsServeVisitReasons(t *testing.T) {
	s := openDemo(t)
	var bs []struct {
		ID           string   `json:"id"`
		VisitReasons []string `json:"visit_reasons"`
	}
	s.as(t, "empfang").get(t, "/api/buildings").want(t, http.StatusOK, &bs)
	for _, b := range bs {
		if !slices.Contains(b.VisitReasons, "Abholung") {
			t.Errorf("%s: visit reasons %q, want the demo's pick list", b.ID, b.VisitReasons)
		}
	}
	// The pick list is a hint: a reason of one's own is still taken.
	s.mustRegister(t, `{"name":"Maria Schneider","phone":"02921 103-0","host":"staff-mueller","reason":"Rückfrage zur Baugenehmigung"}`)
}
