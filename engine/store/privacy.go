package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"pforte/engine"
)

// Read-only queries of the data-protection officer's tools: contact
// tracing and data-subject requests.

// VisitsAround returns a building's visits that arrived on the local days
// from the day of from to the day of to, in order of arrival: with
// engine.VisitStay, a stay never leaves its day of arrival, so these are
// all the visits that can overlap from..to.
func (s *Store) VisitsAround(ctx context.Context, buildingID string, from, to time.Time) ([]engine.Visit, error) {
	return docs[engine.Visit](ctx, s.db, `SELECT doc FROM visits WHERE building = ? AND day BETWEEN ? AND ?
		ORDER BY arrived_at, id`, buildingID, engine.Day(from), engine.Day(to))
}

// AppointmentsAround returns a building's appointments of the local days
// from the day of from to the day of to, by start, every status.
func (s *Store) AppointmentsAround(ctx context.Context, buildingID string, from, to time.Time) ([]engine.Appointment, error) {
	return docs[engine.Appointment](ctx, s.db, `SELECT doc FROM appointments WHERE building = ? AND day BETWEEN ? AND ?
		ORDER BY start, id`, buildingID, engine.Day(from), engine.Day(to))
}

// PersonalData is everything the database holds about one person.
type PersonalData struct {
	Visits       []engine.Visit       // by arrival
	Appointments []engine.Appointment // by start
	Inbox        []engine.InboxEntry  // by creation
}

// FindPerson returns what the database holds, in every building, on the
// person q describes (engine.PersonQuery.Matches), plus the records linked
// to a match: the appointment a found visit came for, the visits that came
// for a found appointment, and the inbox entries about a found appointment.
// q must be normalized.
func (s *Store) FindPerson(ctx context.Context, q engine.PersonQuery) (PersonalData, error) {
	// Only the personal columns are read to match; the documents of the
	// matches are read after. A town's appointments of a year are tens of
	// thousands of rows, and a request is rare.
	visitIDs, err := matchingIDs(ctx, s, q, `SELECT id, doc ->> '$.name', '', doc ->> '$.email', doc ->> '$.phone',
		doc ->> '$.appointment_id' FROM visits`)
	if err != nil {
		return PersonalData{}, err
	}
	apptIDs, err := matchingIDs(ctx, s, q, `SELECT id, doc ->> '$.citizen.name', birth_date, doc ->> '$.citizen.email',
		doc ->> '$.citizen.phone', '' FROM appointments`)
	if err != nil {
		return PersonalData{}, err
	}
	var out PersonalData
	linked := map[string]bool{} // appointments the found visits came for
	for _, appt := range visitIDs {
		if appt != "" {
			linked[appt] = true
		}
	}
	appts := map[string]bool{}
	for id := range apptIDs {
		appts[id] = true
	}
	for id := range linked {
		appts[id] = true
	}
	for id := range appts {
		a, err := appointment(ctx, s.db, id)
		if engine.AsError(err).Code == engine.CodeNotFound {
			continue // purged, or not yet replicated here
		}
		if err != nil {
			return out, err
		}
		out.Appointments = append(out.Appointments, a)
	}
	visits := map[string]bool{}
	for id := range visitIDs {
		visits[id] = true
	}
	if len(appts) > 0 {
		// The visits that came for a found appointment.
		rows, err := s.db.QueryContext(ctx, `SELECT id, doc ->> '$.appointment_id' FROM visits
			WHERE doc ->> '$.appointment_id' <> ''`)
		if err != nil {
			return out, err
		}
		for rows.Next() {
			var id, appt string
			if err := rows.Scan(&id, &appt); err != nil {
				rows.Close()
				return out, err
			}
			if appts[appt] {
				visits[id] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	for id := range visits {
		v, err := visit(ctx, s.db, id)
		if engine.AsError(err).Code == engine.CodeNotFound {
			continue
		}
		if err != nil {
			return out, err
		}
		out.Visits = append(out.Visits, v)
	}
	inbox, err := docs[engine.InboxEntry](ctx, s.db, `SELECT doc FROM inbox ORDER BY created_at, id`)
	if err != nil {
		return out, err
	}
	for _, e := range inbox {
		p := engine.Person{Name: e.Citizen.Name, Email: e.Citizen.Email, Phone: e.Citizen.Phone}
		if appts[e.Appointment] || appts[e.NewAppointment] || q.Matches(p) {
			out.Inbox = append(out.Inbox, e)
		}
	}
	slices.SortFunc(out.Visits, func(a, b engine.Visit) int {
		return cmp.Or(a.ArrivedAt.Compare(b.ArrivedAt), cmp.Compare(a.ID, b.ID))
	})
	slices.SortFunc(out.Appointments, func(a, b engine.Appointment) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// matchingIDs runs query, whose rows are (id, name, birth date, e-mail,
// phone, linked appointment id), and returns the ids of the rows q
// matches with their linked appointment.
func matchingIDs(ctx context.Context, s *Store, q engine.PersonQuery, query string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id string
		var name, birth, email, phone, appt *string // NULL where a document lacks the field
		if err := rows.Scan(&id, &name, &birth, &email, &phone, &appt); err != nil {
			return nil, err
		}
		if q.Matches(engine.Person{Name: str(name), BirthDate: str(birth), Email: str(email), Phone: str(phone)}) {
			out[id] = str(appt)
		}
	}
	return out, rows.Err()
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
