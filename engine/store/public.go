package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"pforte/engine"
)

// Citizens' own bookings (the public pages; engine/public.go): booked
// preconfirmed with a link token, confirmed or cancelled by that token,
// expired by the site that booked them.

// AuthorCitizen is the author of the ops a citizen causes on the public
// pages: no account, the citizen.
const AuthorCitizen = "citizen"

// newToken returns a link token: 128 random bits, base64url.
func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// BookOnline books r for a citizen: on the online channel, preconfirmed
// until the building's confirm window passes, with a new link token (in
// the returned appointment's Token) and the mail that asks to confirm,
// queued in the same transaction. An e-mail address that holds the
// building's limit of upcoming bookings gets CodeTooMany (field
// citizen.email).
func (s *Store) BookOnline(ctx context.Context, r engine.BookingRequest) (engine.Appointment, error) {
	now := s.clock.Now()
	r.Channel = engine.ChannelOnline
	r, err := r.Normalize(now)
	if err != nil {
		return engine.Appointment{}, err
	}
	b, ok := s.cat.Load().Buildings[r.Building]
	if !ok {
		return engine.Appointment{}, &engine.Error{Code: engine.CodeNotFound, Field: "building", Detail: "no building " + r.Building}
	}
	if r.Token, err = newToken(); err != nil {
		return engine.Appointment{}, err
	}
	r.ExpiresAt = now.Add(b.ConfirmWindow())
	var a engine.Appointment
	err = s.write(ctx, AuthorCitizen, func(ctx context.Context, t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments
			WHERE building = ? AND start > ? AND status IN (?, ?, ?)
			AND lower(json_extract(doc, '$.citizen.email')) = ?`,
			b.ID, now.UnixMilli(), engine.ApptPreconfirmed, engine.ApptBooked, engine.ApptCheckedIn,
			strings.ToLower(r.Citizen.Email)).Scan(&n); err != nil {
			return err
		}
		if limit := b.MaxActivePerEmail(); n >= limit {
			return &engine.Error{Code: engine.CodeTooMany, Field: "citizen.email", Limit: limit,
				Detail: fmt.Sprintf("%d upcoming bookings with this address, at most %d", n, limit)}
		}
		if a, err = t.book(ctx, r, now, "", ""); err != nil {
			return err
		}
		return t.queueMail(ctx, engine.MailConfirmRequest, a)
	})
	return a, err
}

// ByToken returns the booking a citizen's link token names: the current
// one, after any moves. CodeNotFound for a token no booking has (or whose
// booking's personal data, the token with it, is erased).
func (s *Store) ByToken(ctx context.Context, token string) (engine.Appointment, error) {
	return byToken(ctx, s.db, token)
}

func byToken(ctx context.Context, q querier, token string) (engine.Appointment, error) {
	h := engine.TokenHash(strings.TrimSpace(token))
	if h == "" || len(token) > 64 {
		return engine.Appointment{}, &engine.Error{Code: engine.CodeNotFound, Field: "token", Detail: "no booking for this link"}
	}
	a, err := doc[engine.Appointment](ctx, q, "token", "no booking for this link",
		`SELECT doc FROM appointments WHERE json_extract(doc, '$.token_hash') = ?
		ORDER BY json_extract(doc, '$.sequence') DESC LIMIT 1`, h)
	if err != nil {
		return a, err
	}
	if a.Token == "" {
		// Erased by the retention purge: the link is dead.
		return engine.Appointment{}, &engine.Error{Code: engine.CodeNotFound, Field: "token", Detail: "no booking for this link"}
	}
	return a, nil
}

// ConfirmByToken makes a preconfirmed booking binding and queues the
// confirmation mail; the rule "expired" once its time is up.
func (s *Store) ConfirmByToken(ctx context.Context, token string) (engine.Appointment, error) {
	return s.changeByToken(ctx, token, func(a engine.Appointment, now time.Time) (engine.Op, string, error) {
		op, err := engine.Confirm(a, now)
		return op, engine.MailConfirmation, err
	})
}

// CancelByToken cancels a citizen's booking by its link and queues the
// mail that says so.
func (s *Store) CancelByToken(ctx context.Context, token string) (engine.Appointment, error) {
	return s.changeByToken(ctx, token, func(a engine.Appointment, now time.Time) (engine.Op, string, error) {
		if a.Status != engine.ApptPreconfirmed && a.Status != engine.ApptBooked {
			return engine.Op{}, "", engine.InvalidState("appointment_"+a.PublicStatus(), "appointment %s is %s", a.ID, a.PublicStatus())
		}
		op, err := engine.CancelFor(a, now, engine.CancelCitizen)
		return op, engine.MailCancelled, err
	})
}

func (s *Store) changeByToken(ctx context.Context, token string,
	decide func(engine.Appointment, time.Time) (engine.Op, string, error)) (engine.Appointment, error) {
	now := s.clock.Now()
	var a engine.Appointment
	err := s.write(ctx, AuthorCitizen, func(ctx context.Context, t *tx) error {
		cur, err := byToken(ctx, t, token)
		if err != nil {
			return err
		}
		op, mail, err := decide(cur, now)
		if err != nil {
			return err
		}
		if _, err := t.append(ctx, op); err != nil {
			return err
		}
		a = t.appointments[cur.ID]
		return t.queueMail(ctx, mail, a)
	})
	return a, err
}

// ExpireUnconfirmed gives the slots of this site's unconfirmed online
// bookings back once their time is up. Only the site that booked one
// expires it (as only it moves it), so the expiry is one op; it returns
// how many expired.
func (s *Store) ExpireUnconfirmed(ctx context.Context) (int, error) {
	now := s.clock.Now()
	as, err := docs[engine.Appointment](ctx, s.db, `SELECT doc FROM appointments WHERE status = ?
		AND json_extract(doc, '$.origin') = ?`, engine.ApptPreconfirmed, s.site)
	if err != nil {
		return 0, fmt.Errorf("unconfirmed bookings: %w", err)
	}
	n := 0
	for _, a := range as {
		if _, due := engine.Expire(a, now); !due {
			continue
		}
		err := s.write(ctx, AuthorCitizen, func(ctx context.Context, t *tx) error {
			cur, err := appointment(ctx, t, a.ID)
			if err != nil {
				return err
			}
			op, due := engine.Expire(cur, now)
			if !due {
				return nil // confirmed meanwhile
			}
			n++
			_, err = t.append(ctx, op)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("expire %s: %w", a.ID, err)
		}
	}
	return n, nil
}
