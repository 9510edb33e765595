package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"pforte/engine"
)

// The outbox (engine/mail.go): every site folds the mail ops into one row
// per mail; the mail site sends what is due. Delivery state (attempts,
// next attempt, last error, dropped) is this site's own and never
// replicates: only "sent" does, as an op, so no other site sends it again.

// Outbox statuses, as the status screen filters them.
const (
	OutboxQueued  = "queued"  // waiting, never tried or not yet failed
	OutboxFailed  = "failed"  // tried and failed, waiting for its next attempt
	OutboxSent    = "sent"    // sent, by this site or another
	OutboxDropped = "dropped" // never to be sent: its personal data is gone, or it is moot
)

// Why a mail is dropped.
const (
	DropPurged   = "purged"   // the appointment's personal data is gone, or it has no e-mail
	DropObsolete = "obsolete" // the appointment moved on (a confirm request for a booking no longer waiting)
)

// queueMail appends the mail of kind about a, in the caller's transaction:
// only when the citizen gave an e-mail address, and the confirm request
// and confirmation only for online bookings. Queuing a mail that is
// queued already changes nothing.
func (t *tx) queueMail(ctx context.Context, kind string, a engine.Appointment) error {
	if a.Citizen.Email == "" {
		return nil
	}
	if (kind == engine.MailConfirmRequest || kind == engine.MailConfirmation) && a.Channel != engine.ChannelOnline {
		return nil
	}
	var n int
	if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE id = ?`, engine.MailID(kind, a.ID)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := t.append(ctx, engine.QueueMail(kind, a, t.s.clock.Now()))
	return err
}

// refoldMail recomputes an outbox row, or the mail state.
func (t *tx) refoldMail(ctx context.Context, id string, ops []engine.Op) error {
	t.mailChanged = true
	if id == engine.MailConfigEntity {
		st, ok, err := engine.FoldMailState(ops)
		if err != nil {
			return err
		}
		if !ok {
			_, err := t.ExecContext(ctx, `DELETE FROM mail_state`)
			return err
		}
		doc, err := json.Marshal(st)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, `INSERT INTO mail_state (id, doc) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, doc)
		return err
	}
	m, ok, err := engine.FoldMail(id, ops)
	if err != nil {
		return err
	}
	if ok {
		// A mail goes with its appointment's personal data: sent, it is
		// history; unsent, it can never be sent.
		gone, err := personalGone(ctx, t, m.Appointment)
		if err != nil {
			return err
		}
		ok = !gone
	}
	if !ok {
		_, err := t.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id)
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO outbox (id, kind, appointment, building, queued_at, sent_at, sent_by, message_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, appointment = excluded.appointment, building = excluded.building,
		queued_at = excluded.queued_at, sent_at = excluded.sent_at, sent_by = excluded.sent_by, message_id = excluded.message_id`,
		id, m.Kind, m.Appointment, m.Building, m.QueuedAt.UnixMilli(), nullTime(m.SentAt), nullString(m.SentBy), nullString(m.MessageID))
	return err
}

// personalGone reports whether an appointment this site holds has lost its
// citizen to the purge (every booking names one). Not held: false.
func personalGone(ctx context.Context, q querier, appointment string) (bool, error) {
	var name sql.NullString
	err := q.QueryRowContext(ctx, `SELECT doc ->> '$.citizen.name' FROM appointments WHERE id = ?`, appointment).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && name.String == "", err
}

// forgetMails deletes the mails of appointments whose personal data was
// just erased: the sent ones are history, the unsent ones can never be
// sent, and a failed one's last error may quote the address.
func (t *tx) forgetMails(ctx context.Context, appointments []any) error {
	if len(appointments) == 0 {
		return nil
	}
	_, err := t.ExecContext(ctx, `DELETE FROM outbox WHERE appointment IN (?`+
		strings.Repeat(", ?", len(appointments)-1)+`)`, appointments...)
	return err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// OnMail registers f to run after every commit that changed the outbox or
// the mail site (the sender wakes up). f must not block.
func (s *Store) OnMail(f func()) { s.onMail.Store(&f) }

// DueMail is a mail to send now, with what it is rendered from.
type DueMail struct {
	engine.Mail
	Attempts    int
	Appointment engine.Appointment
	// Old is the appointment a moved one was before (nil if not held).
	Old *engine.Appointment
}

// DueMails returns up to limit mails whose next attempt is due by now,
// oldest queued first. A mail whose appointment lost its personal data
// (or never had an e-mail address) is dropped as purged, one that has
// become moot as obsolete: neither is returned, or ever sent. A mail whose
// appointment this site does not hold yet waits.
func (s *Store) DueMails(ctx context.Context, now time.Time, limit int) ([]DueMail, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, appointment, building, queued_at, attempts FROM outbox
		WHERE sent_at IS NULL AND dropped IS NULL AND next_attempt <= ? ORDER BY queued_at, id LIMIT ?`, now.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	var due []DueMail
	for rows.Next() {
		var m DueMail
		var queued int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.Mail.Appointment, &m.Building, &queued, &m.Attempts); err != nil {
			rows.Close()
			return nil, err
		}
		m.QueuedAt = time.UnixMilli(queued).UTC()
		due = append(due, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := due[:0]
	drop := map[string]string{}
	var later []string
	for _, m := range due {
		a, err := appointment(ctx, s.db, m.Mail.Appointment)
		if engine.AsError(err).Code == engine.CodeNotFound {
			// Not shown here yet (a booking waits for what its booker had
			// seen): it waits a minute, not holding up the mails behind it.
			later = append(later, m.ID)
			continue
		}
		if err != nil {
			return nil, err
		}
		if a.Token == "" && a.TokenHash != "" {
			// The link secret is personal data, kept in the booking op's
			// personal part only (never in the folded row).
			if a.Token, err = linkToken(ctx, s.db, a); err != nil {
				return nil, err
			}
		}
		m.Appointment = a
		if why := dropReason(m.Kind, a, now); why != "" {
			drop[m.ID] = why
			continue
		}
		if a.MovedFrom != "" {
			if old, err := appointment(ctx, s.db, a.MovedFrom); err == nil {
				m.Old = &old
			}
		}
		out = append(out, m)
	}
	if len(drop) > 0 || len(later) > 0 {
		err := s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
			for _, id := range later {
				if _, err := t.ExecContext(ctx, `UPDATE outbox SET next_attempt = ? WHERE id = ?`,
					now.Add(time.Minute).UnixMilli(), id); err != nil {
					return err
				}
			}
			for id, why := range drop {
				// The last error may quote the address: it goes too.
				if _, err := t.ExecContext(ctx, `UPDATE outbox SET dropped = ?, last_error = NULL WHERE id = ?`, why, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// linkToken reads an online booking's link token from its booking op
// ("" once the purge erased it).
func linkToken(ctx context.Context, q querier, a engine.Appointment) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT personal FROM ops WHERE entity_type = ? AND entity = ? AND kind = ?
		AND personal IS NOT NULL`, engine.EntityAppointment, a.ID, engine.KindApptBooked)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return "", err
		}
		var p struct {
			Token string `json:"token"`
		}
		if json.Unmarshal(raw, &p) == nil && p.Token != "" && engine.TokenHash(p.Token) == a.TokenHash {
			return p.Token, nil
		}
	}
	return "", rows.Err()
}

// dropReason says why the mail of kind about a is never to be sent, or "".
func dropReason(kind string, a engine.Appointment, now time.Time) string {
	switch {
	case a.Citizen.Email == "":
		return DropPurged
	case !now.Before(a.End):
		return DropObsolete // news of an appointment that is over
	case kind == engine.MailConfirmRequest && (a.Status != engine.ApptPreconfirmed || !now.Before(a.ExpiresAt)):
		return DropObsolete
	case (kind == engine.MailReminder || kind == engine.MailMoved) && a.Status == engine.ApptCancelled:
		return DropObsolete
	case kind == engine.MailReminder && !now.Before(a.Start):
		return DropObsolete
	}
	return ""
}

// Sent is a mail this site sent.
type Sent struct {
	ID        string
	MessageID string
}

// MarkSent writes that this site sent these mails, in one transaction (the
// ops replicate: no other site sends them again).
func (s *Store) MarkSent(ctx context.Context, sent ...Sent) error {
	if len(sent) == 0 {
		return nil
	}
	return s.write(ctx, engine.SystemAuthor, func(ctx context.Context, t *tx) error {
		now := s.clock.Now()
		for _, m := range sent {
			if _, err := t.append(ctx, engine.MailSentOp(m.ID, m.MessageID, now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// QueueReminders queues the reminder of every booked appointment of day
// with an e-mail address, in the buildings that send reminders
// (Booking.ReminderDayBefore); queued already, it is not queued again. It
// returns how many it queued.
func (s *Store) QueueReminders(ctx context.Context, day string) (int, error) {
	n := 0
	for _, b := range s.cat.Load().Buildings {
		if !b.Booking.ReminderDayBefore {
			continue
		}
		as, err := s.Appointments(ctx, b.ID, day)
		if err != nil {
			return n, err
		}
		err = s.write(ctx, engine.SystemAuthor, func(ctx context.Context, t *tx) error {
			for _, a := range as {
				if a.Status != engine.ApptBooked || a.Citizen.Email == "" {
					continue
				}
				if err := t.queueMail(ctx, engine.MailReminder, a); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// MarkFailed records a failed attempt of mail id and when to try again:
// this site's delivery state only.
func (s *Store) MarkFailed(ctx context.Context, id string, cause error, next time.Time) error {
	msg := "unknown"
	if cause != nil {
		msg = cause.Error()
	}
	return s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ?`,
			truncate(msg, 500), next.UnixMilli(), id)
		return err
	})
}

// RetryNow makes every waiting mail due at once: the server answers
// again, so what waited goes out in the order it was queued.
func (s *Store) RetryNow(ctx context.Context) error {
	return s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE outbox SET next_attempt = 0 WHERE sent_at IS NULL AND dropped IS NULL AND next_attempt > 0`)
		return err
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
