package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"pforte/engine"
)

// loadCatalog reads the configuration into a new in-memory snapshot.
func (s *Store) loadCatalog(ctx context.Context) error {
	buildings, err := docs[engine.Building](ctx, s.db, `SELECT doc FROM buildings`)
	if err != nil {
		return err
	}
	services, err := docs[engine.Service](ctx, s.db, `SELECT doc FROM services`)
	if err != nil {
		return err
	}
	counters, err := docs[engine.Counter](ctx, s.db, `SELECT doc FROM counters`)
	if err != nil {
		return err
	}
	rooms, err := docs[engine.Room](ctx, s.db, `SELECT doc FROM rooms`)
	if err != nil {
		return err
	}
	s.withHomes(buildings)
	s.cat.Store(engine.NewCatalog(buildings, services, counters, rooms))
	return nil
}

// withHomes fills in the home site of each building that has none
// configured: in a cluster, no building is without one
// (engine.EffectiveHome). A site that joined and waits for its own
// enrollment owns nothing yet (pendingHome).
func (s *Store) withHomes(buildings []engine.Building) {
	st := s.trust.Load()
	if st == nil {
		return
	}
	sites := s.Sites()
	for i, b := range buildings {
		if b.HomeSite != "" {
			continue
		}
		if s.EnrollmentPending() {
			buildings[i].HomeSite, buildings[i].HomeByDefault = pendingHome, true
			continue
		}
		if home, byDefault := engine.EffectiveHome(b, sites, st.root); home != "" {
			buildings[i].HomeSite, buildings[i].HomeByDefault = home, byDefault
		}
	}
}

// loadOccupancy puts the active appointments from yesterday on into the
// in-memory index. Older days are never searched.
func (s *Store) loadOccupancy(ctx context.Context) error {
	from := engine.Day(s.clock.Now().AddDate(0, 0, -1))
	as, err := docs[engine.Appointment](ctx, s.db, `SELECT doc FROM appointments WHERE day >= ? AND status <> ?`,
		from, engine.ApptCancelled)
	if err != nil {
		return err
	}
	for _, a := range as {
		s.index(a)
	}
	return nil
}

// Catalog returns the current configuration snapshot.
func (s *Store) Catalog() *engine.Catalog { return s.cat.Load() }

// Slots finds free slots (engine.FindSlots) in the current state.
func (s *Store) Slots(q engine.Query, limit int) ([]engine.Slot, error) {
	return engine.FindSlots(s.cat.Load(), s.occ, q, limit)
}

// Book books an appointment at exactly r.Start, if that start is free for
// r's services on r's channel now: engine.CodeSlotTaken if not. The check
// and the booking op are one transaction, so of two clerks booking the last
// place, exactly one wins.
func (s *Store) Book(ctx context.Context, author string, r engine.BookingRequest) (engine.Appointment, error) {
	now := s.clock.Now()
	r, err := r.Normalize(now)
	if err != nil {
		return engine.Appointment{}, err
	}
	var a engine.Appointment
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		a, err = t.book(ctx, r, now, "", "")
		return err
	})
	return a, err
}

// book allocates r.Start and appends the booking op; code and movedFrom
// are set for a move.
func (t *tx) book(ctx context.Context, r engine.BookingRequest, now time.Time, code, movedFrom string) (engine.Appointment, error) {
	cat := t.s.cat.Load()
	b := cat.Buildings[r.Building]
	q := engine.Query{Building: r.Building, Services: r.Services, Channel: r.Channel, Now: now,
		BarrierFree: r.BarrierFree, Ignore: movedFrom}
	if b.Escrowed() {
		q.Tokens = t.s // only on tokens this site owns, see tokens.go
	}
	slot, err := engine.Allocate(cat, t.s.occ, q, r.Start)
	if err != nil {
		return engine.Appointment{}, err
	}
	var tokens []engine.Token
	var ticket string
	var deps map[string]uint64
	if b.Escrowed() {
		vector, _ := t.s.Vector(ctx)
		deps = t.s.othersOf(vector)
		tokens = engine.PlaceTokens(b, slot)
		if day := engine.Day(slot.Start); day == engine.Day(now) && b.Booking.DayTickets > 0 {
			tk, ok := t.s.freeTicket(b, day, vector)
			if !ok {
				return engine.Appointment{}, &engine.Error{Code: engine.CodeSlotTaken, Field: "start",
					Detail: "no day ticket of this site's left for " + day}
			}
			ticket = tk.String()
		}
	}
	if code == "" {
		if code, err = t.newCode(ctx); err != nil {
			return engine.Appointment{}, err
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return engine.Appointment{}, err
	}
	if _, err := t.append(ctx, engine.BookOnTokens(id.String(), code, r, slot, now, movedFrom, tokens, ticket, deps)); err != nil {
		return engine.Appointment{}, err
	}
	return t.appointments[id.String()], nil
}

// codeAlphabet has no 0/O and no 1/I, so a code read aloud on the phone
// cannot be misheard or mistyped.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// CodeLen is the length of a booking code: 32^6, about a billion codes.
const CodeLen = 6

func (t *tx) newCode(ctx context.Context) (string, error) {
	buf := make([]byte, CodeLen)
	for range 10 {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for i, b := range buf {
			buf[i] = codeAlphabet[int(b)%len(codeAlphabet)] // 256 is a multiple of 32: no bias
		}
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE code = ? AND status <> ?`,
			string(buf), engine.ApptCancelled).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return string(buf), nil
		}
	}
	return "", errors.New("no free booking code after 10 tries")
}

// NormalizeCode turns what a citizen typed or a scanner read into a code:
// upper case, spaces and dashes dropped, the QR prefix removed.
func NormalizeCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, QRPrefix)
	return strings.NewReplacer(" ", "", "-", "").Replace(s)
}

// QRPrefix starts the payload of a slip's QR code: "PFORTE:K7M2QX".
const QRPrefix = "PFORTE:"

// Move books the same appointment at a new start and cancels the old one in
// one transaction; the new one keeps the code. The old place counts as free
// for the new one (moving by ten minutes works).
func (s *Store) Move(ctx context.Context, author, id string, start time.Time) (engine.Appointment, error) {
	if start.IsZero() {
		return engine.Appointment{}, engine.InvalidRule("start", engine.RuleRequired, "start is required")
	}
	now := s.clock.Now()
	var a engine.Appointment
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		cur, err := appointment(ctx, t, id)
		if err != nil {
			return err
		}
		if cur.Status != engine.ApptBooked {
			return engine.InvalidState("appointment_"+cur.Status, "appointment %s is %s, only booked ones move", id, cur.Status)
		}
		r := engine.MoveRequest(cur, start)
		if a, err = t.book(ctx, r, now, cur.Code, cur.ID); err != nil {
			return err
		}
		op, err := engine.CancelFor(cur, now, engine.CancelMoved)
		if err != nil {
			return err
		}
		if _, err = t.append(ctx, op); err != nil {
			return err
		}
		return t.queueMail(ctx, engine.MailMoved, a)
	})
	return a, err
}

// Cancel cancels an appointment; its place is free at once.
func (s *Store) Cancel(ctx context.Context, author, id string) (engine.Appointment, error) {
	a, err := s.changeAppointment(ctx, author, id, func(_ *tx, a engine.Appointment, now time.Time) (engine.Op, error) {
		return engine.Cancel(a, now)
	}, func(ctx context.Context, t *tx, a engine.Appointment) error {
		return t.queueMail(ctx, engine.MailCancelled, a)
	})
	return a, err
}

// Serve marks an appointment served.
func (s *Store) Serve(ctx context.Context, author, id string) (engine.Appointment, error) {
	return s.changeAppointment(ctx, author, id, func(_ *tx, a engine.Appointment, now time.Time) (engine.Op, error) {
		return engine.Serve(a, now)
	})
}

// NoShow marks that the citizen did not come.
func (s *Store) NoShow(ctx context.Context, author, id string) (engine.Appointment, error) {
	return s.changeAppointment(ctx, author, id, func(_ *tx, a engine.Appointment, now time.Time) (engine.Op, error) {
		return engine.NoShow(a, now)
	})
}

// Call calls a checked-in citizen (again) to a counter of the building.
func (s *Store) Call(ctx context.Context, author, id, counterID string) (engine.Appointment, error) {
	return s.changeAppointment(ctx, author, id, func(t *tx, a engine.Appointment, now time.Time) (engine.Op, error) {
		k, ok := t.s.cat.Load().Counter(counterID)
		if !ok || k.Building != a.Building {
			return engine.Op{}, engine.InvalidRule("counter", engine.RuleUnknown, "no counter %q in %s", counterID, a.Building)
		}
		return engine.Call(a, k.ID, now)
	})
}

// CallNext calls the next checked-in citizen that counter can serve: the
// earliest appointment first, then the earliest check-in.
func (s *Store) CallNext(ctx context.Context, author, counterID string) (engine.Appointment, error) {
	k, ok := s.cat.Load().Counter(counterID)
	if !ok {
		return engine.Appointment{}, engine.NotFound("counter", "no counter %s", counterID)
	}
	now := s.clock.Now()
	var a engine.Appointment
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		waiting, err := docs[engine.Appointment](ctx, t, `SELECT doc FROM appointments
			WHERE building = ? AND day = ? AND status = ?`, k.Building, engine.Day(now), engine.ApptCheckedIn)
		if err != nil {
			return err
		}
		// In Go, not SQL: the JSON text of a time does not sort as the time.
		slices.SortFunc(waiting, func(a, b engine.Appointment) int {
			return cmp.Or(a.Start.Compare(b.Start), a.CheckedInAt.Compare(b.CheckedInAt), strings.Compare(a.ID, b.ID))
		})
		for _, w := range waiting {
			if !k.Serves(w.Services) {
				continue
			}
			op, err := engine.Call(w, k.ID, now)
			if err != nil {
				return err
			}
			if _, err := t.append(ctx, op); err != nil {
				return err
			}
			a = t.appointments[w.ID]
			return nil
		}
		return &engine.Error{Code: engine.CodeNobody, Field: "counter", Detail: "nobody checked in whom " + k.ID + " can serve"}
	})
	return a, err
}

// CheckInRequest is what the terminal sends: a code, or a birth date (and
// a name when the birth date alone is ambiguous).
type CheckInRequest struct {
	Building  string
	Code      string
	BirthDate string
	Name      string
}

// CheckIn checks a citizen in for today's appointment at the building and
// gives a ticket number. Checking in twice returns the same ticket. Nothing
// today: CodeNotFound; several appointments for the birth date and no name
// that tells them apart: CodeAmbiguous on field "name".
func (s *Store) CheckIn(ctx context.Context, author string, r CheckInRequest) (engine.Appointment, error) {
	cat := s.cat.Load()
	b, ok := cat.Buildings[r.Building]
	if !ok {
		return engine.Appointment{}, engine.InvalidRule("building", engine.RuleUnknown, "unknown building %q", r.Building)
	}
	now := s.clock.Now()
	today := engine.Day(now)
	code := NormalizeCode(r.Code)
	if code == "" && strings.TrimSpace(r.BirthDate) == "" {
		return engine.Appointment{}, engine.InvalidRule("birth_date", engine.RuleRequired, "a birth date or a code is required")
	}
	var a engine.Appointment
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		var candidates []engine.Appointment
		var err error
		if code != "" {
			candidates, err = docs[engine.Appointment](ctx, t, `SELECT doc FROM appointments
				WHERE code = ? AND building = ? AND day = ? AND status IN (?, ?)`, code, b.ID, today, engine.ApptBooked, engine.ApptCheckedIn)
		} else {
			bd := strings.TrimSpace(r.BirthDate)
			if _, perr := time.Parse(time.DateOnly, bd); perr != nil {
				return engine.InvalidRule("birth_date", engine.RuleFormat, "want YYYY-MM-DD, got %q", bd)
			}
			candidates, err = docs[engine.Appointment](ctx, t, `SELECT doc FROM appointments
				WHERE building = ? AND day = ? AND birth_date = ? AND status IN (?, ?) ORDER BY start`,
				b.ID, today, bd, engine.ApptBooked, engine.ApptCheckedIn)
			if err == nil && len(candidates) > 1 && strings.TrimSpace(r.Name) != "" {
				candidates = matchName(candidates, r.Name)
			}
		}
		if err != nil {
			return err
		}
		switch {
		case len(candidates) == 0 && code != "":
			return engine.NotFound("code", "no appointment today with code %s", code)
		case len(candidates) == 0:
			return engine.NotFound("birth_date", "no appointment today for this birth date")
		case len(candidates) > 1:
			return &engine.Error{Code: engine.CodeAmbiguous, Field: "name", Detail: fmt.Sprintf("%d appointments today for this birth date", len(candidates))}
		}
		cur := candidates[0]
		if cur.Status == engine.ApptCheckedIn {
			a = cur // a second tap on the terminal: same ticket
			return nil
		}
		ticket, err := t.nextTicket(ctx, b, today)
		if err != nil {
			return err
		}
		op, err := engine.CheckIn(cur, ticket, now)
		if err != nil {
			return err
		}
		if _, err := t.append(ctx, op); err != nil {
			return err
		}
		a = t.appointments[cur.ID]
		return nil
	})
	return a, err
}

// matchName keeps the appointments whose citizen's name contains the typed
// name (case, umlaut spelling and spacing folded): "müller" finds
// "Hans Mueller".
func matchName(as []engine.Appointment, name string) []engine.Appointment {
	want := engine.NormalizeName(name)
	var out []engine.Appointment
	for _, a := range as {
		if strings.Contains(engine.NormalizeName(a.Citizen.Name), want) {
			out = append(out, a)
		}
	}
	return out
}

// nextTicket numbers the day's check-ins of a building, …
func (t *tx) nextTicket(ctx context.Context, b engine.Building, day string) (string, error) {
	var n int
	if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments
		WHERE building = ? AND day = ? AND doc ->> '$.ticket' <> ''`, b.ID, day).Scan(&n); err != nil {
		return "", err
	}
	prefix := b.TicketPrefix
	if prefix == "" {
		prefix = "A"
	}
	return fmt.Sprintf("%s-%03d", prefix, n+1), nil
}

// changeAppointment appends the op decide returns for appointment id; then
// runs each of after with the changed appointment, in the same transaction.
func (s *Store) changeAppointment(ctx context.Context, author, id string,
	decide func(*tx, engine.Appointment, time.Time) (engine.Op, error),
	after ...func(context.Context, *tx, engine.Appointment) error) (engine.Appointment, error) {
	now := s.clock.Now()
	var a engine.Appointment
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		cur, err := appointment(ctx, t, id)
		if err != nil {
			return err
		}
		op, err := decide(t, cur, now)
		if err != nil {
			return err
		}
		if _, err := t.append(ctx, op); err != nil {
			return err
		}
		a = t.appointments[id]
		for _, f := range after {
			if err := f(ctx, t, a); err != nil {
				return err
			}
		}
		return nil
	})
	return a, err
}

// Appointment returns one appointment; CodeNotFound if none.
func (s *Store) Appointment(ctx context.Context, id string) (engine.Appointment, error) {
	return appointment(ctx, s.db, id)
}

func appointment(ctx context.Context, q querier, id string) (engine.Appointment, error) {
	return doc[engine.Appointment](ctx, q, "id", "no appointment "+id, `SELECT doc FROM appointments WHERE id = ?`, id)
}

// Appointments returns a building's appointments of a local day, by start,
// every status.
func (s *Store) Appointments(ctx context.Context, buildingID, day string) ([]engine.Appointment, error) {
	return docs[engine.Appointment](ctx, s.db, `SELECT doc FROM appointments WHERE building = ? AND day = ?
		ORDER BY start, id`, buildingID, day)
}

// Calls returns the day's called appointments of a building, the latest
// call first.
func (s *Store) Calls(ctx context.Context, buildingID, day string, limit int) ([]engine.Appointment, error) {
	return docs[engine.Appointment](ctx, s.db, `SELECT doc FROM appointments WHERE building = ? AND day = ? AND called_at > 0
		ORDER BY called_at DESC, id LIMIT ?`, buildingID, day, limit)
}

// Counters returns a building's counters ("" for all), by id.
func (s *Store) Counters(ctx context.Context, buildingID string) ([]engine.Counter, error) {
	return docs[engine.Counter](ctx, s.db, `SELECT doc FROM counters WHERE ? = '' OR building = ? ORDER BY id`, buildingID, buildingID)
}

// Rooms returns a building's rooms ("" for all), by id.
func (s *Store) Rooms(ctx context.Context, buildingID string) ([]engine.Room, error) {
	return docs[engine.Room](ctx, s.db, `SELECT doc FROM rooms WHERE ? = '' OR building = ? ORDER BY id`, buildingID, buildingID)
}
