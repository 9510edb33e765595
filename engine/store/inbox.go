package store

import (
	"context"
	"encoding/json"
	"strings"

	"pforte/engine"
)

// Inbox returns a building's inbox ("" for every building): open entries
// first, the oldest first, then the resolved ones, the latest resolved
// first.
func (s *Store) Inbox(ctx context.Context, building string) ([]engine.InboxEntry, error) {
	return docs[engine.InboxEntry](ctx, s.db, `SELECT doc FROM inbox WHERE ? = '' OR building = ?
		ORDER BY resolved, CASE WHEN resolved = 0 THEN created_at ELSE -(doc ->> '$.resolved_at_ms') END, id`,
		building, building)
}

// InboxEntry returns one entry; CodeNotFound if none.
func (s *Store) InboxEntry(ctx context.Context, id string) (engine.InboxEntry, error) {
	return inboxEntry(ctx, s.db, id)
}

func inboxEntry(ctx context.Context, q querier, id string) (engine.InboxEntry, error) {
	return doc[engine.InboxEntry](ctx, q, "id", "no inbox entry "+id, `SELECT doc FROM inbox WHERE id = ?`, id)
}

// ResolveInbox marks an entry called, e-mailed or done (engine.InboxActions;
// another action is CodeInvalidField on "action"). An entry already
// resolved stays as it was: a second click changes nothing.
func (s *Store) ResolveInbox(ctx context.Context, author, id, action string) (engine.InboxEntry, error) {
	action = strings.TrimSpace(action)
	now := s.clock.Now()
	op, err := engine.ResolveInbox(id, action, author, now)
	if err != nil {
		return engine.InboxEntry{}, err
	}
	var e engine.InboxEntry
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		cur, err := inboxEntry(ctx, t, id)
		if err != nil {
			return err
		}
		if cur.Resolved {
			e = cur
			return nil
		}
		if _, err := t.append(ctx, op); err != nil {
			return err
		}
		e, err = inboxEntry(ctx, t, id)
		return err
	})
	return e, err
}

// OpenInbox counts a building's open entries ("" for every building).
func (s *Store) OpenInbox(ctx context.Context, building string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox WHERE resolved = 0 AND (? = '' OR building = ?)`,
		building, building).Scan(&n)
	return n, err
}

// inboxRow is the stored form: the entry and its sort keys.
type inboxRow struct {
	engine.InboxEntry
	ResolvedAtMs int64 `json:"resolved_at_ms,omitempty"`
}

// refoldInbox recomputes an inbox entry from its ops.
func (t *tx) refoldInbox(ctx context.Context, id string, ops []engine.Op) error {
	e, ok, err := engine.FoldInbox(id, ops)
	if err != nil {
		return err
	}
	if !ok {
		_, err := t.ExecContext(ctx, `DELETE FROM inbox WHERE id = ?`, id)
		return err
	}
	row := inboxRow{InboxEntry: e}
	if e.Resolved {
		row.ResolvedAtMs = e.ResolvedAt.UnixMilli()
	}
	doc, err := json.Marshal(row)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO inbox (id, building, created_at, resolved, doc) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET building = excluded.building, created_at = excluded.created_at,
		resolved = excluded.resolved, doc = excluded.doc`,
		id, e.Building, e.CreatedAt.UnixMilli(), e.Resolved, doc)
	return err
}
