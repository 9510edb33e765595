package engine

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"
)

// Visit statuses.
const (
	VisitWaiting  = "waiting"  // registered at the entrance, waiting to be picked up
	VisitEscorted = "escorted" // picked up by the host or a colleague
	VisitLeft     = "left"     // left the building
)

// Visit is one person's stay in a building, from registration at the
// entrance to departure.
type Visit struct {
	ID            string    `json:"id"`
	Building      string    `json:"building"`
	Name          string    `json:"name"`
	Phone         string    `json:"phone"`
	Email         string    `json:"email"`
	Address       string    `json:"address"`
	Host          string    `json:"host"`
	AppointmentID string    `json:"appointment_id"`
	Reason        string    `json:"reason"`
	ArrivedAt     time.Time `json:"arrived_at"`
	PickedUpAt    time.Time `json:"picked_up_at"`
	PickedUpBy    string    `json:"picked_up_by"`
	// ComingBy is the member of staff who answered "Ich hole ab": on the
	// way to the entrance, the visitor is still waiting.
	ComingBy string    `json:"coming_by,omitempty"`
	ComingAt time.Time `json:"coming_at"`
	LeftAt   time.Time `json:"left_at"`
	Status   string    `json:"status"`
}

// Present reports whether the visitor is still in the building.
func (v Visit) Present() bool { return v.Status != VisitLeft }

// Limits on what a person may type. Generous for real names and addresses,
// tight enough that a stuck key or a broken peer cannot fill the disk.
const (
	MaxNameLen    = 120
	MaxPhoneLen   = 40
	MaxEmailLen   = 254
	MaxAddressLen = 300
	MaxReasonLen  = 500
	MaxIDLen      = 100
)

// NewVisit is what reception types to register a visitor.
type NewVisit struct {
	Building      string
	Name          string
	Phone         string
	Email         string
	Address       string
	Host          string
	AppointmentID string
	Reason        string
}

// Normalize trims the fields and checks them, naming the first bad field.
// It checks the shape only; whether building and host exist is the store's
// question, asked in the same transaction as the write.
func (n NewVisit) Normalize() (NewVisit, error) {
	n.Building = strings.TrimSpace(n.Building)
	n.Name = collapseSpace(n.Name)
	n.Phone = strings.TrimSpace(n.Phone)
	n.Email = strings.TrimSpace(n.Email)
	n.Address = strings.TrimSpace(n.Address)
	n.Host = strings.TrimSpace(n.Host)
	n.AppointmentID = strings.TrimSpace(n.AppointmentID)
	n.Reason = strings.TrimSpace(n.Reason)

	if err := checkTexts([]textField{
		{"building", n.Building, MaxIDLen, true},
		{"name", n.Name, MaxNameLen, true},
		{"phone", n.Phone, MaxPhoneLen, false},
		{"email", n.Email, MaxEmailLen, false},
		{"address", n.Address, MaxAddressLen, false},
		{"host", n.Host, MaxIDLen, true},
		{"appointment_id", n.AppointmentID, MaxIDLen, false},
		{"reason", n.Reason, MaxReasonLen, false},
	}); err != nil {
		return n, err
	}
	if n.Phone == "" && n.Email == "" && n.Address == "" {
		return n, InvalidRule("contact", RuleRequired, "one of phone, email or address is required")
	}
	if n.Phone != "" && !validPhone(n.Phone) {
		return n, InvalidRule("phone", RuleFormat, "not a phone number: %q", n.Phone)
	}
	if n.Email != "" && !validEmail(n.Email) {
		return n, InvalidRule("email", RuleFormat, "not an e-mail address: %q", n.Email)
	}
	return n, nil
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +()/-.", r):
		default:
			return false
		}
	}
	return digits >= 3
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// Op payloads of visits. Personal data lives only in visitPersonal.
type (
	visitRegisteredData struct {
		Building      string `json:"building"`
		Host          string `json:"host"`
		AppointmentID string `json:"appointment_id,omitempty"`
		At            int64  `json:"at"` // Unix ms
	}
	visitPersonal struct {
		Name    string `json:"name"`
		Phone   string `json:"phone,omitempty"`
		Email   string `json:"email,omitempty"`
		Address string `json:"address,omitempty"`
		Reason  string `json:"reason,omitempty"`
	}
	visitPickedUpData struct {
		By string `json:"by"`
		At int64  `json:"at"`
		// Coming: the host answered and is on the way, not yet at the
		// entrance. Carried in the picked_up kind so that every site folds
		// it without a new op kind; a site that does not know the flag
		// takes it for the pick-up itself, which errs on the safe side.
		Coming bool `json:"coming,omitempty"`
	}
	visitLeftData struct {
		At int64 `json:"at"`
	}
)

// RegisterOp returns the op that registers n (already normalized) at time at.
// The caller stamps origin, seq, HLC and author.
func RegisterOp(id string, n NewVisit, at time.Time) Op {
	return Op{
		Kind:   KindVisitRegistered,
		Entity: id,
		Data: mustJSON(visitRegisteredData{
			Building: n.Building, Host: n.Host, AppointmentID: n.AppointmentID, At: at.UnixMilli(),
		}),
		Personal: mustJSON(visitPersonal{
			Name: n.Name, Phone: n.Phone, Email: n.Email, Address: n.Address, Reason: n.Reason,
		}),
	}
}

// PickUp checks that v can be picked up and returns the op that does it.
func PickUp(v Visit, by string, at time.Time) (Op, error) {
	if v.Status != VisitWaiting {
		return Op{}, InvalidState("not_waiting", "visit %s is %s, not waiting", v.ID, v.Status)
	}
	return Op{Kind: KindVisitPickedUp, Entity: v.ID, Data: mustJSON(visitPickedUpData{By: by, At: at.UnixMilli()})}, nil
}

// Leave checks that v can leave and returns the op that records it.
func Leave(v Visit, at time.Time) (Op, error) {
	if v.Status == VisitLeft {
		return Op{}, InvalidState("already_left", "visit %s has already left", v.ID)
	}
	return Op{Kind: KindVisitLeft, Entity: v.ID, Data: mustJSON(visitLeftData{At: at.UnixMilli()})}, nil
}

// FoldVisit computes a visit from its ops, in any order given. ok is false
// when the ops hold no registration (yet): a pick-up that arrived before
// its registration waits for it. A Personal payload erased by the purge
// folds to a visit without personal data.
func FoldVisit(id string, ops []Op) (v Visit, ok bool, err error) {
	ops = sorted(ops)
	v.ID = id
	for _, op := range ops {
		switch op.Kind {
		case KindVisitRegistered:
			var d visitRegisteredData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return v, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			var p visitPersonal
			if len(op.Personal) > 0 {
				if err := json.Unmarshal(op.Personal, &p); err != nil {
					return v, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
				}
			}
			v.Building, v.Host, v.AppointmentID = d.Building, d.Host, d.AppointmentID
			v.ArrivedAt = time.UnixMilli(d.At).UTC()
			v.Name, v.Phone, v.Email, v.Address, v.Reason = p.Name, p.Phone, p.Email, p.Address, p.Reason
			ok = true
		case KindVisitPickedUp:
			var d visitPickedUpData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return v, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			switch {
			case d.Coming && v.ComingAt.IsZero(): // the first answer counts
				v.ComingAt, v.ComingBy = time.UnixMilli(d.At).UTC(), d.By
			case !d.Coming && v.PickedUpAt.IsZero(): // the first pick-up counts
				v.PickedUpAt, v.PickedUpBy = time.UnixMilli(d.At).UTC(), d.By
			}
		case KindVisitLeft:
			var d visitLeftData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return v, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if v.LeftAt.IsZero() {
				v.LeftAt = time.UnixMilli(d.At).UTC()
			}
		default:
			return v, false, fmt.Errorf("op %s/%d: kind %q is not a visit op", op.Origin, op.Seq, op.Kind)
		}
	}
	switch {
	case !v.LeftAt.IsZero():
		v.Status = VisitLeft
	case !v.PickedUpAt.IsZero():
		v.Status = VisitEscorted
	default:
		v.Status = VisitWaiting
	}
	return v, ok, nil
}

// FoldDefinition folds the "defined" ops of a configuration entity: the last
// definition in fold order wins. ok is false when there is none.
func FoldDefinition(ops []Op) (doc json.RawMessage, ok bool) {
	ops = sorted(ops)
	if len(ops) == 0 {
		return nil, false
	}
	return ops[len(ops)-1].Data, true
}

// DefineOp returns the op that defines (creates or replaces) a configuration
// entity of the given kind.
func DefineOp(kind, id string, v any) Op {
	return Op{Kind: kind, Entity: id, Data: mustJSON(v)}
}

func sorted(ops []Op) []Op {
	out := append([]Op(nil), ops...)
	sort.SliceStable(out, func(i, j int) bool { return Before(out[i], out[j]) })
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings and numbers are marshalled here
	}
	return b
}
