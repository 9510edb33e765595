package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The clerks' inbox: what someone has to tell a citizen. Displacement
// (capacity that shrank under booked appointments) writes an entry for each
// appointment it moved, and one for each it could not place; a clerk
// resolves it by calling, e-mailing, or marking it done.
//
// The citizen's name and contacts travel in the op's Personal part, so the
// retention purge can erase them like a visit's; everything else is Data.

// Inbox op kinds and entity type.
const (
	KindInboxAdded    = "inbox.added"
	KindInboxResolved = "inbox.resolved"
	EntityInbox       = "inbox"
)

// Inbox entry kinds: the appointment was moved, or no place was found.
const (
	InboxMoved    = "moved"
	InboxUnplaced = "unplaced"
)

// Inbox resolutions.
const (
	InboxCalled  = "called"
	InboxEmailed = "emailed"
	InboxDone    = "done"
)

// InboxActions lists the resolutions in the order the screen shows them.
var InboxActions = []string{InboxCalled, InboxEmailed, InboxDone}

// InboxEntry is one thing to tell a citizen.
type InboxEntry struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"` // InboxMoved or InboxUnplaced
	Building string `json:"building"`
	// Appointment is the displaced appointment; NewAppointment the one it
	// became (moved only). Both carry Code.
	Appointment    string      `json:"appointment_id"`
	NewAppointment string      `json:"new_appointment_id,omitempty"`
	Code           string      `json:"code"`
	Citizen        InboxPerson `json:"citizen"`
	OldStart       time.Time   `json:"old_start"`
	NewStart       *time.Time  `json:"new_start,omitempty"`
	Reason         string      `json:"reason"` // German, shown as is: "Schalter 2 nicht besetzt (Krankheit)"
	CreatedAt      time.Time   `json:"created_at"`
	Origin         string      `json:"origin"` // the site that wrote it
	// Resolved: Action, By and ResolvedAt are set.
	Resolved   bool      `json:"resolved"`
	Action     string    `json:"action,omitempty"`
	By         string    `json:"by,omitempty"`
	ResolvedAt time.Time `json:"resolved_at"`
}

// InboxPerson is whom to tell, all of it personal data.
type InboxPerson struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// InboxNote is what displacement knows when it writes an entry.
type InboxNote struct {
	Kind           string
	Building       string
	Appointment    string
	NewAppointment string
	Code           string
	Citizen        Citizen
	OldStart       time.Time
	NewStart       time.Time // zero when unplaced
	Reason         string
}

type (
	inboxAddedData struct {
		Kind           string `json:"kind"`
		Building       string `json:"building"`
		Appointment    string `json:"appointment"`
		NewAppointment string `json:"new_appointment,omitempty"`
		Code           string `json:"code"`
		OldStart       int64  `json:"old_start"` // Unix ms
		NewStart       int64  `json:"new_start,omitempty"`
		Reason         string `json:"reason"`
		At             int64  `json:"at"`
	}
	inboxResolvedData struct {
		Action string `json:"action"`
		By     string `json:"by"`
		At     int64  `json:"at"`
	}
)

// InboxID is the entry of a kind for an appointment: one entry per
// displaced appointment and kind, however often displacement runs.
func InboxID(kind, appointment string) string { return kind + ":" + appointment }

// AddInboxOp returns the op that puts n in the inbox.
func AddInboxOp(n InboxNote, at time.Time) Op {
	d := inboxAddedData{Kind: n.Kind, Building: n.Building, Appointment: n.Appointment,
		NewAppointment: n.NewAppointment, Code: n.Code, OldStart: n.OldStart.UnixMilli(), Reason: n.Reason,
		At: at.UnixMilli()}
	if !n.NewStart.IsZero() {
		d.NewStart = n.NewStart.UnixMilli()
	}
	p := InboxPerson{Name: n.Citizen.Name, Phone: n.Citizen.Phone, Email: n.Citizen.Email}
	return Op{Kind: KindInboxAdded, Entity: InboxID(n.Kind, n.Appointment), Data: mustJSON(d), Personal: mustJSON(p)}
}

// ResolveInbox checks action and returns the op that resolves entry id.
func ResolveInbox(id, action, by string, at time.Time) (Op, error) {
	if !slices.Contains(InboxActions, action) {
		return Op{}, InvalidRule("action", RuleFormat, "action %q: want called, emailed or done", action)
	}
	return Op{Kind: KindInboxResolved, Entity: id,
		Data: mustJSON(inboxResolvedData{Action: action, By: by, At: at.UnixMilli()})}, nil
}

// FoldInbox computes an entry from its ops, in any order given: the first
// addition and the first resolution in fold order count (two clerks
// resolving at once at two sites: the earlier stands, alike everywhere).
// ok is false without an addition.
func FoldInbox(id string, ops []Op) (e InboxEntry, ok bool, err error) {
	e.ID = id
	var resolved *inboxResolvedData
	for _, op := range sorted(ops) {
		switch op.Kind {
		case KindInboxAdded:
			if ok {
				continue
			}
			var d inboxAddedData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return e, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if len(op.Personal) > 0 {
				if err := json.Unmarshal(op.Personal, &e.Citizen); err != nil {
					return e, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
				}
			}
			e.Kind, e.Building, e.Appointment, e.NewAppointment = d.Kind, d.Building, d.Appointment, d.NewAppointment
			e.Code, e.OldStart, e.Reason, e.CreatedAt, e.Origin = d.Code, msTime(d.OldStart), d.Reason, msTime(d.At), op.Origin
			if d.NewStart != 0 {
				t := msTime(d.NewStart)
				e.NewStart = &t
			}
			ok = true
		case KindInboxResolved:
			var d inboxResolvedData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return e, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if resolved == nil && slices.Contains(InboxActions, d.Action) {
				resolved = &d
			}
		default:
			return e, false, fmt.Errorf("op %s/%d: kind %q is not an inbox op", op.Origin, op.Seq, op.Kind)
		}
	}
	if ok && resolved != nil {
		e.Resolved, e.Action, e.By, e.ResolvedAt = true, resolved.Action, resolved.By, msTime(resolved.At)
	}
	return e, ok, nil
}

// DecodeInboxOp checks that an inbox op's payload decodes, for ops received
// from other sites.
func DecodeInboxOp(op Op) error {
	switch op.Kind {
	case KindInboxAdded:
		var d inboxAddedData
		if err := json.Unmarshal(op.Data, &d); err != nil {
			return err
		}
		if d.Building == "" || d.Appointment == "" || (d.Kind != InboxMoved && d.Kind != InboxUnplaced) {
			return fmt.Errorf("inbox entry without building, appointment or kind")
		}
		if len(op.Personal) > 0 {
			var p InboxPerson
			return json.Unmarshal(op.Personal, &p)
		}
		return nil
	case KindInboxResolved:
		var d inboxResolvedData
		return json.Unmarshal(op.Data, &d)
	}
	return fmt.Errorf("kind %q is not an inbox op", op.Kind)
}
