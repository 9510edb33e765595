package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"pforte/engine"
)

// demoOrigin is the origin of the demo seed: the same ops on every site,
// unsigned, never replicated.
const demoOrigin = "demo"

// OpsAfter returns up to limit ops of origin with seq > after, in seq
// order, complete with personal hash and signature: what a peer that holds
// origin's ops up to after is missing. A limit below 1 is CodeInvalidField
// on field "limit".
func (s *Store) OpsAfter(ctx context.Context, origin string, after uint64, limit int) ([]engine.Op, error) {
	if limit < 1 {
		return nil, engine.Invalid("limit", "want at least 1 op, got limit %d", limit)
	}
	if after > math.MaxInt64 {
		return nil, nil // no seq is that high: SQLite integers are signed
	}
	st, err := s.prepared(ctx, opsAfterQuery)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, origin, int64(after), limit)
	if err != nil {
		return nil, fmt.Errorf("ops of %s after %d: %w", origin, after, err)
	}
	ops, err := scanOps(rows)
	if err != nil {
		return nil, err
	}
	// Never send what the purge would erase, even before it ran here.
	now := s.clock.Now()
	for i := range ops {
		ops[i] = s.stripExpired(ops[i], now)
	}
	return ops, nil
}

// opsAfterQuery reads a range of the primary key (origin, seq): no sort,
// no scan, however many ops the store holds.
const opsAfterQuery = `SELECT ` + opColumns + ` FROM ops WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?`

// Rejection reasons of ApplyRemote.
const (
	reasonNotReplicated = "demo ops are not replicated"
	reasonUnknownKey    = "unknown site key"
	reasonRevoked       = "origin revoked after seq"
	reasonConflict      = "conflicts with held op"
	reasonAhead         = "stamped too far ahead of this site's clock, taken later"
	reasonWaits         = "waits for"
)

// ApplyRemote stores ops received from a peer, in one transaction, and
// re-folds the entities they touch (each once). Each op is checked on its
// own, in the order given:
//
//   - the demo seed's ops are never taken from a peer (every site seeds
//     them itself); this site's own ops are, after a restore from a
//     backup (restore.go), checked with its own key like any other;
//   - a malformed op (no origin, kind or entity, seq 0, a kind this
//     version does not know, a payload that does not decode) is refused;
//   - the signature must verify with the origin's key (LearnSiteKeys);
//   - an op of a seq already held is skipped when it is the held op (same
//     signature), else refused: a replay or a forgery;
//   - only the next seq of an origin is stored, so seqs stay gap-free; an
//     op after a gap is refused ("gap: have N") and the sender resends
//     from the receiver's Vector;
//   - an op stamped more than engine.MaxClockAhead ahead of this site's
//     clock is refused for now (its Rejection says how far ahead), neither
//     stored nor observed, and so is every later op of its origin in the
//     batch: its origin's later ops cannot be taken past it. Taken, it
//     would move this site's HLC, and every op it writes after, as far
//     ahead. The sender offers it again in later sessions, and once this
//     site's clock is within the bound it is taken like any other.
//
// Such ops are refused, not parked until the clock reaches them: parked
// ops would be a second store beside the log, outside the version vector
// (held means "in the log", gap-free), with their own retention purge for
// the personal data they carry, and would hold back their origin's later
// ops just the same. Refusing costs the op sent again, one op per session
// (sync asks no more of its origin while the peer refuses it).
//
// Refused ops are listed in the result and change nothing; they never fail
// the batch. An error means the transaction failed and nothing was stored.
func (s *Store) ApplyRemote(ctx context.Context, ops []engine.Op) (engine.ApplyResult, error) {
	if len(ops) == 0 {
		return engine.ApplyResult{}, nil
	}
	keys, err := s.SiteKeys(ctx)
	if err != nil {
		return engine.ApplyResult{}, fmt.Errorf("apply remote: %w", err)
	}
	// An op this site already holds needs no signature check: it is a
	// duplicate if it equals the held one and a conflict if not. After a
	// partition both sides often send the same backlog at once.
	held, err := s.heldSeqs(ctx, ops)
	if err != nil {
		return engine.ApplyResult{}, fmt.Errorf("apply remote: %w", err)
	}
	// Checking a signature costs twice as much as storing the op: check
	// on the other cores while the transaction stores what is checked.
	checked := s.checkRemote(ops, keys, held)
	defer checked.abandon()

	var res engine.ApplyResult
	err = s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
		res = engine.ApplyResult{}
		held := map[string]uint64{} // per origin, the highest seq held, read in the transaction
		// per origin, its op refused for now (stamped ahead, see above)
		waiting := map[string]engine.Rejection{}
		// Every entity the batch touched is re-folded once, at the end,
		// its ops read with those of the others (refoldMany).
		touched := map[entityKey]bool{}
		var order []entityKey
		authority := false
		cut := s.trust.Load().revokedCut()
		for i, op := range ops {
			reason := checked.reason(i)
			if last, ok := cut[op.Origin]; ok && op.Seq > last && reason == "" {
				reason = fmt.Sprintf("%s %d", reasonRevoked, last)
			}
			applied, err := t.applyRemote(ctx, op, reason, checked.unverified[i], keys, held, waiting, &res)
			if err != nil {
				return err
			}
			if k := (entityKey{engine.EntityType(op.Kind), op.Entity}); applied && !touched[k] {
				touched[k] = true
				order = append(order, k)
			}
			authority = authority || (applied && engine.AuthorityKind(op.Kind))
			if applied {
				// Held to the rules of local input: kept (the chain stays
				// whole), never folded, shown on the Standorte screen.
				if err := engine.CheckOp(op); err != nil {
					k := entityKey{engine.EntityType(op.Kind), op.Entity}
					if err := t.refuse(ctx, engine.OpRef{Origin: op.Origin, Seq: op.Seq}, k, invalidPrefix+err.Error()); err != nil {
						return err
					}
				}
			}
		}
		if authority {
			var err error
			if order, err = t.reauthorizeInto(ctx, touched, order); err != nil {
				return err
			}
		}
		if err := t.refoldMany(ctx, order); err != nil {
			return err
		}
		return t.settleUnshown(ctx)
	})
	if err != nil {
		return engine.ApplyResult{}, fmt.Errorf("apply remote: %w", err)
	}
	return res, nil
}

// applyRemote stores one op of ApplyRemote if it is the next of its origin
// and reports whether it did; reason is why the checks without database
// refused it, or "". held is the highest seq held per origin, waiting the
// op of an origin the batch refused for now, res what the batch did so
// far.
func (t *tx) applyRemote(ctx context.Context, op engine.Op, reason string, unverified bool,
	keys map[string]ed25519.PublicKey, held map[string]uint64, waiting map[string]engine.Rejection,
	res *engine.ApplyResult) (bool, error) {
	reject := func(reason string) {
		res.Rejected = append(res.Rejected, engine.Rejection{Origin: op.Origin, Seq: op.Seq, Reason: reason})
	}
	if reason != "" {
		reject(reason)
		return false, nil
	}
	if w, ok := waiting[op.Origin]; ok && op.Seq > w.Seq {
		res.Rejected = append(res.Rejected, engine.Rejection{Origin: op.Origin, Seq: op.Seq,
			Reason: fmt.Sprintf("%s %s/%d", reasonWaits, w.Origin, w.Seq), Ahead: w.Ahead})
		return false, nil
	}
	h, ok := held[op.Origin]
	if !ok {
		if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM ops WHERE origin = ?`,
			op.Origin).Scan(&h); err != nil {
			return false, fmt.Errorf("held seq of %s: %w", op.Origin, err)
		}
		held[op.Origin] = h
	}
	switch {
	case op.Seq > h+1:
		reject(fmt.Sprintf("gap: have %d", h))
		return false, nil
	case op.Seq <= h:
		var sig []byte
		err := t.QueryRowContext(ctx, `SELECT sig FROM ops WHERE origin = ? AND seq = ?`, op.Origin, op.Seq).Scan(&sig)
		switch {
		case err == nil && bytes.Equal(sig, op.Sig):
			res.Skipped++
			return false, nil
		case err == nil:
			reject(reasonConflict)
			return false, nil
		case !errors.Is(err, sql.ErrNoRows):
			return false, fmt.Errorf("held op %s/%d: %w", op.Origin, op.Seq, err)
		}
		// A hole below the highest seq: only Apply (which trusts its
		// caller) leaves one. Fill it with the op, once it verifies.
	}
	if unverified {
		if err := engine.Verify(op, keys[op.Origin]); err != nil {
			reject(err.Error())
			return false, nil
		}
	}
	if ahead := op.HLC.Ahead(t.s.clock.Now()); ahead > engine.MaxClockAhead {
		// Refused for now, not parked (see ApplyRemote).
		r := engine.Rejection{Origin: op.Origin, Seq: op.Seq, Ahead: ahead,
			Reason: fmt.Sprintf("%s (%v)", reasonAhead, ahead.Round(time.Second))}
		res.Rejected = append(res.Rejected, r)
		waiting[op.Origin] = r
		return false, nil
	}
	// Personal data past its retention (or erased on request) is not
	// taken back: stored without it, as if purged here.
	op = t.s.stripExpired(op, t.s.clock.Now())
	if _, err := insertOp(ctx, t, op); err != nil {
		return false, err
	}
	res.Applied++
	t.store(op)
	t.s.hlc.Observe(op.HLC)
	held[op.Origin] = max(h, op.Seq)
	if op.Origin == t.s.site && op.Seq > t.seq {
		// Our own op, back from a peer: the next one we write follows it.
		t.seq, t.link = op.Seq, link{op.Seq, op.Hash()}
	}
	return true, nil
}

// checks are the checks of ApplyRemote that need no database, done in
// chunks of checkChunk ops, in order, by background checkers and by the
// writer itself when it would otherwise wait for them.
//
// A run of one origin's consecutive ops whose Prev links hold (see
// engine.Op.Precedes) needs one signature check, its last op's: an op
// whose successor is authentic and links to it is authentic too. The
// checkers check the rest of such an op (origin, shape, key, personal
// hash) and leave its signature to reason, which takes it from the
// run's end, or verifies the op itself where the run breaks.
type checks struct {
	ops     []engine.Op
	keys    map[string]ed25519.PublicKey
	s       *Store
	reasons []string // per op, why it is refused, or ""
	// per op: held before the batch, so its signature was not checked
	// (see ApplyRemote)
	unverified []bool
	// per op: links to the next op in the batch, so its signature is the
	// next op's to prove; cleared once reason has settled it
	linked []bool
	held   map[string]uint64
	done   []chan struct{} // per chunk, closed once its reasons are set
	next   atomic.Int64    // the next chunk to check
	stop   atomic.Bool
}

const checkChunk = 32

// checkRemote starts checking ops on all cores but one: that one is the
// writer's, which helps (see reason). Leaving it free matters: a checker
// that never blocks would keep a woken writer waiting for its core.
func (s *Store) checkRemote(ops []engine.Op, keys map[string]ed25519.PublicKey, held map[string]uint64) *checks {
	chunks := (len(ops) + checkChunk - 1) / checkChunk
	c := &checks{ops: ops, keys: keys, s: s, reasons: make([]string, len(ops)), done: make([]chan struct{}, chunks),
		unverified: make([]bool, len(ops)), held: held}
	for i := range c.done {
		c.done[i] = make(chan struct{})
	}
	c.linked = engine.Linked(ops)
	for i := 0; i+1 < len(ops); i++ {
		// A held successor is not verified (see checkNext): it proves
		// nothing.
		c.linked[i] = c.linked[i] && !c.isHeld(ops[i+1])
	}
	for range min(runtime.GOMAXPROCS(0)-1, chunks) {
		go func() {
			for !c.stop.Load() && c.checkNext() {
			}
		}()
	}
	return c
}

// isHeld reports whether op's seq was held before the batch (and op is
// not one that is refused whatever is held).
func (c *checks) isHeld(op engine.Op) bool {
	return op.Seq <= c.held[op.Origin] && op.Origin != c.s.site && op.Origin != demoOrigin
}

// checkNext checks the next chunk nobody took yet; false if none is left.
func (c *checks) checkNext() bool {
	k := int(c.next.Add(1)) - 1
	if k >= len(c.done) {
		return false
	}
	for i := k * checkChunk; i < min((k+1)*checkChunk, len(c.ops)); i++ {
		op := c.ops[i]
		if c.isHeld(op) {
			if err := wellFormed(op); err != nil {
				c.reasons[i] = "malformed: " + err.Error()
			}
			c.unverified[i] = true
			continue
		}
		c.reasons[i] = c.s.checkOp(op, c.keys, !c.linked[i])
	}
	close(c.done[k])
	return true
}

// reason returns why op i is refused, or "", once it is checked; until
// then it checks further chunks itself. Only the writer calls it.
func (c *checks) reason(i int) string {
	if !c.linked[i] {
		return c.checked(i)
	}
	// Op i links to its successor: find the end of the run, then settle
	// the run back to i. An op is proven by a successor that is
	// authentic; where that fails, it is verified on its own.
	end := i
	for c.linked[end] {
		end++
	}
	proven := c.checked(end) == ""
	for j := end - 1; j >= i; j-- {
		r := c.checked(j)
		if r == "" && !proven {
			r = c.s.checkOp(c.ops[j], c.keys, true)
		}
		c.reasons[j], c.linked[j] = r, false
		proven = r == ""
	}
	return c.reasons[i]
}

// checked returns reasons[i] once op i's chunk is checked.
func (c *checks) checked(i int) string {
	done := c.done[i/checkChunk]
	for {
		select {
		case <-done:
			return c.reasons[i]
		default:
		}
		if !c.checkNext() {
			<-done // the last chunks are being checked
			return c.reasons[i]
		}
	}
}

// abandon lets the checkers stop early once nobody waits for them.
func (c *checks) abandon() { c.stop.Store(true) }

// checkOp returns why a remote op is refused before looking at what is
// held, or "". Its signature is checked if verify is set; its personal
// data is checked against its hash either way.
func (s *Store) checkOp(op engine.Op, keys map[string]ed25519.PublicKey, verify bool) string {
	if op.Origin == demoOrigin {
		return reasonNotReplicated
	}
	if err := wellFormed(op); err != nil {
		return "malformed: " + err.Error()
	}
	pub, ok := keys[op.Origin]
	if !ok {
		return reasonUnknownKey
	}
	if !verify {
		if err := engine.CheckPersonal(op); err != nil {
			return err.Error()
		}
		return ""
	}
	if err := engine.Verify(op, pub); err != nil {
		return err.Error()
	}
	return ""
}

// knownKinds are the op kinds this version folds.
var knownKinds = map[string]bool{
	engine.KindBuildingDefined: true, engine.KindServiceDefined: true, engine.KindStaffDefined: true,
	engine.KindCounterDefined: true, engine.KindRoomDefined: true,
	engine.KindVisitRegistered: true, engine.KindVisitPickedUp: true, engine.KindVisitLeft: true,
	engine.KindApptBooked: true, engine.KindApptCancelled: true, engine.KindApptCheckedIn: true,
	engine.KindApptCalled: true, engine.KindApptServed: true, engine.KindApptNoShow: true, engine.KindApptConfirmed: true,
	engine.KindTokensTransferred: true, engine.KindInboxAdded: true, engine.KindInboxResolved: true,
	engine.KindAccountDefined: true, engine.KindAccountPassword: true, engine.KindAccountPIN: true,
	engine.KindDeviceAdded: true, engine.KindDevicePaired: true, engine.KindDeviceRevoked: true,
	engine.KindAuditRecorded: true, engine.KindHoldPlaced: true, engine.KindHoldLifted: true,
	engine.KindPersonalErased: true, engine.KindSiteEnrolled: true, engine.KindSiteRevoked: true,
	engine.KindMailQueued: true, engine.KindMailSent: true, engine.KindMailConfigured: true, engine.KindMailReleased: true,
}

// wellFormed checks that an op can be stored and folded. A remote op that
// cannot be folded must be refused here: stored, it would fail every
// transaction that re-folds its entity, and a configuration payload that
// does not decode would stop the store from opening.
func wellFormed(op engine.Op) error {
	switch {
	case op.Origin == "":
		return errors.New("no origin")
	case op.Seq == 0:
		return errors.New("seq 0")
	case op.Seq > math.MaxInt64 || op.HLC > math.MaxInt64:
		return errors.New("seq or hlc out of range") // SQLite integers are signed
	case op.Kind == "":
		return errors.New("no kind")
	case op.Entity == "":
		return errors.New("no entity")
	case len(op.Data) > 0 && !json.Valid(op.Data):
		return errors.New("data is not JSON")
	case len(op.Personal) > 0 && !json.Valid(op.Personal):
		return errors.New("personal data is not JSON")
	}
	typ := engine.EntityType(op.Kind)
	if _, config := configTables[typ]; !config && typ != engine.EntityVisit && typ != engine.EntityAppointment &&
		typ != engine.EntityTokens && typ != engine.EntityInbox && typ != engine.EntityAccount &&
		typ != engine.EntityDevice && typ != engine.EntityAudit && typ != engine.EntityHold && typ != engine.EntityErasure &&
		typ != engine.EntitySite && typ != engine.EntityMail {
		return fmt.Errorf("unknown entity type %q", typ)
	}
	if !knownKinds[op.Kind] {
		return fmt.Errorf("unknown kind %q", op.Kind)
	}
	var err error
	switch typ {
	case engine.EntityVisit:
		_, _, err = engine.FoldVisit(op.Entity, []engine.Op{op})
	case engine.EntityAppointment:
		// An appointment folds its later ops only after a booking: put a
		// booking before the op so that its payload is decoded.
		booked := engine.Op{Kind: engine.KindApptBooked, Data: json.RawMessage(`{}`)}
		_, _, err = engine.FoldAppointment(op.Entity, []engine.Op{booked, op})
	case engine.EntityTokens:
		_, err = engine.DecodeTransfer(op)
	case engine.EntityInbox:
		err = engine.DecodeInboxOp(op)
	case engine.EntityAccount:
		_, _, err = engine.FoldAccount(op.Entity, []engine.Op{op})
	case engine.EntityDevice:
		_, _, err = engine.FoldDevice(op.Entity, []engine.Op{op})
	case engine.EntityAudit:
		_, _, err = engine.FoldAudit(op.Entity, []engine.Op{op})
	case engine.EntityHold:
		_, _, err = engine.FoldHold(op.Entity, []engine.Op{op})
	case engine.EntityErasure:
		_, err = engine.DecodeErasure(op)
	case engine.EntitySite:
		_, _, err = engine.FoldSite(op.Entity, []engine.Op{op})
	case engine.EntityMail:
		err = engine.DecodeMailOp(op)
	case engine.EntityBuilding:
		err = decodes[engine.Building](op.Data)
	case engine.EntityService:
		err = decodes[engine.Service](op.Data)
	case engine.EntityStaff:
		err = decodes[engine.Staff](op.Data)
	case engine.EntityCounter:
		err = decodes[engine.Counter](op.Data)
	case engine.EntityRoom:
		err = decodes[engine.Room](op.Data)
	}
	if err != nil {
		return fmt.Errorf("%s does not fold: %w", op.Kind, err)
	}
	return nil
}

// decodes checks that a configuration payload decodes as a T.
func decodes[T any](data []byte) error {
	if len(data) == 0 {
		return errors.New("no data")
	}
	var v T
	return json.Unmarshal(data, &v)
}

// heldSeqs returns, for each origin in ops, the highest seq held now.
func (s *Store) heldSeqs(ctx context.Context, ops []engine.Op) (map[string]uint64, error) {
	held := map[string]uint64{}
	for _, op := range ops {
		if _, ok := held[op.Origin]; ok {
			continue
		}
		var h uint64
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM ops WHERE origin = ?`, op.Origin).Scan(&h); err != nil {
			return nil, err
		}
		held[op.Origin] = h
	}
	return held, nil
}
