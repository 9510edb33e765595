package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"pforte/engine"
)

// MailSettings is the mail configuration as this site sees it.
type MailSettings struct {
	Configured bool              `json:"configured"`
	Config     engine.MailConfig `json:"config"`
	// PasswordSet: this site holds an SMTP password (entered here).
	PasswordSet bool   `json:"password_set"`
	Password    string `json:"-"`
	MailSite    string `json:"mail_site"`
	ThisSite    string `json:"this_site"`
	// MaySend: this site is the mail site and no earlier one may still
	// be sending; Awaiting names those whose release it waits for.
	MaySend  bool         `json:"may_send"`
	Awaiting []string     `json:"awaiting_release"`
	Counts   OutboxCounts `json:"outbox"`
}

// OutboxCounts counts the outbox by status.
type OutboxCounts struct {
	Queued  int `json:"queued"`
	Failed  int `json:"failed"`
	Sent    int `json:"sent"`
	Dropped int `json:"dropped"`
}

func (s *Store) mailState(ctx context.Context, q querier) (engine.MailState, bool, error) {
	var doc []byte
	err := q.QueryRowContext(ctx, `SELECT doc FROM mail_state WHERE id = 1`).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return engine.MailState{}, false, nil
	}
	if err != nil {
		return engine.MailState{}, false, err
	}
	var st engine.MailState
	return st, true, json.Unmarshal(doc, &st)
}

// revoked reports whether a site is revoked (a revoked mail site is not
// waited for).
func (s *Store) revoked(site string) bool {
	x, ok := s.trust.Load().sites[site]
	return ok && x.Revoked != nil
}

// MailSettings returns the mail configuration, whether this site may send
// and the outbox counts.
func (s *Store) MailSettings(ctx context.Context) (MailSettings, error) {
	out := MailSettings{ThisSite: s.site, Awaiting: []string{}}
	st, ok, err := s.mailState(ctx, s.db)
	if err != nil {
		return out, err
	}
	if ok {
		out.Configured, out.Config, out.MailSite = true, st.Config, st.Config.Site
		out.MaySend = st.MaySend(s.site, s.revoked)
		if aw := st.AwaitedReleases(s.revoked); len(aw) > 0 {
			out.Awaiting = aw
		}
	}
	err = s.db.QueryRowContext(ctx, `SELECT password FROM mail_secret WHERE id = 1`).Scan(&out.Password)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, err
	}
	out.PasswordSet = out.Password != ""
	err = s.db.QueryRowContext(ctx, `SELECT
		COUNT(*) FILTER (WHERE sent_at IS NULL AND dropped IS NULL AND attempts = 0),
		COUNT(*) FILTER (WHERE sent_at IS NULL AND dropped IS NULL AND attempts > 0),
		COUNT(*) FILTER (WHERE sent_at IS NOT NULL),
		COUNT(*) FILTER (WHERE sent_at IS NULL AND dropped IS NOT NULL) FROM outbox`).Scan(
		&out.Counts.Queued, &out.Counts.Failed, &out.Counts.Sent, &out.Counts.Dropped)
	return out, err
}

// ConfigureMail makes this site the mail site with c (its Site is this
// site), one configuration op; password, when not nil, replaces the SMTP
// password kept at this site ("" removes it), never in an op. Bad input
// names the field; nothing is written.
func (s *Store) ConfigureMail(ctx context.Context, author string, c engine.MailConfig, password *string) (MailSettings, error) {
	c.Site = s.site
	c, err := c.Normalize()
	if err != nil {
		return MailSettings{}, err
	}
	if password != nil && len(*password) > 1024 {
		return MailSettings{}, engine.InvalidRule("password", engine.RuleTooLong, "at most 1024 bytes")
	}
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		if _, err := t.append(ctx, engine.ConfigureMailOp(c)); err != nil {
			return err
		}
		switch {
		case password == nil:
		case *password == "":
			_, err = t.ExecContext(ctx, `DELETE FROM mail_secret`)
		default:
			_, err = t.ExecContext(ctx, `INSERT INTO mail_secret (id, password) VALUES (1, ?)
				ON CONFLICT (id) DO UPDATE SET password = excluded.password`, *password)
		}
		return err
	})
	if err != nil {
		return MailSettings{}, err
	}
	return s.MailSettings(ctx)
}

// ReleaseMail writes, if this site was a mail site and another is named
// now, that it sends no more (mail.released), and reports whether it did.
// The sender calls it between batches, never while one is on its way, so
// every sent marker of this site comes before its release in its log.
func (s *Store) ReleaseMail(ctx context.Context) (bool, error) {
	// Read first: the sender asks every few seconds, and an empty write
	// would still wake replication.
	if st, ok, err := s.mailState(ctx, s.db); err != nil || !ok || !st.OwesRelease(s.site) {
		return false, err
	}
	released := false
	err := s.write(ctx, engine.SystemAuthor, func(ctx context.Context, t *tx) error {
		st, ok, err := s.mailState(ctx, t)
		if err != nil || !ok || !st.OwesRelease(s.site) {
			return err
		}
		_, err = t.append(ctx, st.ReleaseMailOp(s.site, s.clock.Now()))
		released = err == nil
		return err
	})
	return released, err
}

// OutboxFilter narrows Outbox: Status one of the Outbox* statuses ("" all),
// at most Limit rows (default 100).
type OutboxFilter struct {
	Status string
	Limit  int
}

// OutboxEntry is one mail with this site's delivery state.
type OutboxEntry struct {
	engine.Mail
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Dropped     string    `json:"dropped,omitempty"`
}

// Outbox lists mails, the latest queued first, for the status screen. An
// unknown status is CodeInvalidField on "status".
func (s *Store) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxEntry, error) {
	cond := map[string]string{
		"":            "1",
		OutboxQueued:  "sent_at IS NULL AND dropped IS NULL AND attempts = 0",
		OutboxFailed:  "sent_at IS NULL AND dropped IS NULL AND attempts > 0",
		OutboxSent:    "sent_at IS NOT NULL",
		OutboxDropped: "sent_at IS NULL AND dropped IS NOT NULL",
	}[f.Status]
	if cond == "" {
		return nil, engine.InvalidRule("status", engine.RuleFormat, "unknown status %q", f.Status)
	}
	if f.Limit < 1 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, appointment, building, queued_at, COALESCE(sent_at, 0),
		COALESCE(sent_by, ''), COALESCE(message_id, ''), attempts, next_attempt, COALESCE(last_error, ''), COALESCE(dropped, '')
		FROM outbox WHERE `+cond+` ORDER BY queued_at DESC, id LIMIT ?`, f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OutboxEntry{}
	for rows.Next() {
		var e OutboxEntry
		var queued, sent, next int64
		if err := rows.Scan(&e.ID, &e.Kind, &e.Appointment, &e.Building, &queued, &sent, &e.SentBy, &e.MessageID,
			&e.Attempts, &next, &e.LastError, &e.Dropped); err != nil {
			return nil, err
		}
		e.QueuedAt, e.SentAt = time.UnixMilli(queued).UTC(), msOrZero(sent)
		e.NextAttempt = msOrZero(next)
		switch {
		case sent != 0:
			e.Status = OutboxSent
		case e.Dropped != "":
			e.Status = OutboxDropped
		case e.Attempts > 0:
			e.Status = OutboxFailed
		default:
			e.Status = OutboxQueued
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func msOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
