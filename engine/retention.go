package engine

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Personal data has a clock. One rule (Retention, per building) says when
// each kind of personal data expires; the store's purge, the sender and
// the receiver of sync all ask this one rule (PersonalExpired), so every
// site erases the same data without waiting for another, and erased data
// is never sent and never accepted back.
//
// Erasing removes the Personal part of an op (the op keeps its identity,
// hash and signature) and every personal field of the folded rows.

// Retention says how long a building keeps personal data, in days after
// the day it belongs to.
type Retention struct {
	// VisitDays: a visit's name, contacts and reason, after the visit day.
	// The towns' four weeks ("nach 4 Wochen vernichten").
	VisitDays int `json:"visit_days"`
	// AppointmentDays: a citizen's name, birth date and contacts after
	// the appointment day (services, times, counter and status stay for
	// statistics), and the inbox entries about the appointment with it.
	AppointmentDays int `json:"appointment_days"`
	// AuditDays: who looked at what (the audit log's own retention).
	AuditDays int `json:"audit_days"`
}

// DefaultRetention is what a building without its own rule keeps.
var DefaultRetention = Retention{VisitDays: 28, AppointmentDays: 14, AuditDays: 365}

// MaxRetentionDays bounds every retention: ten years.
const MaxRetentionDays = 3650

// WithDefaults fills the fields left 0 from DefaultRetention.
func (r Retention) WithDefaults() Retention {
	if r.VisitDays == 0 {
		r.VisitDays = DefaultRetention.VisitDays
	}
	if r.AppointmentDays == 0 {
		r.AppointmentDays = DefaultRetention.AppointmentDays
	}
	if r.AuditDays == 0 {
		r.AuditDays = DefaultRetention.AuditDays
	}
	return r
}

// Validate checks each field (1 to MaxRetentionDays days).
func (r Retention) Validate() error {
	for _, f := range []struct {
		name string
		days int
	}{{"visit_days", r.VisitDays}, {"appointment_days", r.AppointmentDays}, {"audit_days", r.AuditDays}} {
		if f.days < 1 || f.days > MaxRetentionDays {
			e := InvalidRule(f.name, RuleRange, "%d days: from 1 to %d", f.days, MaxRetentionDays)
			e.Limit = MaxRetentionDays
			return e
		}
	}
	return nil
}

// RetentionOf returns a building's rule, defaults filled.
func (b Building) RetentionOf() Retention {
	if b.Retention == nil {
		return DefaultRetention
	}
	return b.Retention.WithDefaults()
}

// Kinds of personal data, as the purge counts them.
const (
	PersonalVisit       = "visits"
	PersonalAppointment = "appointments"
	PersonalInbox       = "inbox"
	PersonalAudit       = "audit"
)

// PersonalRecord is where an op's personal data belongs: its kind, the
// building and the day its retention counts from.
type PersonalRecord struct {
	Kind     string
	Building string
	Day      string // YYYY-MM-DD, Berlin
}

// PersonalOf says which personal record op's Personal part belongs to; ok
// is false for an op whose personal data no retention rule erases
// (account credentials) or that carries none.
func PersonalOf(op Op) (PersonalRecord, bool) {
	if len(op.Personal) == 0 && len(op.PersonalHash) == 0 {
		return PersonalRecord{}, false
	}
	var d struct {
		Building string `json:"building"`
		At       int64  `json:"at"`
		Start    int64  `json:"start"`
		OldStart int64  `json:"old_start"`
		NewStart int64  `json:"new_start"`
		Day      string `json:"day"`
	}
	if json.Unmarshal(op.Data, &d) != nil {
		return PersonalRecord{}, false
	}
	day := func(ms int64) string { return Day(time.UnixMilli(ms)) }
	switch op.Kind {
	case KindVisitRegistered:
		return PersonalRecord{PersonalVisit, d.Building, day(d.At)}, true
	case KindApptBooked:
		return PersonalRecord{PersonalAppointment, d.Building, day(d.Start)}, true
	case KindInboxAdded:
		// With its appointment: the later of the old and the new day.
		return PersonalRecord{PersonalInbox, d.Building, day(max(d.OldStart, d.NewStart))}, true
	case KindAuditRecorded:
		return PersonalRecord{PersonalAudit, d.Building, day(d.At)}, true
	}
	return PersonalRecord{}, false
}

// Days returns the retention, in days, of a kind of personal data.
func (r Retention) Days(kind string) int {
	r = r.WithDefaults()
	switch kind {
	case PersonalVisit:
		return r.VisitDays
	case PersonalAudit:
		return r.AuditDays
	}
	return r.AppointmentDays
}

// ExpiresOn is the first day on which the record's personal data is gone.
func (p PersonalRecord) ExpiresOn(r Retention) string {
	t, err := time.ParseInLocation(time.DateOnly, p.Day, Berlin)
	if err != nil {
		return p.Day
	}
	return t.AddDate(0, 0, r.Days(p.Kind)).Format(time.DateOnly)
}

// Expired reports whether the record's personal data must be gone today
// (in Berlin) under rule r, unless a hold keeps it.
func (p PersonalRecord) Expired(r Retention, now time.Time) bool {
	return Day(now) >= p.ExpiresOn(r)
}

// Hold ("Sperrvermerk"): the data-protection officer keeps the records of
// a building and day range from the purge, because the health office or
// a court asked, until it is lifted or its end day passed.
type Hold struct {
	ID       string    `json:"id"`
	Building string    `json:"building"`
	From     string    `json:"from"` // first day held
	To       string    `json:"to"`   // last day held
	Reason   string    `json:"reason"`
	Until    string    `json:"until"` // the hold ends after this day
	PlacedBy string    `json:"placed_by"`
	PlacedAt time.Time `json:"placed_at"`
	Lifted   bool      `json:"lifted"`
	LiftedBy string    `json:"lifted_by,omitempty"`
	LiftedAt time.Time `json:"lifted_at"`
}

// Hold op kinds and entity type.
const (
	KindHoldPlaced = "hold.placed"
	KindHoldLifted = "hold.lifted"
	EntityHold     = "hold"
)

// MaxHoldDays bounds how long a hold may last: a year, then it must be
// placed again (and so thought about again).
const MaxHoldDays = 366

// NewHold is what the data-protection officer says.
type NewHold struct {
	Building string `json:"building"`
	From     string `json:"from"`
	To       string `json:"to"`
	Reason   string `json:"reason"`
	Until    string `json:"until"` // "" : 90 days from today
}

// Normalize checks a new hold on day today.
func (n NewHold) Normalize(today string) (NewHold, error) {
	var err error
	if n.From, err = ParseDay("from", n.From); err != nil {
		return n, err
	}
	if n.To, err = ParseDay("to", n.To); err != nil {
		return n, err
	}
	if n.To < n.From {
		return n, InvalidRule("to", RuleOrder, "to %s before from %s", n.To, n.From)
	}
	n.Reason = collapseSpace(n.Reason)
	if err := checkText("reason", n.Reason, 300, true); err != nil {
		return n, err
	}
	t, _ := time.ParseInLocation(time.DateOnly, today, Berlin)
	if strings.TrimSpace(n.Until) == "" {
		n.Until = t.AddDate(0, 0, 90).Format(time.DateOnly)
	} else if n.Until, err = ParseDay("until", n.Until); err != nil {
		return n, err
	}
	if n.Until < today || n.Until > t.AddDate(0, 0, MaxHoldDays).Format(time.DateOnly) {
		e := InvalidRule("until", RuleRange, "from today to %d days ahead", MaxHoldDays)
		e.Limit = MaxHoldDays
		return n, e
	}
	return n, nil
}

type holdLifted struct {
	By string `json:"by"`
	At int64  `json:"at"`
}

// HoldOp and LiftHoldOp are a hold's ops.
func HoldOp(id string, n NewHold, by string, at time.Time) Op {
	return DefineOp(KindHoldPlaced, id, Hold{ID: id, Building: n.Building, From: n.From, To: n.To, Reason: n.Reason,
		Until: n.Until, PlacedBy: by, PlacedAt: at.UTC()})
}

func LiftHoldOp(id, by string, at time.Time) Op {
	return DefineOp(KindHoldLifted, id, holdLifted{By: by, At: at.UnixMilli()})
}

// FoldHold folds a hold's ops.
func FoldHold(id string, ops []Op) (h Hold, ok bool, err error) {
	var lifted *holdLifted
	for _, op := range sorted(ops) {
		switch op.Kind {
		case KindHoldPlaced:
			if err := json.Unmarshal(op.Data, &h); err != nil {
				return h, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
			}
			ok = true
		case KindHoldLifted:
			var l holdLifted
			if err := json.Unmarshal(op.Data, &l); err != nil {
				return h, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
			}
			if lifted == nil {
				lifted = &l
			}
		default:
			return h, false, fmt.Errorf("hold %s: unknown kind %q", id, op.Kind)
		}
	}
	if lifted != nil {
		h.Lifted, h.LiftedBy, h.LiftedAt = true, lifted.By, time.UnixMilli(lifted.At).UTC()
	}
	h.ID = id
	return h, ok, nil
}

// Active reports whether the hold keeps its records today.
func (h Hold) Active(now time.Time) bool { return !h.Lifted && Day(now) <= h.Until }

// Keeps reports whether an active hold keeps the record.
func (h Hold) Keeps(p PersonalRecord, now time.Time) bool {
	return h.Active(now) && p.Building == h.Building && p.Day >= h.From && p.Day <= h.To
}

// Erasure on request (DSGVO Art. 17): the data-protection officer erases
// a person's records before their retention ends. Every site applies it
// when the op arrives, the same erasure as the purge.
const (
	KindPersonalErased = "erasure.requested"
	EntityErasure      = "erasure"
)

// Erasure is the erase op's content: which records, and why.
type Erasure struct {
	IDs    []string `json:"ids"`
	Reason string   `json:"reason"`
}

// MaxErasureIDs bounds one request.
const MaxErasureIDs = 500

// Normalize checks an erasure request.
func (e Erasure) Normalize() (Erasure, error) {
	if len(e.IDs) == 0 {
		return e, InvalidRule("ids", RuleRequired, "at least one record")
	}
	if len(e.IDs) > MaxErasureIDs {
		ee := InvalidRule("ids", RuleTooLong, "%d records, at most %d", len(e.IDs), MaxErasureIDs)
		ee.Limit = MaxErasureIDs
		return e, ee
	}
	for _, id := range e.IDs {
		if err := checkText("ids", id, 200, true); err != nil {
			return e, err
		}
	}
	e.IDs = sortedSet(e.IDs)
	e.Reason = collapseSpace(e.Reason)
	return e, checkText("reason", e.Reason, 300, true)
}

// ErasureOp returns the erase op.
func ErasureOp(id string, e Erasure) Op { return DefineOp(KindPersonalErased, id, e) }

// DecodeErasure reads an erase op.
func DecodeErasure(op Op) (Erasure, error) {
	var e Erasure
	if err := json.Unmarshal(op.Data, &e); err != nil {
		return e, fmt.Errorf("%s %s: %w", op.Kind, op.Entity, err)
	}
	return e, nil
}

// SaltPersonal adds 16 random bytes to a personal part (a JSON object), so
// that the hash that stays after the purge erased it confirms no guess
// ("was Erika Mustermann, born 1964-08-12, here?"): the salt is erased
// with the data. A part that is not an object, or is salted, stays as is.
func SaltPersonal(personal json.RawMessage) json.RawMessage {
	if len(personal) < 2 || personal[0] != '{' {
		return personal
	}
	var probe struct {
		Salt *string `json:"salt"`
	}
	if json.Unmarshal(personal, &probe) == nil && probe.Salt != nil {
		return personal
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	out := []byte(`{"salt":"` + base64.RawStdEncoding.EncodeToString(salt) + `"`)
	if rest := strings.TrimSpace(string(personal[1:])); rest != "}" {
		out = append(out, ',')
	}
	return append(out, personal[1:]...)
}
