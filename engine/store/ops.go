package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"pforte/engine"
)

// tx is one write transaction: the ops it appends and the entities it
// re-folds commit together or not at all.
type tx struct {
	s      *Store
	sql    *sql.Tx
	author string
	// effects: what the in-memory views learn once the transaction's
	// savepoint is released (write.go applies and reverts them in one
	// place).
	effects
	seq  uint64 // the last seq this site wrote, including this transaction's ops
	link link   // the hash of one of this site's ops, for chaining the next
	// stored is, per origin, the highest seq this transaction stored
	stored map[string]uint64
	// batchStored: what the batch's earlier transactions stored (they
	// commit together)
	batchStored map[string]uint64
	// pended: appointments this transaction found not yet showable
	pended map[string]bool
}

// store records that the transaction stored op, for the vector.
func (t *tx) store(op engine.Op) {
	if t.stored == nil {
		t.stored = map[string]uint64{}
	}
	t.stored[op.Origin] = max(t.stored[op.Origin], op.Seq)
}

// link is the hash of this site's op seq: the Prev of op seq+1.
type link struct {
	seq  uint64
	hash []byte
}

// execer is what a write transaction offers for statements without rows.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// append stamps a local op (origin, next seq, HLC, author), signs it with
// the site's key, stores it and re-folds its entity.
func (t *tx) append(ctx context.Context, op engine.Op) (engine.Op, error) {
	if t.seq == 0 {
		t.seq = t.s.seq
	}
	if err := t.checkOwnFloor(t.seq + 1); err != nil {
		return op, err
	}
	prev, err := t.prevHash(ctx)
	if err != nil {
		return op, err
	}
	op.Origin, op.Seq, op.HLC, op.Author, op.Prev = t.s.site, t.seq+1, t.s.hlc.Now(), t.author, prev
	op = engine.Sign(op, t.s.key)
	if _, err := insertOp(ctx, t, op); err != nil {
		return op, err
	}
	t.seq, t.link = op.Seq, link{op.Seq, op.Hash()}
	t.store(op)
	if engine.AuthorityKind(op.Kind) {
		changed, err := t.reauthorize(ctx)
		if err != nil {
			return op, err
		}
		if err := t.refoldMany(ctx, changed); err != nil {
			return op, err
		}
	}
	return op, t.refold(ctx, engine.EntityType(op.Kind), op.Entity)
}

// prevHash returns the hash of this site's op t.seq (nil before the
// first), from the last append if it was that op, else from the log.
func (t *tx) prevHash(ctx context.Context) ([]byte, error) {
	if t.seq == 0 {
		return nil, nil
	}
	if t.link.seq == t.seq {
		return t.link.hash, nil
	}
	rows, err := t.QueryContext(ctx, `SELECT `+opColumns+` FROM ops WHERE origin = ? AND seq = ?`, t.s.site, t.seq)
	if err != nil {
		return nil, err
	}
	ops, err := scanOps(rows)
	if err != nil {
		return nil, fmt.Errorf("op %s/%d to chain to: %w", t.s.site, t.seq, err)
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("op %s/%d to chain to: missing", t.s.site, t.seq)
	}
	return ops[0].Hash(), nil
}

// Apply stores ops that were stamped elsewhere (the demo seed, tests) as
// they are, signed or not, and re-folds the entities they touch. An op
// already held is skipped, so applying the same ops again changes nothing.
// It returns how many ops were new. Apply trusts its caller: ops from
// other sites come through ApplyRemote, which checks them.
func (s *Store) Apply(ctx context.Context, ops []engine.Op) (int, error) {
	applied := 0
	err := s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
		touched := map[entityKey]bool{}
		var order []entityKey
		authority := false
		for _, op := range ops {
			if op.Origin == "" || op.Seq == 0 {
				return engine.Invalid("op", "op without origin or seq")
			}
			inserted, err := insertOp(ctx, t, op)
			if err != nil {
				return err
			}
			if !inserted {
				continue
			}
			applied++
			t.store(op)
			s.hlc.Observe(op.HLC)
			authority = authority || engine.AuthorityKind(op.Kind)
			if op.Origin == s.site && op.Seq > max(t.seq, s.seq) {
				t.seq = op.Seq // our own ops, back from a peer or a backup
			}
			k := entityKey{engine.EntityType(op.Kind), op.Entity}
			if !touched[k] {
				touched[k] = true
				order = append(order, k)
			}
		}
		if authority {
			var err error
			if order, err = t.reauthorizeInto(ctx, touched, order); err != nil {
				return err
			}
		}
		for _, k := range order {
			if err := t.refold(ctx, k.typ, k.id); err != nil {
				return err
			}
		}
		return t.settleUnshown(ctx)
	})
	return applied, err
}

func insertOp(ctx context.Context, q execer, op engine.Op) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO ops (origin, seq, hlc, author, kind, entity_type, entity, data, personal,
		personal_hash, sig, prev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (origin, seq) DO NOTHING`,
		op.Origin, op.Seq, int64(op.HLC), op.Author, op.Kind, engine.EntityType(op.Kind), op.Entity,
		nullable(op.Data), nullable(op.Personal), nullable(op.PersonalHash), nullable(op.Sig), nullable(op.Prev))
	if err != nil {
		return false, fmt.Errorf("insert op %s/%d: %w", op.Origin, op.Seq, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// nullable stores an empty payload, hash or signature as NULL.
func nullable(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return []byte(b)
}

// entityOps loads every op of one entity.
func entityOps(ctx context.Context, q querier, typ, id string) ([]engine.Op, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+opColumns+` FROM ops WHERE entity_type = ? AND entity = ?`, typ, id)
	if err != nil {
		return nil, err
	}
	return scanOps(rows)
}

// refold recomputes one entity's row from all of its ops. Because the row
// is always the fold of the full op set, an op that arrives late or twice
// yields the same row as one that arrived in order.
func (t *tx) refold(ctx context.Context, typ, id string) error {
	ops, err := entityOps(ctx, t, typ, id)
	if err != nil {
		return err
	}
	return t.refoldOps(ctx, typ, id, ops)
}

// entityKey names an entity: its type and id.
type entityKey struct{ typ, id string }

// refoldMany re-folds entities, reading their ops with one query per type
// and few hundred entities rather than one each: what a received batch
// touches.
func (t *tx) refoldMany(ctx context.Context, keys []entityKey) error {
	const chunk = 400
	byType := map[string][]string{}
	for _, k := range keys {
		byType[k.typ] = append(byType[k.typ], k.id)
	}
	ops := map[entityKey][]engine.Op{}
	for typ, ids := range byType {
		for part := range slices.Chunk(ids, chunk) {
			args := make([]any, 0, len(part)+1)
			args = append(args, typ)
			for _, id := range part {
				args = append(args, id)
			}
			rows, err := t.QueryContext(ctx, `SELECT `+opColumns+` FROM ops WHERE entity_type = ? AND entity IN (?`+
				strings.Repeat(", ?", len(part)-1)+`)`, args...)
			if err != nil {
				return err
			}
			got, err := scanOps(rows)
			if err != nil {
				return err
			}
			for _, op := range got {
				k := entityKey{typ, op.Entity}
				ops[k] = append(ops[k], op)
			}
		}
	}
	for _, k := range keys {
		if err := t.refoldOps(ctx, k.typ, k.id, ops[k]); err != nil {
			return err
		}
	}
	return nil
}

// refoldOps recomputes one entity's row from all of its ops.
func (t *tx) refoldOps(ctx context.Context, typ, id string, ops []engine.Op) error {
	q := t
	ops = t.counted(typ, id, ops)
	switch typ {
	case engine.EntitySite:
		return t.refoldSite(ctx, id, ops)
	case engine.EntityVisit:
		v, ok, err := engine.FoldVisit(id, ops)
		if err != nil {
			return err
		}
		if !ok {
			_, err := q.ExecContext(ctx, `DELETE FROM visits WHERE id = ?`, id)
			return err
		}
		doc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `INSERT INTO visits (id, building, day, arrived_at, present, doc) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET building = excluded.building, day = excluded.day,
			arrived_at = excluded.arrived_at, present = excluded.present, doc = excluded.doc`,
			id, v.Building, engine.Day(v.ArrivedAt), v.ArrivedAt.UnixMilli(), v.Present(), doc)
		return err
	case engine.EntityTokens:
		return t.refoldTokens(ctx, id, ops)
	case engine.EntityInbox:
		return t.refoldInbox(ctx, id, ops)
	case engine.EntityMail:
		return t.refoldMail(ctx, id, ops)
	case engine.EntityAppointment:
		a, ok, err := engine.FoldAppointment(id, ops)
		if err != nil {
			return err
		}
		if ok && !t.holds(a.Deps) {
			// Not yet: this site lacks what the booker had seen.
			t.s.unshown.add(id, a.Deps)
			if t.pended == nil {
				t.pended = map[string]bool{}
			}
			t.pended[id] = true
			return nil
		}
		if !ok {
			t.removed = append(t.removed, id)
			_, err := q.ExecContext(ctx, `DELETE FROM appointments WHERE id = ?`, id)
			return err
		}
		doc, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if t.appointments == nil {
			t.appointments = map[string]engine.Appointment{}
		}
		t.appointments[id] = a
		_, err = q.ExecContext(ctx, `INSERT INTO appointments (id, building, day, start, status, code, birth_date, called_at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET building = excluded.building, day = excluded.day, start = excluded.start,
			status = excluded.status, code = excluded.code, birth_date = excluded.birth_date,
			called_at = excluded.called_at, doc = excluded.doc`,
			id, a.Building, engine.Day(a.Start), a.Start.UnixMilli(), a.Status, a.Code, a.Citizen.BirthDate,
			unixMilliOrZero(a.CalledAt), doc)
		return err
	case engine.EntityAccount, engine.EntityDevice, engine.EntityAudit:
		return t.refoldPrincipal(ctx, typ, id, ops)
	case engine.EntityHold, engine.EntityErasure:
		return t.refoldPrivacy(ctx, typ, id, ops)
	case engine.EntityBuilding, engine.EntityService, engine.EntityStaff, engine.EntityCounter, engine.EntityRoom:
		t.configChanged = true
		table := configTables[typ]
		doc, ok := engine.FoldDefinition(ops)
		if !ok {
			_, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
			return err
		}
		if typ == engine.EntityBuilding || typ == engine.EntityService {
			_, err := q.ExecContext(ctx, `INSERT INTO `+table+` (id, doc) VALUES (?, ?)
				ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, id, []byte(doc))
			return err
		}
		// Staff, counters and rooms are looked up by building.
		var ref struct {
			Building string `json:"building"`
		}
		if err := json.Unmarshal(doc, &ref); err != nil {
			return fmt.Errorf("%s %s: %w", typ, id, err)
		}
		_, err := q.ExecContext(ctx, `INSERT INTO `+table+` (id, building, doc) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET building = excluded.building, doc = excluded.doc`, id, ref.Building, []byte(doc))
		return err
	}
	return fmt.Errorf("refold: unknown entity type %q", typ)
}

// configTables maps configuration entity types to their tables.
var configTables = map[string]string{
	engine.EntityBuilding: "buildings",
	engine.EntityService:  "services",
	engine.EntityStaff:    "staff",
	engine.EntityCounter:  "counters",
	engine.EntityRoom:     "rooms",
}

func unixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Ops returns every op, in (origin, seq) order, for tests and tools; sync
// reads one origin at a time with OpsAfter.
func (s *Store) Ops(ctx context.Context) ([]engine.Op, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+opColumns+` FROM ops ORDER BY origin, seq`)
	if err != nil {
		return nil, err
	}
	return scanOps(rows)
}

// opColumns are the columns scanOps reads, in its order.
const opColumns = `origin, seq, hlc, author, kind, entity, data, personal, personal_hash, sig, prev`

func scanOps(rows *sql.Rows) ([]engine.Op, error) {
	defer rows.Close()
	var ops []engine.Op
	for rows.Next() {
		var op engine.Op
		var hlc int64
		var data, personal []byte
		if err := rows.Scan(&op.Origin, &op.Seq, &hlc, &op.Author, &op.Kind, &op.Entity, &data, &personal,
			&op.PersonalHash, &op.Sig, &op.Prev); err != nil {
			return nil, err
		}
		op.HLC, op.Data, op.Personal = engine.HLC(hlc), data, personal
		ops = append(ops, op)
	}
	return ops, rows.Err()
}

func notFound(err error, field, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return engine.NotFound(field, "%s", what)
	}
	return err
}
