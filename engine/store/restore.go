package store

import (
	"context"
	"fmt"
	"time"

	"pforte/engine"
)

// A site restored from an old backup (last night's database copied back)
// holds fewer of its own ops than its peers do. If it wrote now, its next
// op would take a seq its peers already hold with another op: they would
// refuse it as a conflict, and every later op of the site with it. So the
// site writes nothing of its own while a peer is known to hold more of its
// origin than it does: sync tells it (PeerHoldsOwn, from every hello), the
// peers send it its own later ops back (ApplyRemote takes them), and
// writes go on once it holds them.
//
// Right after a start, before any peer has answered, the site cannot know:
// HoldOwnWrites makes local writes wait until a peer's hello came or a
// grace period passed (a branch office that starts offline must still
// work; a restored backup started offline is the one case this cannot
// catch, see the README).

// ownWait bounds how long a local write waits for the site to hold its own
// ops before it fails with CodeCatchingUp.
const ownWait = 8 * time.Second

// HoldOwnWrites makes local writes wait until a peer has said how far this
// site's own log got (PeerHoldsOwn), or grace has passed. Call it once, at
// start, on a site that has peers.
func (s *Store) HoldOwnWrites(grace time.Duration) {
	s.ownMu.Lock()
	s.ownUnconfirmed = true
	s.ownGated.Store(true)
	s.ownMu.Unlock()
	time.AfterFunc(grace, func() {
		s.ownMu.Lock()
		defer s.ownMu.Unlock()
		if s.ownUnconfirmed {
			s.ownUnconfirmed = false
			s.ownWake()
		}
	})
}

// PeerHoldsOwn tells the store that a peer holds this site's own ops up to
// seq (the peer's hello). A seq beyond what the store holds stops local
// writes until the peer's ops are back.
func (s *Store) PeerHoldsOwn(seq uint64) {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	changed := s.ownUnconfirmed || seq > s.ownFloor
	s.ownUnconfirmed = false
	s.ownFloor = max(s.ownFloor, seq)
	if s.ownFloor > s.ownHeld() {
		s.ownGated.Store(true)
	}
	if changed {
		s.ownWake()
	}
}

// ownStored wakes the writes waiting in awaitOwn after a commit stored ops
// of this site's own origin: they may be the ones a peer sent back.
func (s *Store) ownStored() {
	if !s.ownGated.Load() {
		return
	}
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	if s.ownChanged != nil {
		s.ownWake()
	}
}

// ownWake wakes the writes waiting in awaitOwn. The caller holds ownMu.
func (s *Store) ownWake() {
	if s.ownChanged != nil {
		close(s.ownChanged)
	}
	s.ownChanged = make(chan struct{})
}

// ownReady reports whether a local write may go ahead; if not, whether a
// peer holds more of the site's own ops (behind), and a channel closed
// when that may have changed. held is what the store holds of its own
// origin.
func (s *Store) ownReady(held uint64) (ok, behind bool, changed <-chan struct{}) {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	if !s.ownUnconfirmed && s.ownFloor <= held {
		s.ownGated.Store(false)
		return true, false, nil
	}
	if s.ownChanged == nil {
		s.ownChanged = make(chan struct{})
	}
	return false, s.ownFloor > held, s.ownChanged
}

// awaitOwn waits, before a local write, until the store may write ops of
// its own (see HoldOwnWrites, PeerHoldsOwn). Before any peer has answered
// it waits out the grace; once a peer is known to hold more of the site's
// own ops, at most ownWait for them.
func (s *Store) awaitOwn(ctx context.Context) error {
	if !s.ownGated.Load() {
		return nil // the common case, without a lock: every write passes here
	}
	var timeout <-chan time.Time
	for {
		ok, behind, changed := s.ownReady(s.ownHeld())
		if ok {
			return nil
		}
		if behind && timeout == nil {
			t := time.NewTimer(ownWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout:
			return s.catchingUp()
		}
	}
}

// checkOwnFloor refuses to stamp own op seq while a peer holds that seq
// already: the last line behind awaitOwn, for a peer's hello that came
// while the write waited for the transaction. (A write that started
// before the grace ended goes ahead: only a peer's word stops it here.)
func (t *tx) checkOwnFloor(seq uint64) error {
	if !t.s.ownGated.Load() {
		return nil
	}
	t.s.ownMu.Lock()
	behind := t.s.ownFloor >= seq
	t.s.ownMu.Unlock()
	if behind {
		return t.s.catchingUp()
	}
	return nil
}

func (s *Store) catchingUp() error {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	return &engine.Error{Code: engine.CodeCatchingUp, Detail: fmt.Sprintf(
		"a peer holds this site's ops up to %d, this site %d (restored from a backup?), or no peer answered yet",
		s.ownFloor, s.ownHeld())}
}

// ownHeld is the highest seq of its own origin the store holds.
func (s *Store) ownHeld() uint64 {
	s.vectorMu.Lock()
	defer s.vectorMu.Unlock()
	return s.vector[s.site]
}
