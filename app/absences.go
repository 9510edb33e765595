package app

import (
	"net/http"

	"pforte/engine"
	"pforte/engine/store"
)

// A counter's absences, entered by the management (Verwaltung →
// Abwesenheiten): first a preview of what saving would do (which bookings
// move where, whom to tell and how), then the absence itself, whose
// displaced bookings this site moves at once. An absence entered by
// mistake can be removed; what it moved stays moved.

// addAbsence answers POST /api/counters/{id}/absences {"from","to","reason"}:
// the counter is not staffed those days; its bookings are moved at once.
func (a *App) addAbsence(w http.ResponseWriter, r *http.Request) {
	var body engine.DateRange
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	k, err := a.store.AddAbsence(r.Context(), a.author(r.Context()), r.PathValue("id"), body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.relocate(r.Context())
	writeJSON(w, http.StatusOK, k)
}

// removeAbsence answers DELETE /api/counters/{id}/absences/{from}: the
// counter with the absence starting that day taken out.
func (a *App) removeAbsence(w http.ResponseWriter, r *http.Request) {
	k, err := a.store.RemoveAbsence(r.Context(), a.author(r.Context()), r.PathValue("id"), r.PathValue("from"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

// How the clerks will reach a citizen about a moved booking.
const (
	notifyEmail = "email" // the citizen gave an e-mail address
	notifyPhone = "phone" // a phone number only: the clerk calls
	notifyNone  = "none"  // neither
)

type absencePreviewJSON struct {
	Counter struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"counter"`
	From         string            `json:"from"`
	To           string            `json:"to"`
	Reason       string            `json:"reason"`
	Appointments []absenceMoveJSON `json:"appointments"`
	Moves        int               `json:"moves"`       // this site moves them
	Unplaced     int               `json:"unplaced"`    // this site finds no place for them
	Emails       int               `json:"emails"`      // of this site's: citizens told by e-mail
	Calls        int               `json:"calls"`       // of this site's: citizens to phone
	Unreachable  int               `json:"unreachable"` // of this site's: neither
	Others       int               `json:"others"`      // moved by the sites that booked them
}

type absenceMoveJSON struct {
	ID       string   `json:"id"`
	Code     string   `json:"code"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Services []string `json:"services"` // names
	Citizen  struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Phone string `json:"phone"`
	} `json:"citizen"`
	MovesTo        *string `json:"moves_to"`                   // null: no place, or another site moves it
	MovesToCounter string  `json:"moves_to_counter,omitempty"` // its name
	SameTime       bool    `json:"same_time"`
	Notify         string  `json:"notify"`
	MovedBy        string  `json:"moved_by,omitempty"` // the site that moves it, when not this one
}

// previewAbsence answers POST /api/counters/{id}/absences/preview
// {"from","to","reason"}: what saving that absence would do now, written
// nowhere (store.PreviewAbsence). The answer names citizens, so the read
// is audited.
func (a *App) previewAbsence(w http.ResponseWriter, r *http.Request) {
	var body engine.DateRange
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	p, err := a.store.PreviewAbsence(r.Context(), r.PathValue("id"), body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.absencePreviewJSON(r, p))
}

func (a *App) absencePreviewJSON(r *http.Request, p store.AbsencePreview) absencePreviewJSON {
	cat := a.store.Catalog()
	out := absencePreviewJSON{From: p.Range.From, To: p.Range.To, Reason: p.Range.Reason,
		Appointments: []absenceMoveJSON{}}
	out.Counter.ID, out.Counter.Name = p.Counter.ID, p.Counter.Name
	for _, m := range p.Moves {
		ap := m.Appointment
		auditEntities(r.Context(), ap.ID)
		j := absenceMoveJSON{ID: ap.ID, Code: ap.Code, Start: apiTime(ap.Start), End: apiTime(ap.End),
			Services: []string{}, SameTime: m.SameTime(), MovedBy: m.MovedBy, Notify: notifyNone}
		for _, id := range ap.Services {
			name := id
			if s, ok := cat.Services[id]; ok {
				name = s.Name
			}
			j.Services = append(j.Services, name)
		}
		j.Citizen.Name, j.Citizen.Email, j.Citizen.Phone = ap.Citizen.Name, ap.Citizen.Email, ap.Citizen.Phone
		switch {
		case ap.Citizen.Email != "":
			j.Notify = notifyEmail
		case ap.Citizen.Phone != "":
			j.Notify = notifyPhone
		}
		if m.To != nil {
			t := apiTime(m.To.Start)
			j.MovesTo, j.MovesToCounter = &t, a.counterName(cat, m.To.Counter)
		}
		out.Appointments = append(out.Appointments, j)
		if m.MovedBy != "" {
			out.Others++
			continue
		}
		if m.To != nil {
			out.Moves++
		} else {
			out.Unplaced++
		}
		switch j.Notify {
		case notifyEmail:
			out.Emails++
		case notifyPhone:
			out.Calls++
		default:
			out.Unreachable++
		}
	}
	return out
}
