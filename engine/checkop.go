package engine

import (
	"encoding/json"
	"fmt"
	"slices"
)

// maxRefLen bounds the strings an op carries that are made of ids (an
// op's entity "moved:ID", an author "device:ID", an audited route).
const maxRefLen = 2 * MaxIDLen

// CheckOp checks an op's content by the rules local input is held to: it
// decodes Data and Personal by the op's kind and applies the same
// validation as the API does before it writes such an op (the text rule,
// Building.Validate with the allotments, account roles, a visitor's
// contacts, …). An unknown kind is refused. A Personal part erased by the
// retention purge (nil, with PersonalHash kept) passes: only what is left
// is checked.
//
// It is meant for ops received from other sites: a refused op is kept in
// the log (its origin's seqs stay gap-free and its signature verifiable)
// but is never folded into the tables. CheckOp checks only what the op
// itself says; whether the buildings, services or accounts it names
// exist, and whether its author may write it, are the fold's questions.
// The error is an *Error naming the field, wrapped with the op's kind.
func CheckOp(op Op) error {
	if err := checkOp(op); err != nil {
		return fmt.Errorf("%s %s: %w", op.Kind, op.Entity, err)
	}
	return nil
}

func checkOp(op Op) error {
	if err := checkTexts([]textField{
		{"entity", op.Entity, maxRefLen, true},
		{"author", op.Author, maxRefLen, false},
	}); err != nil {
		return err
	}
	check, ok := opChecks[op.Kind]
	if !ok {
		return InvalidRule("kind", RuleUnknown, "unknown op kind %q", op.Kind)
	}
	return check(op)
}

// personalGone reports whether op's Personal part is gone. Erased by the
// purge (its hash kept) is fine; never written is not, for the kinds that
// call this: they always write one.
func personalGone(op Op) (bool, error) {
	switch {
	case len(op.Personal) > 0:
		return false, nil
	case len(op.PersonalHash) == 0:
		return true, InvalidRule("personal", RuleRequired, "no personal part, and no hash of an erased one")
	}
	return true, nil
}

// opChecks holds the check of each op kind this version writes.
var opChecks = map[string]func(Op) error{
	KindBuildingDefined: checkBuildingOp,
	KindServiceDefined:  definition(Service.validate, func(s Service) string { return s.ID }),
	KindStaffDefined:    definition(Staff.validate, func(s Staff) string { return s.ID }),
	KindCounterDefined:  definition(Counter.validate, func(k Counter) string { return k.ID }),
	KindRoomDefined:     definition(Room.validate, func(r Room) string { return r.ID }),

	KindVisitRegistered: checkVisitRegistered,
	KindVisitPickedUp:   data(func(d visitPickedUpData) error { return checkText("by", d.By, maxRefLen, true) }),
	KindVisitLeft:       data(func(visitLeftData) error { return nil }),

	KindApptBooked:    checkBooked,
	KindApptCheckedIn: data(func(d apptCheckedInData) error { return checkText("ticket", d.Ticket, MaxIDLen, true) }),
	KindApptCalled:    data(func(d apptCalledData) error { return checkText("counter", d.Counter, MaxIDLen, true) }),
	KindApptServed:    data(func(apptAtData) error { return nil }),
	KindApptNoShow:    data(func(apptAtData) error { return nil }),
	KindApptCancelled: data(func(d apptCancelledData) error {
		if !slices.Contains([]string{"", CancelExpired, CancelCitizen, CancelMoved}, d.Reason) {
			return InvalidRule("reason", RuleFormat, "unknown cancel reason %q", d.Reason)
		}
		return nil
	}),
	KindApptConfirmed: data(func(apptAtData) error { return nil }),

	KindTokensTransferred: checkTransfer,

	KindInboxAdded: checkInboxAdded,
	KindInboxResolved: data(func(d inboxResolvedData) error {
		if !slices.Contains(InboxActions, d.Action) {
			return InvalidRule("action", RuleFormat, "action %q: want called, emailed or done", d.Action)
		}
		return checkText("by", d.By, maxRefLen, true)
	}),

	KindAccountDefined:  definition(Account.validate, func(a Account) string { return a.ID }),
	KindAccountPassword: credentialCheck(true),
	KindAccountPIN:      credentialCheck(false),

	KindDeviceAdded: definition(Device.validate, func(d Device) string { return d.ID }),
	KindDevicePaired: data(func(d devicePaired) error {
		return checkText("credential_hash", d.CredentialHash, maxRefLen, true)
	}),
	KindDeviceRevoked: func(Op) error { return nil },

	KindAuditRecorded: checkAudit,

	KindHoldPlaced: definition(Hold.validate, func(h Hold) string { return h.ID }),
	KindHoldLifted: data(func(d holdLifted) error { return checkText("by", d.By, maxRefLen, true) }),

	KindPersonalErased: data(func(e Erasure) error { _, err := e.Normalize(); return err }),

	KindMailQueued:     checkMailOp,
	KindMailSent:       checkMailOp,
	KindMailConfigured: checkMailOp,
	KindMailReleased:   checkMailOp,

	KindSiteEnrolled: data(CheckEnrollment),
	KindSiteRevoked: data(func(r SiteRevocation) error {
		if err := checkText("site", r.Site, MaxIDLen, true); err != nil {
			return err
		}
		return checkText("reason", r.Reason, 500, true)
	}),
}

// decodeField decodes a payload; a payload that does not decode is bad
// input in field ("data" or "personal").
func decodeField[T any](field string, raw json.RawMessage) (T, error) {
	var v T
	if len(raw) == 0 {
		return v, InvalidRule(field, RuleRequired, "no %s", field)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, InvalidRule(field, RuleFormat, "%v", err)
	}
	return v, nil
}

// data checks an op whose Data decodes as a T.
func data[T any](check func(T) error) func(Op) error {
	return func(op Op) error {
		d, err := decodeField[T]("data", op.Data)
		if err != nil {
			return err
		}
		return check(d)
	}
}

// definition checks a definition op: its Data is the whole entity, whose
// id is the op's entity.
func definition[T any](validate func(T) error, id func(T) string) func(Op) error {
	return func(op Op) error {
		v, err := decodeField[T]("data", op.Data)
		if err != nil {
			return err
		}
		if id(v) != op.Entity {
			return InvalidRule("id", RuleFormat, "defines %q in entity %q", id(v), op.Entity)
		}
		return validate(v)
	}
}

func checkBuildingOp(op Op) error {
	err := definition(Building.Validate, func(b Building) string { return b.ID })(op)
	if err != nil {
		return err
	}
	// The default block is stored by leaving token_minutes out (omitempty):
	// a 0 that is written out was not written by Pforte, and the API
	// refuses it as input (CheckTokenMinutes).
	var given struct {
		Booking struct {
			TokenMinutes *int `json:"token_minutes"`
		} `json:"booking"`
	}
	if err := json.Unmarshal(op.Data, &given); err != nil {
		return InvalidRule("data", RuleFormat, "%v", err)
	}
	if m := given.Booking.TokenMinutes; m != nil {
		return CheckTokenMinutes(*m)
	}
	return nil
}

func checkVisitRegistered(op Op) error {
	d, err := decodeField[visitRegisteredData]("data", op.Data)
	if err != nil {
		return err
	}
	if err := checkTexts([]textField{
		{"building", d.Building, MaxIDLen, true},
		{"host", d.Host, MaxIDLen, true},
		{"appointment_id", d.AppointmentID, MaxIDLen, false},
	}); err != nil {
		return err
	}
	if gone, err := personalGone(op); gone {
		return err // erased by the purge, or never there
	}
	p, err := decodeField[visitPersonal]("personal", op.Personal)
	if err != nil {
		return err
	}
	_, err = NewVisit{Building: d.Building, Name: p.Name, Phone: p.Phone, Email: p.Email, Address: p.Address,
		Host: d.Host, AppointmentID: d.AppointmentID, Reason: p.Reason}.Normalize()
	return err
}

func checkBooked(op Op) error {
	d, err := decodeField[apptBookedData]("data", op.Data)
	if err != nil {
		return err
	}
	if err := checkText("building", d.Building, MaxIDLen, true); err != nil {
		return err
	}
	if err := checkServices(d.Services); err != nil {
		return err
	}
	if !slices.Contains(Channels, d.Channel) {
		return InvalidRule("channel", RuleFormat, "unknown channel %q", d.Channel)
	}
	if d.Start == 0 || d.End <= d.Start {
		return InvalidRule("end", RuleOrder, "end %d is not after start %d", d.End, d.Start)
	}
	if err := checkTexts([]textField{
		{"counter", d.Counter, MaxIDLen, true},
		{"room", d.Room, MaxIDLen, false},
		{"code", d.Code, MaxIDLen, true},
		{"moved_from", d.MovedFrom, MaxIDLen, false},
		{"ticket_token", d.TicketToken, maxRefLen, false},
		{"token_hash", d.TokenHash, 64, false},
		{"uid", d.UID, MaxIDLen, false},
	}); err != nil {
		return err
	}
	if d.Sequence < 0 {
		return InvalidRule("sequence", RuleRange, "sequence %d is negative", d.Sequence)
	}
	if d.ExpiresAt != 0 && d.Channel != ChannelOnline {
		return InvalidRule("expires_at", RuleFormat, "only online bookings wait for a confirmation")
	}
	for _, name := range append(slices.Clone(d.Tokens), d.TicketToken) {
		if name == "" {
			continue
		}
		if err := checkText("tokens", name, maxRefLen, true); err != nil {
			return err
		}
		if t, err := ParseToken(name); err != nil || t.Building != d.Building {
			return InvalidRule("tokens", RuleFormat, "token %q of building %s", name, d.Building)
		}
	}
	if gone, err := personalGone(op); gone {
		return err // erased by the purge, or never there
	}
	c, err := decodeField[Citizen]("personal", op.Personal)
	if err != nil {
		return err
	}
	// A birth date is checked against when the op was written, not now.
	if c, err = c.Normalize(op.HLC.Time()); err != nil {
		return err
	}
	if d.Channel == ChannelOnline && c.Email == "" {
		return InvalidRule("citizen.email", RuleRequired, "online bookings need an e-mail address")
	}
	return nil
}

func checkTransfer(op Op) error {
	d, err := DecodeTransfer(op)
	if err != nil {
		return InvalidRule("data", RuleFormat, "%v", err)
	}
	if err := checkText("building", d.Building, MaxIDLen, true); err != nil {
		return err
	}
	if err := CheckSiteName("to", d.To); err != nil {
		return err
	}
	for _, c := range d.Cells {
		if err := checkText("cells", c.Resource, MaxIDLen, true); err != nil {
			return err
		}
	}
	for site := range d.Deps {
		if err := CheckSiteName("deps", site); err != nil {
			return err
		}
	}
	return checkText("reason", d.Reason, MaxIDLen, false)
}

func checkInboxAdded(op Op) error {
	if err := DecodeInboxOp(op); err != nil {
		return InvalidRule("data", RuleFormat, "%v", err)
	}
	d, err := decodeField[inboxAddedData]("data", op.Data)
	if err != nil {
		return err
	}
	if err := checkTexts([]textField{
		{"building", d.Building, MaxIDLen, true},
		{"appointment", d.Appointment, MaxIDLen, true},
		{"new_appointment", d.NewAppointment, MaxIDLen, false},
		{"code", d.Code, MaxIDLen, false},
		{"reason", d.Reason, MaxReasonLen, false},
	}); err != nil {
		return err
	}
	if gone, err := personalGone(op); gone {
		return err // erased by the purge, or never there
	}
	// Whom to tell, as the appointment had it: its name may be gone
	// already, so nothing is required, but what there is holds the rule.
	p, err := decodeField[InboxPerson]("personal", op.Personal)
	if err != nil {
		return err
	}
	return checkTexts([]textField{
		{"citizen.name", p.Name, MaxNameLen, false},
		{"citizen.phone", p.Phone, MaxPhoneLen, false},
		{"citizen.email", p.Email, MaxEmailLen, false},
	})
}

// credentialCheck checks a password or PIN op: an argon2id hash in the
// Personal part, which only a PIN may clear ("").
func credentialCheck(required bool) func(Op) error {
	return func(op Op) error {
		if gone, err := personalGone(op); gone {
			return err
		}
		c, err := decodeField[credential]("personal", op.Personal)
		if err != nil {
			return err
		}
		return checkText("hash", c.Hash, maxRefLen, required)
	}
}

func checkAudit(op Op) error {
	d, err := decodeField[auditData]("data", op.Data)
	if err != nil {
		return err
	}
	if err := checkTexts([]textField{
		{"site", d.Site, MaxIDLen, false},
		{"action", d.Action, MaxIDLen, true},
		{"route", d.Route, maxRefLen, false},
		{"building", d.Building, MaxIDLen, false},
		{"day", d.Day, MaxIDLen, false},
	}); err != nil {
		return err
	}
	if gone, err := personalGone(op); gone {
		return err
	}
	p, err := decodeField[auditPersonal]("personal", op.Personal)
	if err != nil {
		return err
	}
	if err := checkTexts([]textField{
		{"user", p.User, maxRefLen, false},
		{"device", p.Device, MaxIDLen, false},
	}); err != nil {
		return err
	}
	for _, id := range p.Entities {
		if err := checkText("entities", id, maxRefLen, true); err != nil {
			return err
		}
	}
	return nil
}

// The checks of the configuration entities that only ops define (the
// demo seed, an absence): what the API would hold them to.

func (s Service) validate() error {
	if err := checkTexts([]textField{
		{"id", s.ID, MaxIDLen, true},
		{"name", s.Name, MaxNameLen, true},
		{"department", s.Department, MaxNameLen, false},
	}); err != nil {
		return err
	}
	if s.DurationMin < 1 || s.DurationMin > 24*60 {
		return InvalidRule("duration_min", RuleRange, "%d minutes (1..1440)", s.DurationMin)
	}
	for _, doc := range s.Documents {
		if err := checkText("documents", doc, MaxReasonLen, true); err != nil {
			return err
		}
	}
	return checkIDs("buildings", s.Buildings, true)
}

func (s Staff) validate() error {
	return checkTexts([]textField{
		{"id", s.ID, MaxIDLen, true},
		{"name", s.Name, MaxNameLen, true},
		{"department", s.Department, MaxNameLen, false},
		{"building", s.Building, MaxIDLen, false},
	})
}

func (k Counter) validate() error {
	if err := checkTexts([]textField{
		{"id", k.ID, MaxIDLen, true},
		{"building", k.Building, MaxIDLen, true},
		{"name", k.Name, MaxNameLen, true},
	}); err != nil {
		return err
	}
	if err := checkIDs("services", k.Services, true); err != nil {
		return err
	}
	for _, d := range k.Weekdays {
		if d < 1 || d > 7 {
			return InvalidRule("weekdays", RuleRange, "want 1 (Monday) to 7 (Sunday), got %d", d)
		}
	}
	for i, a := range k.Absences {
		if _, err := a.Normalize(fmt.Sprintf("absences[%d].", i)); err != nil {
			return err
		}
	}
	return nil
}

func (r Room) validate() error {
	return checkTexts([]textField{
		{"id", r.ID, MaxIDLen, true},
		{"building", r.Building, MaxIDLen, true},
		{"name", r.Name, MaxNameLen, true},
		{"department", r.Department, MaxNameLen, false},
	})
}

// Normalize checks an absence (a counter not staffed From..To, for
// Reason) as it is typed and returns it with To filled in; the fields are
// named with prefix ("" for the API's from, to and reason).
func (r DateRange) Normalize(prefix string) (DateRange, error) {
	var err error
	if r.From, err = ParseDay(prefix+"from", r.From); err != nil {
		return r, err
	}
	if r.To == "" {
		r.To = r.From
	} else if r.To, err = ParseDay(prefix+"to", r.To); err != nil {
		return r, err
	}
	if r.To < r.From {
		return r, InvalidRule(prefix+"to", RuleOrder, "%s is before %s", r.To, r.From)
	}
	return r, checkText(prefix+"reason", r.Reason, MaxNameLen, false)
}

func (a Account) validate() error {
	spec := AccountSpec{User: a.ID, Name: a.Name, Roles: a.Roles, Buildings: a.Buildings, Disabled: a.Disabled}
	if NormalizeUser(a.ID) != a.ID {
		return InvalidRule("user", RuleFormat, "user name %q is not lower case and trimmed", a.ID)
	}
	if a.PasswordHash != "" || a.PINHash != "" {
		// Hashes travel in the Personal part of their own ops, never in Data.
		return InvalidRule("password_hash", RuleUnknownField, "a definition carries no hash")
	}
	if err := checkIDs("buildings", a.Buildings, true); err != nil {
		return err
	}
	// Whether the buildings exist is the fold's question.
	_, err := spec.Validate(func(string) bool { return true })
	return err
}

func (d Device) validate() error {
	if err := checkTexts([]textField{
		{"id", d.ID, MaxIDLen, true},
		{"building", d.Building, MaxIDLen, true},
		{"pairing_hash", d.PairingHash, maxRefLen, false},
		{"credential_hash", d.CredentialHash, maxRefLen, false},
	}); err != nil {
		return err
	}
	_, err := DeviceSpec{Name: d.Name, Kind: d.Kind, Building: d.Building}.Validate(func(string) bool { return true })
	return err
}

func (h Hold) validate() error {
	if err := checkTexts([]textField{
		{"id", h.ID, MaxIDLen, true},
		{"building", h.Building, MaxIDLen, true},
		{"placed_by", h.PlacedBy, maxRefLen, false},
	}); err != nil {
		return err
	}
	if h.PlacedAt.IsZero() {
		return InvalidRule("placed_at", RuleRequired, "a hold says when it was placed")
	}
	// The bounds of Until are those of the day it was placed.
	_, err := NewHold{Building: h.Building, From: h.From, To: h.To, Reason: h.Reason, Until: h.Until}.Normalize(Day(h.PlacedAt))
	return err
}
