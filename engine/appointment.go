package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Channels: all of them book from one pool of slots.
const (
	ChannelDesk   = "desk"
	ChannelPhone  = "phone"
	ChannelOnline = "online"
	ChannelBranch = "branch"
)

// Channels lists the channels in the order forms show them.
var Channels = []string{ChannelDesk, ChannelPhone, ChannelOnline, ChannelBranch}

// Appointment statuses. Served, no-show and cancelled are final.
const (
	// ApptPreconfirmed: booked online, holding its slot until the citizen
	// confirms by the link in the mail or ExpiresAt passes.
	ApptPreconfirmed = "preconfirmed"
	ApptBooked       = "booked"
	ApptCheckedIn    = "checked_in" // at the terminal; has a ticket
	ApptCalled       = "called"     // shown on the monitor: go to counter X
	ApptServed       = "served"
	ApptNoShow       = "no_show"
	ApptCancelled    = "cancelled"
)

// MaxServices is the most concerns one appointment may carry.
const MaxServices = 4

// Citizen is who an appointment is for. All of it is personal data.
type Citizen struct {
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"` // YYYY-MM-DD
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
}

// Appointment is a booked slot for 1 to 4 services at one counter (and a
// room, if a service needs one).
type Appointment struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	Building    string    `json:"building"`
	Services    []string  `json:"services"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Counter     string    `json:"counter"`
	Room        string    `json:"room,omitempty"`
	BarrierFree bool      `json:"barrier_free,omitempty"`
	Channel     string    `json:"channel"`
	Citizen     Citizen   `json:"citizen"`
	BookedAt    time.Time `json:"booked_at"`
	SameDay     bool      `json:"same_day"` // a day ticket: booked on the day itself
	MovedFrom   string    `json:"moved_from,omitempty"`
	Status      string    `json:"status"`
	Ticket      string    `json:"ticket,omitempty"`
	CheckedInAt time.Time `json:"checked_in_at"`
	CalledAt    time.Time `json:"called_at"`
	CalledTo    string    `json:"called_to,omitempty"` // counter id of the latest call
	EndedAt     time.Time `json:"ended_at"`            // served, no-show or cancelled
	// Origin is the site that booked it: only that site moves it.
	Origin string `json:"origin"`
	// Tokens and TicketToken: the capacity tokens it was booked on
	// (escrowed buildings only; see token.go).
	Tokens      []string `json:"tokens,omitempty"`
	TicketToken string   `json:"ticket_token,omitempty"`
	// Deps is the booker's vector when it booked (escrowed buildings):
	// what a site must hold before it shows the booking.
	Deps map[string]uint64 `json:"-"`

	// Online bookings (see public.go). ExpiresAt: a preconfirmed booking
	// gives its slot back then unless confirmed. TokenHash identifies the
	// citizen's mail link (the SHA-256 of Token, hex); Token itself is
	// personal data, kept for the links in later mails. UID names the
	// booking in calendar files across moves; Sequence counts its moves.
	ExpiresAt    time.Time `json:"expires_at"`
	Token        string    `json:"token,omitempty"`
	TokenHash    string    `json:"token_hash,omitempty"`
	UID          string    `json:"uid,omitempty"`
	Sequence     int       `json:"sequence,omitempty"`
	CancelReason string    `json:"cancel_reason,omitempty"` // CancelExpired, CancelCitizen, or "" (staff)
}

// Why an appointment was cancelled, when not by staff.
const (
	CancelExpired = "expired" // a preconfirmed booking that no one confirmed
	CancelCitizen = "citizen" // by the citizen's cancel link
	CancelMoved   = "moved"   // a move: the appointment continues as another
)

// Active reports whether the appointment still holds its slot.
func (a Appointment) Active() bool { return a.Status != ApptCancelled }

// Final reports whether nothing more can happen to it.
func (a Appointment) Final() bool {
	return a.Status == ApptServed || a.Status == ApptNoShow || a.Status == ApptCancelled
}

// BookingRequest is what a clerk (or the online form) asks for.
type BookingRequest struct {
	Building string
	Services []string
	Start    time.Time
	Channel  string
	Citizen  Citizen
	// BarrierFree: needs a barrier-free room.
	BarrierFree bool
	// Online bookings: ExpiresAt set books preconfirmed (see public.go);
	// Token is the citizen's link secret; UID and Sequence carry a booking
	// through moves.
	ExpiresAt time.Time
	Token     string
	UID       string
	Sequence  int
}

// Normalize checks the request's shape and names the first bad field.
// Whether the services exist and the slot is free is Allocate's question.
func (r BookingRequest) Normalize(now time.Time) (BookingRequest, error) {
	r.Building = strings.TrimSpace(r.Building)
	if err := checkText("building", r.Building, MaxIDLen, true); err != nil {
		return r, err
	}
	if err := checkServices(r.Services); err != nil {
		return r, err
	}
	if r.Start.IsZero() {
		return r, InvalidRule("start", RuleRequired, "start is required")
	}
	r.Channel = strings.TrimSpace(r.Channel)
	if r.Channel == "" {
		r.Channel = ChannelDesk
	}
	if !slices.Contains(Channels, r.Channel) {
		return r, InvalidRule("channel", RuleFormat, "unknown channel %q", r.Channel)
	}
	c, err := r.Citizen.Normalize(now)
	if err != nil {
		return r, err
	}
	if r.Channel == ChannelOnline && c.Email == "" {
		// The online booking is confirmed by e-mail.
		return r, InvalidRule("citizen.email", RuleRequired, "online bookings need an e-mail address")
	}
	r.Citizen = c
	return r, nil
}

func checkServices(ids []string) error {
	switch {
	case len(ids) == 0:
		return InvalidRule("services", RuleRequired, "at least one service")
	case len(ids) > MaxServices:
		e := InvalidRule("services", RuleTooLong, "%d services, at most %d", len(ids), MaxServices)
		e.Limit = MaxServices
		return e
	}
	for i, id := range ids {
		if err := checkText("services", id, MaxIDLen, true); err != nil {
			return err
		}
		if slices.Contains(ids[:i], id) {
			return InvalidRule("services", RuleFormat, "service %q twice", id)
		}
	}
	return nil
}

// Normalize trims and checks a citizen's data; fields are named
// citizen.name and so on.
func (c Citizen) Normalize(now time.Time) (Citizen, error) {
	c.Name = collapseSpace(c.Name)
	c.BirthDate = strings.TrimSpace(c.BirthDate)
	c.Phone = strings.TrimSpace(c.Phone)
	c.Email = strings.TrimSpace(c.Email)
	if err := checkTexts([]textField{
		{"citizen.name", c.Name, MaxNameLen, true},
		{"citizen.birth_date", c.BirthDate, 10, true},
		{"citizen.phone", c.Phone, MaxPhoneLen, false},
		{"citizen.email", c.Email, MaxEmailLen, false},
	}); err != nil {
		return c, err
	}
	if err := checkBirthDate("citizen.birth_date", c.BirthDate, now); err != nil {
		return c, err
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		return c, InvalidRule("citizen.phone", RuleFormat, "not a phone number: %q", c.Phone)
	}
	if c.Email != "" && !validEmail(c.Email) {
		return c, InvalidRule("citizen.email", RuleFormat, "not an e-mail address: %q", c.Email)
	}
	return c, nil
}

func checkBirthDate(field, s string, now time.Time) error {
	d, err := time.ParseInLocation(time.DateOnly, s, Berlin)
	if err != nil {
		return InvalidRule(field, RuleFormat, "want YYYY-MM-DD, got %q", s)
	}
	if d.Year() < 1900 || d.After(now) {
		return InvalidRule(field, RuleFormat, "birth date %s is not plausible", s)
	}
	return nil
}

// Op payloads of appointments. Personal data lives only in the citizen.
type (
	apptBookedData struct {
		Building  string   `json:"building"`
		Services  []string `json:"services"`
		Start     int64    `json:"start"` // Unix ms
		End       int64    `json:"end"`
		Counter   string   `json:"counter"`
		Room      string   `json:"room,omitempty"`
		Barrier   bool     `json:"barrier_free,omitempty"`
		Channel   string   `json:"channel"`
		Code      string   `json:"code"`
		SameDay   bool     `json:"same_day,omitempty"`
		MovedFrom string   `json:"moved_from,omitempty"`
		At        int64    `json:"at"`
		// Tokens the booking uses (escrowed buildings): its place tokens
		// and, for a day ticket, its ticket token.
		Tokens      []string `json:"tokens,omitempty"`
		TicketToken string   `json:"ticket_token,omitempty"`
		// Deps: the booker's vector (escrowed buildings): a site shows the
		// booking once it holds what the booker had seen (a cancel of the
		// place's former holder, say), never both at once.
		Deps map[string]uint64 `json:"deps,omitempty"`
		// Online bookings: see Appointment.
		ExpiresAt int64  `json:"expires_at,omitempty"`
		TokenHash string `json:"token_hash,omitempty"`
		UID       string `json:"uid,omitempty"`
		Sequence  int    `json:"sequence,omitempty"`
	}
	// apptPersonal is a booking's personal part: the citizen, and the
	// link secret of an online booking.
	apptPersonal struct {
		Citizen
		Token string `json:"token,omitempty"`
	}
	apptCheckedInData struct {
		Ticket string `json:"ticket"`
		At     int64  `json:"at"`
	}
	apptCalledData struct {
		Counter string `json:"counter"`
		At      int64  `json:"at"`
	}
	apptAtData struct {
		At int64 `json:"at"`
	}
	apptCancelledData struct {
		At     int64  `json:"at"`
		Reason string `json:"reason,omitempty"`
	}
)

// Appointment op kinds.
const (
	KindApptBooked    = "appointment.booked"
	KindApptCancelled = "appointment.cancelled"
	KindApptCheckedIn = "appointment.checked_in"
	KindApptCalled    = "appointment.called"
	KindApptServed    = "appointment.served"
	KindApptNoShow    = "appointment.no_show"
	KindApptConfirmed = "appointment.confirmed"

	EntityAppointment = "appointment"
)

// BookOp returns the op that books an allocated slot.
func BookOp(id, code string, r BookingRequest, s Slot, at time.Time, movedFrom string) Op {
	return BookOnTokens(id, code, r, s, at, movedFrom, nil, "", nil)
}

// BookOnTokens returns the op that books an allocated slot on the given
// capacity tokens (see token.go); deps is the booker's vector.
func BookOnTokens(id, code string, r BookingRequest, s Slot, at time.Time, movedFrom string, tokens []Token, ticket string,
	deps map[string]uint64) Op {
	var names []string
	for _, t := range tokens {
		names = append(names, t.String())
	}
	return Op{
		Kind:   KindApptBooked,
		Entity: id,
		Data: mustJSON(apptBookedData{
			Building: r.Building, Services: r.Services, Start: s.Start.UnixMilli(), End: s.End.UnixMilli(),
			Counter: s.Counter, Room: s.Room, Barrier: r.BarrierFree, Channel: r.Channel, Code: code,
			SameDay: Day(at) == Day(s.Start), MovedFrom: movedFrom, At: at.UnixMilli(),
			Tokens: names, TicketToken: ticket, Deps: deps,
			ExpiresAt: unixMilliOrZero(r.ExpiresAt), TokenHash: TokenHash(r.Token), UID: r.UID, Sequence: r.Sequence,
		}),
		Personal: mustJSON(apptPersonal{Citizen: r.Citizen, Token: r.Token}),
	}
}

func unixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Cancel checks that a can be cancelled and returns the op.
func Cancel(a Appointment, at time.Time) (Op, error) { return CancelFor(a, at, "") }

// CancelFor cancels for a reason (CancelCitizen, CancelMoved; "" staff).
func CancelFor(a Appointment, at time.Time, reason string) (Op, error) {
	if a.Final() {
		return Op{}, InvalidState("appointment_"+a.Status, "appointment %s is %s", a.ID, a.Status)
	}
	return Op{Kind: KindApptCancelled, Entity: a.ID, Data: mustJSON(apptCancelledData{At: at.UnixMilli(), Reason: reason})}, nil
}

// CheckIn checks that a can be checked in and returns the op.
func CheckIn(a Appointment, ticket string, at time.Time) (Op, error) {
	if a.Status != ApptBooked {
		return Op{}, InvalidState("appointment_"+a.Status, "appointment %s is %s, not booked", a.ID, a.Status)
	}
	return Op{Kind: KindApptCheckedIn, Entity: a.ID, Data: mustJSON(apptCheckedInData{Ticket: ticket, At: at.UnixMilli()})}, nil
}

// Call checks that a can be called to counter and returns the op. Calling
// again (the citizen did not come) is allowed.
func Call(a Appointment, counter string, at time.Time) (Op, error) {
	if a.Status != ApptCheckedIn && a.Status != ApptCalled {
		return Op{}, InvalidState("appointment_"+a.Status, "appointment %s is %s, not checked in", a.ID, a.Status)
	}
	return Op{Kind: KindApptCalled, Entity: a.ID, Data: mustJSON(apptCalledData{Counter: counter, At: at.UnixMilli()})}, nil
}

// Serve marks a as served.
func Serve(a Appointment, at time.Time) (Op, error) {
	if a.Status != ApptCheckedIn && a.Status != ApptCalled {
		return Op{}, InvalidState("appointment_"+a.Status, "appointment %s is %s, not checked in or called", a.ID, a.Status)
	}
	return Op{Kind: KindApptServed, Entity: a.ID, Data: mustJSON(apptAtData{At: at.UnixMilli()})}, nil
}

// NoShow marks that the citizen did not come.
func NoShow(a Appointment, at time.Time) (Op, error) {
	if a.Final() {
		return Op{}, InvalidState("appointment_"+a.Status, "appointment %s is %s", a.ID, a.Status)
	}
	return Op{Kind: KindApptNoShow, Entity: a.ID, Data: mustJSON(apptAtData{At: at.UnixMilli()})}, nil
}

// FoldAppointment computes an appointment from its ops, in any order given.
// Transitions that the state at that point in fold order does not allow
// (two sites acting on the same appointment at once) are ignored, so every
// site folds the same result. ok is false without a booking op.
func FoldAppointment(id string, ops []Op) (a Appointment, ok bool, err error) {
	a.ID = id
	for _, op := range sorted(ops) {
		if op.Kind == KindApptBooked {
			var d apptBookedData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return a, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if len(op.Personal) > 0 {
				var p apptPersonal
				if err := json.Unmarshal(op.Personal, &p); err != nil {
					return a, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
				}
				a.Citizen, a.Token = p.Citizen, p.Token
			}
			a.Building, a.Services, a.Counter, a.Room, a.Channel, a.Code = d.Building, d.Services, d.Counter, d.Room, d.Channel, d.Code
			a.Start, a.End, a.BookedAt = msTime(d.Start), msTime(d.End), msTime(d.At)
			a.SameDay, a.MovedFrom, a.BarrierFree, a.Status = d.SameDay, d.MovedFrom, d.Barrier, ApptBooked
			a.Origin, a.Tokens, a.TicketToken, a.Deps = op.Origin, d.Tokens, d.TicketToken, d.Deps
			a.ExpiresAt, a.TokenHash, a.UID, a.Sequence = msTime(d.ExpiresAt), d.TokenHash, d.UID, d.Sequence
			if a.UID == "" {
				a.UID = id
			}
			if !a.ExpiresAt.IsZero() {
				a.Status = ApptPreconfirmed
			}
			ok = true
			continue
		}
		if ok && op.Kind == KindApptCancelled && a.Status != ApptCancelled {
			// A cancel wins over whatever else happened to the appointment
			// meanwhile, whenever it is folded: once a site holds the
			// cancel, it (the owner of the place's tokens) may give the
			// place and the day ticket again, so a cancel must stay a
			// cancel even if another site, cut off, served the citizen.
			var d apptCancelledData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return a, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			a.Status, a.EndedAt, a.CancelReason = ApptCancelled, msTime(d.At), d.Reason
			continue
		}
		if !ok || a.Final() {
			continue // nothing to change yet, or nothing left to change
		}
		switch op.Kind {
		case KindApptConfirmed:
			var d apptAtData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return a, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			// A confirmation counts only before the booking expired, by the
			// confirming site's clock: every site folds the same.
			if a.Status == ApptPreconfirmed && d.At <= a.ExpiresAt.UnixMilli() {
				a.Status = ApptBooked
			}
		case KindApptCheckedIn:
			var d apptCheckedInData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return a, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if a.Status == ApptBooked {
				a.Status, a.Ticket, a.CheckedInAt = ApptCheckedIn, d.Ticket, msTime(d.At)
			}
		case KindApptCalled:
			var d apptCalledData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return a, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if a.Status == ApptCheckedIn || a.Status == ApptCalled {
				a.Status, a.CalledTo, a.CalledAt = ApptCalled, d.Counter, msTime(d.At)
			}
		case KindApptServed, KindApptNoShow, KindApptCancelled:
			var d apptAtData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return a, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			next := map[string]string{KindApptServed: ApptServed, KindApptNoShow: ApptNoShow, KindApptCancelled: ApptCancelled}[op.Kind]
			if next == ApptServed && a.Status == ApptBooked {
				continue // served needs a check-in first
			}
			a.Status, a.EndedAt = next, msTime(d.At)
		default:
			return a, false, fmt.Errorf("op %s/%d: kind %q is not an appointment op", op.Origin, op.Seq, op.Kind)
		}
	}
	return a, ok, nil
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
