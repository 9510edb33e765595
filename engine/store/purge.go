package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"pforte/engine"
)

// The retention purge: the personal part of every op whose record expired
// (engine.PersonalRecord.Expired, per building, unless a hold keeps it)
// is erased, and so is every personal field of the folded rows; the op
// keeps its identity, hash and signature. Every site runs the same rule,
// at start (before it syncs) and every night, so every site erases the
// same data without waiting for another. Sync sends and takes ops through
// the same rule (stripExpired), so erased data never comes back.

// privacyState is what stripExpired checks besides the configuration:
// the holds, and the records erased on request.
type privacyState struct {
	holds  []engine.Hold
	erased map[string]bool
}

func (s *Store) loadPrivacy(ctx context.Context) error {
	holds, err := docs[engine.Hold](ctx, s.db, `SELECT doc FROM holds`)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT entity FROM erased`)
	if err != nil {
		return err
	}
	defer rows.Close()
	erased := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		erased[id] = true
	}
	s.privacy.Store(&privacyState{holds: holds, erased: erased})
	return rows.Err()
}

// retentionOf returns the rule of a building (the defaults for one this
// site does not know).
func retentionOf(cat *engine.Catalog, building string) engine.Retention {
	if b, ok := cat.Buildings[building]; ok {
		return b.RetentionOf()
	}
	return engine.DefaultRetention
}

// expired reports whether op's personal part must be gone now: its record
// expired and no hold keeps it, or it was erased on request.
func (s *Store) expired(op engine.Op, now time.Time) bool {
	if len(op.Personal) == 0 {
		return false
	}
	p := s.privacy.Load()
	if p.erased[recordOf(op.Entity)] {
		return true
	}
	rec, ok := engine.PersonalOf(op)
	if !ok || !rec.Expired(retentionOf(s.cat.Load(), rec.Building), now) {
		return false
	}
	for _, h := range p.holds {
		if h.Keeps(rec, now) {
			return false
		}
	}
	return true
}

// recordOf is the record an entity's personal data belongs to: an inbox
// entry ("moved:<appointment>") belongs to its appointment.
func recordOf(entity string) string {
	for _, k := range []string{engine.InboxMoved + ":", engine.InboxUnplaced + ":"} {
		if id, ok := strings.CutPrefix(entity, k); ok {
			return id
		}
	}
	return entity
}

// stripExpired returns op without its personal part if that has expired
// (the hash stays: the op still verifies).
func (s *Store) stripExpired(op engine.Op, now time.Time) engine.Op {
	if s.expired(op, now) {
		op.Personal = nil
	}
	return op
}

// PurgeResult counts the records whose personal data a purge erased, per
// kind (engine.PersonalVisit, ...).
type PurgeResult map[string]int

// purgeChunk bounds the records one purge transaction erases: a booking
// waits for at most one chunk (BenchmarkPurgeYear: well under 50 ms).
const purgeChunk = 50

// purgeObserver, in tests, learns how long each purge transaction took.
var purgeObserver func(time.Duration)

// personalPresent stands for a personal part the purge did not read.
var personalPresent = json.RawMessage(`{}`)

// Purge erases the personal data that expired by now. It works in small
// transactions, so bookings and registrations go on between them, and
// checkpoints the WAL (TRUNCATE) at the end, so no erased byte stays in
// the WAL; secure_delete overwrites the freed space in the database.
func (s *Store) Purge(ctx context.Context) (PurgeResult, error) {
	now := s.clock.Now()
	due, err := s.dueRecords(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("purge: %w", err)
	}
	res := PurgeResult{}
	for i, part := range slices.Collect(slices.Chunk(due, purgeChunk)) {
		keys := make([]entityKey, len(part))
		for j, r := range part {
			keys[j] = entityKey{r.typ, r.id}
		}
		t0 := time.Now()
		if err := s.writeReceived(ctx, func(ctx context.Context, t *tx) error { return t.eraseMany(ctx, keys) }); err != nil {
			return res, fmt.Errorf("purge: %w", err)
		}
		if purgeObserver != nil {
			purgeObserver(time.Since(t0))
		}
		for _, r := range part {
			res[r.kind]++
		}
		// A breath between chunks: a registration waiting for the writer
		// runs on its own, not in one transaction with the next chunk.
		time.Sleep(time.Millisecond)
		if i%20 == 19 {
			// Keep the WAL short: a passive checkpoint never waits for,
			// nor holds up, a writer; the TRUNCATE below then has little
			// left to copy.
			s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
	if len(due) > 0 {
		if err := s.Checkpoint(ctx); err != nil {
			return res, fmt.Errorf("purge: checkpoint: %w", err)
		}
	}
	return res, nil
}

// dueRecord is a record whose personal data the purge erases.
type dueRecord struct{ typ, id, kind string }

// dueRecords lists the records whose personal data expired by now.
func (s *Store) dueRecords(ctx context.Context, now time.Time) ([]dueRecord, error) {
	var due []dueRecord
	seen := map[string]bool{}
	// Only what the rule needs of each op (not its personal part): a
	// year of ops must not sit in memory while desks go on working.
	// The scan runs with a small page cache: read through the usual
	// 32 MiB, a year of ops would fill it, and the next request on that
	// connection after a write would spend 80-100 ms throwing the stale
	// pages away (see Store.writer).
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close() // back to the pool, its cache size restored
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size(-1024)`); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.Background(), `PRAGMA cache_size(-32768)`)
	rows, err := conn.QueryContext(ctx, `SELECT kind, entity, data FROM ops WHERE personal IS NOT NULL AND kind IN (?, ?, ?, ?)`,
		engine.KindVisitRegistered, engine.KindApptBooked, engine.KindInboxAdded, engine.KindAuditRecorded)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var op engine.Op
		if err := rows.Scan(&op.Kind, &op.Entity, &op.Data); err != nil {
			rows.Close()
			return nil, err
		}
		op.Personal = personalPresent
		if !s.expired(op, now) || seen[op.Entity] {
			continue
		}
		seen[op.Entity] = true
		kind := map[string]string{engine.EntityVisit: engine.PersonalVisit, engine.EntityAppointment: engine.PersonalAppointment,
			engine.EntityInbox: engine.PersonalInbox, engine.EntityAudit: engine.PersonalAudit}[engine.EntityType(op.Kind)]
		due = append(due, dueRecord{engine.EntityType(op.Kind), op.Entity, kind})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return due, nil
}

// eraseMany removes the personal part of the entities' ops and re-folds
// them, a few hundred at a time (one UPDATE and one read per type).
func (t *tx) eraseMany(ctx context.Context, keys []entityKey) error {
	byType := map[string][]any{}
	for _, k := range keys {
		byType[k.typ] = append(byType[k.typ], k.id)
	}
	for typ, ids := range byType {
		if _, err := t.ExecContext(ctx, `UPDATE ops SET personal = NULL WHERE entity_type = ? AND personal IS NOT NULL AND entity IN (?`+
			strings.Repeat(", ?", len(ids)-1)+`)`, append([]any{typ}, ids...)...); err != nil {
			return err
		}
	}
	if err := t.forgetMails(ctx, byType[engine.EntityAppointment]); err != nil {
		return err
	}
	return t.refoldMany(ctx, keys)
}

// erase removes the personal part of an entity's ops and re-folds it.
func (t *tx) erase(ctx context.Context, typ, id string) error {
	if _, err := t.ExecContext(ctx, `UPDATE ops SET personal = NULL WHERE entity_type = ? AND entity = ? AND personal IS NOT NULL`,
		typ, id); err != nil {
		return err
	}
	if typ == engine.EntityAppointment {
		if err := t.forgetMails(ctx, []any{id}); err != nil {
			return err
		}
	}
	return t.refold(ctx, typ, id)
}

// refoldPrivacy folds a hold or an erasure request. An erasure erases as
// it is folded: the same in every site, whenever the op arrives.
func (t *tx) refoldPrivacy(ctx context.Context, typ, id string, ops []engine.Op) error {
	t.privacyChanged = true
	switch typ {
	case engine.EntityHold:
		h, ok, err := engine.FoldHold(id, ops)
		if err != nil || !ok {
			return err
		}
		b, err := json.Marshal(h)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, `INSERT INTO holds (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, id, b)
		return err
	case engine.EntityErasure:
		t.erased = true
		for _, op := range ops {
			e, err := engine.DecodeErasure(op)
			if err != nil {
				return err
			}
			for _, record := range e.IDs {
				if _, err := t.ExecContext(ctx, `INSERT INTO erased (entity) VALUES (?) ON CONFLICT DO NOTHING`, record); err != nil {
					return err
				}
				for _, target := range []entityKey{
					{engine.EntityVisit, record}, {engine.EntityAppointment, record},
					{engine.EntityInbox, engine.InboxID(engine.InboxMoved, record)},
					{engine.EntityInbox, engine.InboxID(engine.InboxUnplaced, record)},
				} {
					if err := t.erase(ctx, target.typ, target.id); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return fmt.Errorf("refold: unknown entity type %q", typ)
}

// Holds lists every hold, newest first.
func (s *Store) Holds(ctx context.Context) ([]engine.Hold, error) {
	hs, err := docs[engine.Hold](ctx, s.db, `SELECT doc FROM holds`)
	slices.SortFunc(hs, func(a, b engine.Hold) int { return b.PlacedAt.Compare(a.PlacedAt) })
	return hs, err
}

// PlaceHold writes a hold.
func (s *Store) PlaceHold(ctx context.Context, author string, n engine.NewHold) (engine.Hold, error) {
	now := s.clock.Now()
	n, err := n.Normalize(engine.Day(now))
	if err != nil {
		return engine.Hold{}, err
	}
	if _, ok := s.cat.Load().Buildings[n.Building]; !ok {
		return engine.Hold{}, engine.InvalidRule("building", engine.RuleUnknown, "unknown building %q", n.Building)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return engine.Hold{}, err
	}
	var out engine.Hold
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		if _, err := t.append(ctx, engine.HoldOp(id.String(), n, author, now)); err != nil {
			return err
		}
		out, err = t.hold(ctx, id.String())
		return err
	})
	return out, err
}

// LiftHold lifts a hold: its records are purged by the next purge if their
// retention has passed.
func (s *Store) LiftHold(ctx context.Context, author, id string) (engine.Hold, error) {
	var out engine.Hold
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		h, err := t.hold(ctx, id)
		if err != nil {
			return err
		}
		if h.Lifted {
			return engine.InvalidState("hold_lifted", "hold %s is lifted already", id)
		}
		if _, err := t.append(ctx, engine.LiftHoldOp(id, author, s.clock.Now())); err != nil {
			return err
		}
		out, err = t.hold(ctx, id)
		return err
	})
	return out, err
}

func (t *tx) hold(ctx context.Context, id string) (engine.Hold, error) {
	return docByID[engine.Hold](ctx, t, "holds", "hold", id)
}

// ErasePersonal erases records on request (DSGVO Art. 17) before their
// retention ends: one op that every site applies when it arrives. Unknown
// ids are bad input naming ids: nothing is written.
func (s *Store) ErasePersonal(ctx context.Context, author string, e engine.Erasure) (PurgeResult, error) {
	e, err := e.Normalize()
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	res := PurgeResult{}
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		for _, record := range e.IDs {
			switch {
			case t.found(ctx, "visits", record):
				res[engine.PersonalVisit]++
			case t.found(ctx, "appointments", record):
				res[engine.PersonalAppointment]++
			default:
				return engine.InvalidRule("ids", engine.RuleUnknown, "no visit or appointment %q", record)
			}
		}
		_, err := t.append(ctx, engine.ErasureOp(id.String(), e))
		return err
	})
	return res, err
}

func (t *tx) found(ctx context.Context, table, id string) bool {
	ok, err := t.exists(ctx, table, id)
	return err == nil && ok
}

// Vacuum rebuilds the database file without its free pages. The purge does
// not need it (secure_delete overwrites what it frees); it gives the space
// back to the file system, for an admin who wants the file smaller.
// In WAL mode the rebuilt file goes through the WAL first: the TRUNCATE
// checkpoint after it leaves the file alone.
func (s *Store) Vacuum(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if _, err := s.writer.ExecContext(ctx, `VACUUM`); err != nil {
		return err
	}
	return s.checkpointLocked(ctx)
}
