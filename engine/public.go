package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Citizens book for themselves (the public pages): an online booking is
// preconfirmed and holds its slot until the citizen confirms it by the
// link in the mail, or until it expires and the slot is free again. The
// link carries a secret token; only its hash is data that identifies the
// booking, the token itself is personal data (the links in later mails
// need it) and goes with the citizen's other data.

// CodeExpired is the rule a late confirmation breaks, and the status a
// citizen sees of a booking that expired.
const CodeExpired = "expired"

// Defaults of a building's online booking rules.
const (
	DefaultConfirmMinutes    = 30
	DefaultMaxActivePerEmail = 3

	MaxConfirmMinutes      = 24 * 60
	MaxActivePerEmailLimit = 50
	MaxPrivacyNoticeLen    = 20000
)

// ConfirmWindow is how long a preconfirmed booking of b holds its slot.
func (b Building) ConfirmWindow() time.Duration {
	if m := b.Booking.ConfirmMinutes; m > 0 {
		return time.Duration(m) * time.Minute
	}
	return DefaultConfirmMinutes * time.Minute
}

// MaxActivePerEmail is how many upcoming online bookings of b one e-mail
// address may hold at once.
func (b Building) MaxActivePerEmail() int {
	if n := b.Booking.MaxActivePerEmail; n > 0 {
		return n
	}
	return DefaultMaxActivePerEmail
}

// TokenHash is what a store keeps of a link token: its SHA-256, hex ("" for
// no token).
func TokenHash(token string) string {
	if token == "" {
		return ""
	}
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Confirm checks that a preconfirmed booking may be confirmed now and
// returns the op; CodeExpired once its time is up.
func Confirm(a Appointment, at time.Time) (Op, error) {
	switch {
	case a.Status == ApptBooked:
		return Op{}, InvalidState("appointment_booked", "appointment %s is confirmed already", a.ID)
	case a.PublicStatus() == CodeExpired:
		return Op{}, InvalidState(CodeExpired, "appointment %s expired at %s", a.ID, a.ExpiresAt.Format(time.RFC3339))
	case a.Status != ApptPreconfirmed:
		return Op{}, InvalidState("appointment_"+a.PublicStatus(), "appointment %s is %s", a.ID, a.PublicStatus())
	case !at.Before(a.ExpiresAt):
		return Op{}, InvalidState(CodeExpired, "appointment %s expired at %s", a.ID, a.ExpiresAt.Format(time.RFC3339))
	}
	return Op{Kind: KindApptConfirmed, Entity: a.ID, Data: mustJSON(apptAtData{At: at.UnixMilli()})}, nil
}

// Expire returns the op that gives an unconfirmed booking's slot back,
// and false while it may still be confirmed.
func Expire(a Appointment, now time.Time) (Op, bool) {
	if a.Status != ApptPreconfirmed || now.Before(a.ExpiresAt) {
		return Op{}, false
	}
	op, err := CancelFor(a, now, CancelExpired)
	return op, err == nil
}

// PublicStatus is the status the citizen sees: an expired booking is
// "expired", not "cancelled".
func (a Appointment) PublicStatus() string {
	if a.Status == ApptCancelled && a.CancelReason == CancelExpired {
		return CodeExpired
	}
	return a.Status
}

// checkParagraphs is the text rule for a text of lines (a privacy notice):
// line breaks are allowed, other control characters are not.
func checkParagraphs(field, s string, max int) error {
	return checkText(field, strings.ReplaceAll(s, "\n", " "), max, false)
}

// MoveRequest books a's booking again at start: the same citizen, services
// and channel, and for an online booking the same link token and calendar
// UID with the next Sequence, so the citizen's links and calendar entry
// follow the move.
func MoveRequest(a Appointment, start time.Time) BookingRequest {
	return BookingRequest{Building: a.Building, Services: a.Services, Start: start, Channel: a.Channel,
		Citizen: a.Citizen, BarrierFree: a.BarrierFree, Token: a.Token, UID: a.UID, Sequence: a.Sequence + 1}
}
