package printing

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// tracingWith returns a contact-tracing list with n contacts.
func tracingWith(n int) ContactTracing {
	c := ContactTracing{Town: "Stadt Soest", Building: "Bürger Büro", Address: "Am Vreithof 8, 59494 Soest",
		Day: wednesday, MarginMinutes: 15,
		Index: TracedPerson{Name: "Maria Schneider", Phone: "+49 2921 103-0", Address: "Markt 1, 59494 Soest",
			Host: "Deniz Aydin", From: wednesday.Add(2 * time.Hour), To: wednesday.Add(150 * time.Minute)}}
	for i := range n {
		from := wednesday.Add(time.Duration(90+i*3%90) * time.Minute)
		p := TracedPerson{Name: fmt.Sprintf("Kontakt%03d %s", i+1, surnames[i%len(surnames)]),
			Phone: fmt.Sprintf("0170 %d", 1000+i), From: from, To: from.Add(40 * time.Minute), Host: "Deniz Aydin"}
		switch i % 3 {
		case 1:
			p.Appointment, p.BirthDate, p.Email, p.Host = true, time.Date(1961, 9, 30, 0, 0, 0, 0, time.UTC), "klaus@example.org", "Schalter 1"
		case 2:
			p.Estimated, p.To = true, wednesday.Add(5*time.Hour+30*time.Minute)
		}
		c.Contacts = append(c.Contacts, p)
	}
	return c
}

func TestContactTracingEveryPageIsForTheHealthOffice(t *testing.T) {
	pdf := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteContactTracing(w, tracingWith(60), Options{Created: fixedCreated})
	})
	info := pdfinfo(t, pdf)
	wantPageSize(t, info, sheetW, sheetH)
	if info.pages < 2 {
		t.Fatalf("%d pages; 60 contacts should need more than one", info.pages)
	}
	pages := pageTexts(t, pdf)
	for i, p := range pages {
		wantText(t, fmt.Sprintf("page %d", i+1), p, TracingNotice, fmt.Sprintf("Seite %d von %d", i+1, len(pages)))
	}
	all := strings.Join(pages, "\n")
	wantText(t, "list", all, "Indexperson", "Maria Schneider", "Kontakt060", "Gesamt: 60 Kontaktpersonen.",
		"nicht abgemeldet: Ende geschätzt", "30.09.1961", "genau 15 Minuten Abstand zählen noch")
}

func TestContactTracingWithoutContacts(t *testing.T) {
	pdf := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteContactTracing(w, tracingWith(0), Options{Created: fixedCreated})
	})
	wantText(t, "list", pdfText(t, pdf), "Maria Schneider", "Keine Kontaktpersonen", TracingNotice)
}

func TestContactTracingGolden(t *testing.T) {
	got := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteContactTracing(w, tracingWith(5), Options{Created: fixedCreated})
	})
	checkGolden(t, "contact-tracing.golden.pdf", got)
	render(t, "contact-tracing", got)
}

func subjectAccessWith(visits, appointments int) SubjectAccess {
	s := SubjectAccess{Town: "Stadt Soest", Asked: []string{"Name: Klaus Becker", "Geburtsdatum: 30.09.1961"}, At: wednesday}
	v := SubjectSection{Title: "Besuche (Besucherregistrierung)"}
	for i := range visits {
		v.Records = append(v.Records, SubjectRecord{At: wednesday.Add(time.Duration(i) * 24 * time.Hour), Building: "Rathaus I",
			Ref: fmt.Sprintf("01a2425f-d963-7388-a18e-e4e86033%04d", i), Fields: []SubjectField{
				{"Name", "Klaus Becker"}, {"Telefon", "02921 555-3"}, {"Besuch bei", "Anna Müller"}, {"Anlass", ""}}})
	}
	a := SubjectSection{Title: "Termine"}
	for i := range appointments {
		a.Records = append(a.Records, SubjectRecord{At: wednesday.Add(time.Duration(i) * time.Hour), Building: "Bürger Büro",
			Ref: fmt.Sprintf("01a2425f-ea60-7c5a-ad06-2ba32e47%04d", i), Fields: []SubjectField{
				{"Name", "Klaus Becker"}, {"Geburtsdatum", "30.09.1961"}, {"Anliegen", "Personalausweis beantragen"}}})
	}
	s.Sections = []SubjectSection{v, a, {Title: "Wartende Druckaufträge"}}
	return s
}

func TestSubjectAccess(t *testing.T) {
	pdf := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteSubjectAccess(w, subjectAccessWith(30, 20), Options{Created: fixedCreated})
	})
	pages := pageTexts(t, pdf)
	if len(pages) < 2 {
		t.Fatalf("%d pages, want more than one", len(pages))
	}
	for i, p := range pages {
		wantText(t, fmt.Sprintf("page %d", i+1), p, "Vertraulich", "Auskunft nach Art. 15 DSGVO")
	}
	all := strings.Join(pages, "\n")
	wantText(t, "document", all, "Name: Klaus Becker · Geburtsdatum: 30.09.1961", "Termine (Fortsetzung)",
		"Besuche (Besucherregistrierung): 30, Termine: 20, Wartende Druckaufträge: 0.")
	if strings.Contains(all, "Anlass:") {
		t.Error("an empty field is printed")
	}
	empty := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteSubjectAccess(w, subjectAccessWith(0, 0), Options{Created: fixedCreated})
	})
	wantText(t, "empty", pdfText(t, empty), "Zu diesen Angaben sind keine Daten gespeichert.")
}

func TestSubjectAccessGolden(t *testing.T) {
	got := mustWrite(t, func(w *bytes.Buffer) error {
		return WriteSubjectAccess(w, subjectAccessWith(2, 3), Options{Created: fixedCreated})
	})
	checkGolden(t, "subject-access.golden.pdf", got)
	render(t, "subject-access", got)
}
