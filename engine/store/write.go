package store

import (
	"context"
	"fmt"
	"maps"

	"pforte/engine"
)

// job is one caller's write, waiting to run in the next transaction.
type job struct {
	ctx    context.Context
	author string
	fn     func(ctx context.Context, t *tx) error
	err    error
	done   chan struct{}
}

// maxBatch bounds how many writes share one transaction.
const maxBatch = 64

// write runs fn as one all-or-nothing unit and returns once it is durable.
// Every public method that changes state goes through here.
//
// Group commit: writes that arrive while another transaction is being
// written wait, and the next writer to take the lock runs all of them in
// one SQLite transaction, each inside its own savepoint, and syncs once. A
// write that fails rolls back to its savepoint and leaves the others alone.
// Writes run one after the other, and the in-memory indexes (occupancy,
// configuration) learn each write before the next one runs, so a booking
// always decides on everything written before it: of two clerks booking the
// last place, exactly one wins. Nobody is told "done" before the commit.
func (s *Store) write(ctx context.Context, author string, fn func(ctx context.Context, t *tx) error) error {
	if err := s.awaitOwn(ctx); err != nil {
		return err
	}
	return s.enqueue(ctx, author, fn)
}

// writeReceived is write for what other sites wrote (received ops, their
// keys, what they make visible): it never waits for the site's own ops
// (awaitOwn), since it is how they come back.
func (s *Store) writeReceived(ctx context.Context, fn func(ctx context.Context, t *tx) error) error {
	return s.enqueue(ctx, "", fn)
}

func (s *Store) enqueue(ctx context.Context, author string, fn func(ctx context.Context, t *tx) error) error {
	j := &job{ctx: ctx, author: author, fn: fn, done: make(chan struct{})}
	s.pendingMu.Lock()
	s.pending = append(s.pending, j)
	s.pendingMu.Unlock()

	s.writeMu.Lock()
	select {
	case <-j.done: // an earlier writer ran it
	default:
		s.pendingMu.Lock()
		n := min(len(s.pending), maxBatch)
		batch := s.pending[:n:n]
		s.pending = append([]*job(nil), s.pending[n:]...)
		s.pendingMu.Unlock()
		s.runBatch(batch)
	}
	s.writeMu.Unlock()
	<-j.done
	return j.err
}

// runBatch runs jobs in one transaction. The caller holds writeMu.
func (s *Store) runBatch(batch []*job) {
	finish := func(jobs []*job, err error) {
		for _, j := range jobs {
			if err != nil && j.err == nil {
				j.err = err
			}
			close(j.done)
		}
	}
	// The transaction must not die with one caller's context: an
	// interrupted statement would roll back everybody's writes.
	sqlTx, err := s.writer.BeginTx(context.Background(), nil)
	if err != nil {
		finish(batch, fmt.Errorf("begin: %w", err))
		return
	}
	defer sqlTx.Rollback()

	var ran []*job     // jobs that wrote and wait for the commit
	var learnt effects // what the in-memory views learnt before the commit
	seq, chain := s.seq, s.link
	stored := map[string]uint64{} // per origin, the highest seq the batch stored
	for i, j := range batch {
		if learnt.configChanged {
			// The configuration snapshot is read back after the commit:
			// later writes must wait for it. Put them back in line.
			s.pendingMu.Lock()
			s.pending = append(append([]*job(nil), batch[i:]...), s.pending...)
			s.pendingMu.Unlock()
			break
		}
		if err := j.ctx.Err(); err != nil {
			j.err = err
			close(j.done)
			continue
		}
		sp := fmt.Sprintf("w%d", i)
		if _, err := sqlTx.Exec("SAVEPOINT " + sp); err != nil {
			j.err = err
			close(j.done)
			continue
		}
		t := &tx{s: s, sql: sqlTx, author: j.author, seq: seq, link: chain, batchStored: stored}
		if err := j.fn(context.WithoutCancel(j.ctx), t); err != nil {
			if _, rerr := sqlTx.Exec("ROLLBACK TO " + sp); rerr != nil {
				finish(append(ran, batch[i:]...), fmt.Errorf("rollback to savepoint: %w", rerr))
				s.revert(&learnt)
				return
			}
			sqlTx.Exec("RELEASE " + sp)
			j.err = err
			close(j.done)
			continue
		}
		if _, err := sqlTx.Exec("RELEASE " + sp); err != nil {
			finish(append(ran, batch[i:]...), fmt.Errorf("release savepoint: %w", err))
			s.revert(&learnt)
			return
		}
		seq = max(seq, t.seq)
		for origin, n := range t.stored {
			stored[origin] = max(stored[origin], n)
		}
		if t.link.seq > chain.seq {
			chain = t.link
		}
		s.learn(&t.effects)
		learnt.merge(&t.effects)
		ran = append(ran, j)
	}
	if err := sqlTx.Commit(); err != nil {
		s.revert(&learnt)
		finish(ran, fmt.Errorf("commit: %w", err))
		return
	}
	s.seq, s.link = seq, chain
	s.advance(stored)
	if _, ok := stored[s.site]; ok {
		s.ownStored()
	}
	if f := s.onCommit.Load(); f != nil && len(ran) > 0 {
		(*f)()
	}
	if f := s.onMail.Load(); f != nil && learnt.mailChanged {
		(*f)()
	}
	finish(ran, s.committed(&learnt))
}

// effects is what one write teaches the in-memory views (occupancy,
// escrow, unshown, the configuration and principals snapshots). Every
// write job collects its effects in its tx; runBatch applies them with
// learn when the job's savepoint is released, reverts them with revert if
// the transaction does not commit, and committed reloads the snapshots
// read back from the database. A new view, or the purge, touches these
// three functions and nothing else.
type effects struct {
	appointments      map[string]engine.Appointment // folded and shown: indexed
	removed           []string                      // appointments gone: unindexed
	shown             []string                      // pending bookings now shown
	tokenDays         map[string]map[engine.Cell]engine.TokenState
	configChanged     bool // buildings, services, staff, counters, rooms
	principalsChanged bool // accounts, devices
	privacyChanged    bool // holds, erasures
	erased            bool // an erasure on request erased personal data: checkpoint
	sitesChanged      bool // enrollments, revocations, the root (sites.go)
	opsDropped        bool // a revocation dropped ops after its cut: the vector is read again
	refusedChanged    bool // the ops the fold refuses
	mailChanged       bool // the outbox or the mail site: the sender wakes up
	// refused: the ops the fold refuses, as this write leaves them (nil:
	// unchanged)
	refused map[entityKey]map[engine.OpRef]string
}

// merge adds a later job's effects to e (a batch's, for revert).
func (e *effects) merge(o *effects) {
	for id, a := range o.appointments {
		if e.appointments == nil {
			e.appointments = map[string]engine.Appointment{}
		}
		e.appointments[id] = a
	}
	e.removed = append(e.removed, o.removed...)
	e.shown = append(e.shown, o.shown...)
	for entity, states := range o.tokenDays {
		if e.tokenDays == nil {
			e.tokenDays = map[string]map[engine.Cell]engine.TokenState{}
		}
		e.tokenDays[entity] = states
	}
	e.configChanged = e.configChanged || o.configChanged
	e.principalsChanged = e.principalsChanged || o.principalsChanged
	e.privacyChanged = e.privacyChanged || o.privacyChanged
	e.erased = e.erased || o.erased
	e.sitesChanged = e.sitesChanged || o.sitesChanged
	e.opsDropped = e.opsDropped || o.opsDropped
	e.refusedChanged = e.refusedChanged || o.refusedChanged
	e.mailChanged = e.mailChanged || o.mailChanged
	if o.refused != nil {
		e.refused = o.refused
	}
}

// learn applies a released job's effects to the in-memory views, before
// the commit, so that the next job in the batch decides on them.
func (s *Store) learn(e *effects) {
	for _, a := range e.appointments {
		s.index(a)
	}
	for _, id := range e.removed {
		s.unindex(id)
	}
	s.unshown.remove(e.shown)
	for entity, states := range e.tokenDays {
		s.escrow.setDay(entity, states)
	}
	if e.refused != nil {
		st := *s.trust.Load()
		st.refused = e.refused
		s.trust.Store(&st)
	}
}

// revert puts the views a batch that did not commit taught back to what
// the database holds.
func (s *Store) revert(e *effects) {
	ctx := context.Background()
	for id := range e.appointments {
		s.reindex(ctx, id)
	}
	for _, id := range e.removed {
		s.reindex(ctx, id)
	}
	if len(e.tokenDays) > 0 {
		s.loadEscrow(ctx)
	}
	if e.refusedChanged || e.sitesChanged {
		s.loadTrust(ctx)
	}
	// (e.shown: the bookings stay pending in the database; the next start
	// finds them, and a later transaction that shows them again is a
	// no-op on an already removed entry.)
}

// committed reloads the snapshots read back from the database after a
// commit that changed them.
func (s *Store) committed(e *effects) error {
	ctx := context.Background()
	if e.privacyChanged {
		if err := s.loadPrivacy(ctx); err != nil {
			return fmt.Errorf("reload holds and erasures: %w", err)
		}
	}
	if e.erased {
		// The erased bytes must not wait in the WAL, nor in the database
		// pages the WAL would replace, for the nightly checkpoint.
		if err := s.checkpointLocked(ctx); err != nil {
			return fmt.Errorf("checkpoint after erasure: %w", err)
		}
	}
	if e.principalsChanged {
		if err := s.loadPrincipals(ctx); err != nil {
			return fmt.Errorf("reload accounts and devices: %w", err)
		}
	}
	if e.sitesChanged || e.refusedChanged {
		if err := s.loadTrust(ctx); err != nil {
			return fmt.Errorf("reload sites: %w", err)
		}
	}
	if e.opsDropped {
		if err := s.loadVector(ctx); err != nil {
			return fmt.Errorf("reload vector: %w", err)
		}
	}
	if e.configChanged {
		homes := homeSites(s.cat.Load())
		if err := s.loadCatalog(ctx); err != nil {
			return fmt.Errorf("reload configuration: %w", err)
		}
		if !maps.Equal(homes, homeSites(s.cat.Load())) || e.sitesChanged {
			// Every token chain starts at its home site.
			if err := s.loadEscrow(ctx); err != nil {
				return fmt.Errorf("reload tokens: %w", err)
			}
		}
	}
	return nil
}

// reindex puts one appointment's place in the in-memory indexes back to
// what the database holds. Not found, or the disk is failing (the next
// start rebuilds the indexes): gone from them.
func (s *Store) reindex(ctx context.Context, id string) {
	if a, err := appointment(ctx, s.db, id); err == nil {
		s.index(a)
	} else {
		s.unindex(id)
	}
}

// index puts an appointment into the in-memory indexes: the occupancy
// (its place) and the escrow (its day ticket).
func (s *Store) index(a engine.Appointment) {
	s.occ.Put(a)
	s.escrow.hold(a)
}

// unindex takes an appointment out of the in-memory indexes.
func (s *Store) unindex(id string) {
	s.occ.Remove(id)
	s.escrow.drop(id)
}

// OnCommit registers f to run after every transaction that wrote
// something (sync announces the new seq). f must not block.
func (s *Store) OnCommit(f func()) { s.onCommit.Store(&f) }
