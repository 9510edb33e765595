package sync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The cluster test's online bookings on other sites' tokens (see
// cluster_test.go): a clerk books a place that is free but on tokens
// another site owns, so the site asks the owner over the sync channel
// (RequestTokens), the owner writes the transfer, and the site books on
// the transferred tokens, as app.bookOnTokens does. Now and then the
// owner is cut off in the middle of the request (tokenFaults). Checks
// after healing (checkTokens): every token of the escrowed building's
// days has exactly one owner that may book on it, the same on every site
// and in every site's log as in its memory, so no request, failed or not,
// left capacity nobody can book; and every transfer an owner wrote for a
// request, answered or not, is the token's state on every site or was
// followed by later ones.

// transferWait bounds a booking's wait for tokens, as app's does.
const transferWait = 3 * time.Second

// The faults an owner runs into in the middle of a token request.
const (
	// cutBeforeTransfer: the owner is cut off before it writes the
	// transfer; the request fails and the tokens stay with it.
	cutBeforeTransfer = "cut before the transfer"
	// cutBeforeAnswer: the owner writes the transfer, then the line
	// drops: the requester hears nothing, the transfer reaches it later.
	cutBeforeAnswer = "cut before the answer"
	// cutBeforePull: the owner writes the transfer and answers, then the
	// line fails for new connections: the requester's pull of the
	// transfer fails.
	cutBeforePull = "cut before the pull"
)

var tokenFaults = []string{"", "", "", cutBeforeTransfer, cutBeforeAnswer, cutBeforePull}

// tokenRequest is one request the schedule made, and what came of it.
type tokenRequest struct {
	step             int
	requester, owner *clusterSite
	tokens           []engine.Token
	fault            string
	err              error // what RequestTokens answered the requester
	// Filled in by the owner's handler, under tokenDesk.mu:
	handled bool
	wrote   map[engine.Token]int // the transfer written: each token's new epoch
	refused error                // the owner's reason not to transfer
}

// tokenDesk is the requests, shared with the owners' handlers, which run
// on their nodes' goroutines.
type tokenDesk struct {
	mu       gosync.Mutex
	pending  *tokenRequest // the request under way
	requests []*tokenRequest
}

// handOver is site i's TokenHandler, as app.handOverTokens: it transfers
// the tokens it is asked for, all of which it must own; for the request
// the schedule has under way, it runs into that request's fault.
func (c *cluster) handOver(owner int, st *store.Store) TokenHandler {
	return func(ctx context.Context, from string, names []string) (uint64, error) {
		d := &c.tokens
		d.mu.Lock()
		req := d.pending
		if req == nil || req.owner.i != owner || req.requester.name != from {
			req = nil
		} else {
			d.pending, req.handled = nil, true
		}
		fault := ""
		if req != nil {
			fault = req.fault
		}
		d.mu.Unlock()

		tokens := make([]engine.Token, 0, len(names))
		for _, n := range names {
			t, err := engine.ParseToken(n)
			if err != nil {
				return 0, err
			}
			tokens = append(tokens, t)
		}
		if fault == cutBeforeTransfer {
			c.net.sever(owner, req.requester.i)
			return 0, errors.New("cut off")
		}
		seq, err := st.TransferTokens(ctx, "sync:"+from, from, tokens, "request")
		if req == nil {
			return seq, err
		}
		wrote := map[engine.Token]int{}
		if err == nil {
			// One booking's tokens are of one day: one op, at seq.
			ops, oerr := st.OpsAfter(context.Background(), st.Site(), seq-1, 1)
			var td engine.TransferData
			if oerr == nil && len(ops) == 1 {
				td, oerr = engine.DecodeTransfer(ops[0])
			}
			if oerr != nil || len(ops) != 1 || td.To != from || len(td.Cells) != len(tokens) {
				c.t.Errorf("seed=%d: %s's transfer to %s just written (seq %d): %d ops, %+v, %v", c.seed, st.Site(), from, seq,
					len(ops), td, oerr)
			}
			for _, cell := range td.Cells {
				wrote[engine.Token{Building: td.Building, Day: td.Day, Cell: cell.Cell}] = cell.Epoch
			}
		}
		// Recorded before the fault: the requester may read it as soon
		// as the line drops.
		d.mu.Lock()
		req.wrote, req.refused = wrote, err
		d.mu.Unlock()
		if err == nil {
			switch fault {
			case cutBeforeAnswer:
				c.net.sever(owner, req.requester.i)
			case cutBeforePull:
				c.net.cutPair(owner, req.requester.i)
			}
		}
		return seq, err
	}
}

// bookOnline books at s, connected, a place its slot finder offers
// counting every site's tokens: at an aimed time, today (a day ticket) or
// next week, preferring one on other sites' tokens; a third of the time
// the owner runs into a fault in the middle of the request.
func (c *cluster) bookOnline(s *clusterSite) {
	c.t.Helper()
	day := clusterNextWeek
	if c.rng.IntN(2) == 0 {
		day = engine.Day(s.clock.Now())
	}
	svc := []string{"anmeldung", "meldebescheinigung"}[c.rng.IntN(2)]
	m, _ := engine.ParseClock("aim", clusterAims[c.rng.IntN(len(clusterAims))])
	aim := engine.At(day, m)
	citizen := clusterCitizens[c.rng.IntN(len(clusterCitizens))]
	fault := tokenFaults[c.rng.IntN(len(tokenFaults))]

	slots, err := s.st.Slots(engine.Query{Building: escrowBuilding, Services: []string{svc}, From: day, Days: 1,
		Channel: engine.ChannelDesk, Now: s.clock.Now()}, 0)
	if err != nil {
		c.fatalf("slots at %s: %v", s.name, err)
	}
	if len(slots) == 0 {
		c.logf("%s: online: no place left on %s", s.name, day)
		return
	}
	i := max(0, slices.IndexFunc(slots, func(sl engine.Slot) bool { return !sl.Start.Before(aim) }))
	// The first place from the aim on that other sites' tokens hold, if
	// one of the next few is.
	r := engine.BookingRequest{Building: escrowBuilding, Services: []string{svc}, Channel: engine.ChannelDesk, Citizen: citizen}
	r.Start = slots[i].Start
	for _, sl := range slots[i:min(len(slots), i+12)] {
		try := r
		try.Start = sl.Start
		if missing, err := s.st.MissingTokens(try); err == nil && len(missing) > 0 {
			r = try
			break
		}
	}
	c.logf("%s: online booking %s %s (%s)", s.name, day, clock(r.Start), cmp.Or(fault, "no fault"))
	a, err := c.bookOnTokens(s, r, fault)
	if !c.domainErr("online booking", err) {
		c.logf("%s:   not booked: %v", s.name, err)
		return
	}
	c.acked(s, a)
}

// bookOnTokens books r at s as app.bookOnTokens does: on s's own tokens
// if it can; else it asks the owners of the place's tokens for them
// (RequestTokens, with the first owner running into fault) and books on
// the transferred tokens; an owner that does not hand them over makes it
// slot_taken. Whatever each request did is logged and kept for
// checkTokens.
func (c *cluster) bookOnTokens(s *clusterSite, r engine.BookingRequest, fault string) (engine.Appointment, error) {
	ctx := context.Background()
	a, err := s.st.Book(ctx, "reception", r)
	if !isSlotTaken(err) {
		return a, err
	}
	missing, merr := s.st.MissingTokens(r)
	if merr != nil || len(missing) == 0 {
		return a, err
	}
	ctx, cancel := context.WithTimeout(ctx, transferWait)
	defer cancel()
	for _, owner := range slices.Sorted(maps.Keys(missing)) {
		req := &tokenRequest{step: c.step, requester: s, owner: c.site(owner), tokens: missing[owner], fault: fault}
		fault = "" // one fault per booking
		if req.owner == nil {
			c.fatalf("%s: tokens %v belong to %q, no site of the cluster", s.name, missing[owner], owner)
		}
		c.tokens.mu.Lock()
		c.tokens.pending = req
		c.tokens.requests = append(c.tokens.requests, req)
		c.tokens.mu.Unlock()
		names := make([]string, len(req.tokens))
		for i, t := range req.tokens {
			names[i] = t.String()
		}
		addr := cmp.Or(s.members.PeerSyncAddr(owner), s.node.AddrOf(owner))
		start := time.Now()
		rerr := s.node.RequestTokens(ctx, addr, names)
		c.tokens.mu.Lock()
		c.tokens.pending = nil
		req.err = rerr
		outcome := "transferred"
		switch {
		case len(req.wrote) > 0 && rerr != nil:
			outcome = "transfer written, the request failed"
		case req.refused != nil:
			outcome = "refused: " + req.refused.Error()
		case rerr != nil && !req.handled:
			outcome = "the owner never handled it"
		case rerr != nil:
			outcome = "failed before the transfer"
		}
		c.tokens.mu.Unlock()
		c.logf("%s:   asks %s for %d tokens (%s): %s in %v; %v", s.name, owner, len(names), cmp.Or(req.fault, "no fault"),
			outcome, time.Since(start).Round(time.Millisecond), rerr)
		if req.fault != "" && req.handled {
			c.logf("%s and %s cut apart (%s)", s.name, owner, req.fault)
		}
		if rerr != nil {
			return a, &engine.Error{Code: engine.CodeSlotTaken, Field: "start", Rule: "owner_away",
				Detail: fmt.Sprintf("the place belongs to site %s, which did not hand it over: %v", owner, rerr)}
		}
	}
	for {
		a, err = s.st.Book(ctx, "reception", r)
		if errors.Is(err, context.DeadlineExceeded) {
			// Refused before it was written (store.write): the wait is over.
			err = &engine.Error{Code: engine.CodeSlotTaken, Field: "start", Rule: "owner_away", Detail: err.Error()}
		}
		if !isSlotTaken(err) {
			if err == nil {
				c.logf("%s:   booked on tokens of %s", s.name, strings.Join(slices.Sorted(maps.Keys(missing)), ", "))
			}
			return a, err
		}
		if _, merr := s.st.MissingTokens(r); merr != nil {
			return a, merr
		}
		select {
		case <-ctx.Done():
			return a, &engine.Error{Code: engine.CodeSlotTaken, Field: "start", Rule: "owner_away", Detail: ctx.Err().Error()}
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func isSlotTaken(err error) bool {
	e := engine.AsError(err)
	return e != nil && e.Code == engine.CodeSlotTaken
}

// checkTokens checks, after healing, that no token request lost capacity
// or gave it twice: every token of the escrowed building's days (place
// and day-ticket tokens) has one owner on every site, the site's memory
// (TokenOwner) says what the fold of its log says, and the owner may book
// on it. And every transfer an owner wrote for a request, whether the
// requester heard of it or not, holds on every site, unless a later
// transfer of the same token followed it.
func (c *cluster) checkTokens() {
	c.t.Helper()
	ctx := context.Background()
	cat := c.sites[0].st.Catalog()
	b := cat.Buildings[escrowBuilding]
	days := []string{clusterNextWeek}
	for day := range c.days {
		if day != clusterNextWeek {
			days = append(days, day)
		}
	}
	slices.Sort(days)
	// Each site's log, folded.
	logged := map[string]map[string]map[engine.Cell]engine.TokenState{} // site → day entity → cell
	for _, s := range c.sites {
		ops, err := s.st.Ops(ctx)
		if err != nil {
			c.fatalf("ops of %s: %v", s.name, err)
		}
		byEntity := map[string][]engine.Op{}
		for _, op := range ops {
			if op.Kind == engine.KindTokensTransferred {
				byEntity[op.Entity] = append(byEntity[op.Entity], op)
			}
		}
		logged[s.name] = map[string]map[engine.Cell]engine.TokenState{}
		for entity, ops := range byEntity {
			states, err := engine.FoldTokens(b.HomeSite, ops)
			if err != nil {
				c.fatalf("tokens of %s at %s: %v", entity, s.name, err)
			}
			logged[s.name][entity] = states
		}
	}
	stateAt := func(s *clusterSite, t engine.Token) engine.TokenState {
		if st, ok := logged[s.name][engine.TokensEntity(t.Building, t.Day)][t.Cell]; ok {
			return st
		}
		return engine.TokenState{Owner: b.HomeSite}
	}
	tokens := 0
	for _, day := range days {
		noon, err := time.ParseInLocation(time.DateOnly, day, engine.Berlin)
		if err != nil {
			c.fatalf("day %q: %v", day, err)
		}
		dp := b.Plan(noon.Add(12 * time.Hour))
		for _, cell := range engine.DayCells(b, cat.Counters[b.ID], cat.Rooms[b.ID], dp) {
			t := engine.Token{Building: b.ID, Day: day, Cell: cell}
			tokens++
			want := stateAt(c.sites[0], t)
			for _, s := range c.sites {
				owner, _ := s.st.TokenOwner(t)
				if got := stateAt(s, t); got.Owner != want.Owner || got.Epoch != want.Epoch {
					c.errorf("token %s: %s's log gives it to %s (epoch %d), %s's to %s (epoch %d)", t, s.name, got.Owner, got.Epoch,
						c.sites[0].name, want.Owner, want.Epoch)
				}
				if owner != want.Owner {
					c.errorf("token %s: %s holds it %s's, its log says %s's (epoch %d)", t, s.name, owner, want.Owner, want.Epoch)
				}
			}
			o := c.site(want.Owner)
			if o == nil {
				c.errorf("token %s is %s's (epoch %d), no site of the cluster: nobody may book on it", t, want.Owner, want.Epoch)
				continue
			}
			if _, usable := o.st.TokenOwner(t); !usable {
				c.errorf("token %s is %s's (epoch %d, deps %v), and %s may not book on it: capacity lost", t, o.name, want.Epoch,
					want.Deps, o.name)
			}
		}
	}
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	var ok, refused, unreached, cutBefore, halfDone, kept int
	for _, req := range c.tokens.requests {
		switch {
		case req.err == nil:
			ok++
		case len(req.wrote) > 0:
			halfDone++
		case req.refused != nil:
			refused++
		case !req.handled:
			unreached++
		default:
			cutBefore++
		}
		for t, epoch := range req.wrote {
			for _, s := range c.sites {
				st := stateAt(s, t)
				switch {
				case st.Epoch < epoch:
					c.errorf("token %s: %s wrote its transfer to %s at step %d (epoch %d, %s), and %s holds epoch %d (%s's)",
						t, req.owner.name, req.requester.name, req.step, epoch, cmp.Or(req.fault, "no fault"), s.name, st.Epoch, st.Owner)
				case st.Epoch == epoch && st.Owner != req.requester.name:
					c.errorf("token %s: %s wrote its transfer to %s at step %d (epoch %d), and %s gives that epoch to %s",
						t, req.owner.name, req.requester.name, req.step, epoch, s.name, st.Owner)
				case st.Epoch == epoch && req.err != nil && s == c.sites[0]:
					kept++ // the requester owns it though it heard nothing
				}
			}
		}
	}
	c.t.Logf("seed=%d: %d tokens checked; %d token requests: %d transferred and pulled, %d refused, %d never reached the owner, "+
		"%d cut off before the transfer, %d failed after the owner wrote it (%d of their tokens still the requester's)",
		c.seed, tokens, len(c.tokens.requests), ok, refused, unreached, cutBefore, halfDone, kept)
}
