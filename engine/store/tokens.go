package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"pforte/engine"
)

// escrow is the in-memory state of the capacity tokens (engine/token.go):
// per building's day, the tokens ever transferred (the others are the home
// site's), and which appointment holds each day-ticket token. The token
// ops are folded at Open and on every refold; nothing else stores them.
type escrow struct {
	mu      sync.Mutex
	days    map[string]map[engine.Cell]engine.TokenState // by TokensEntity
	tickets map[string]string                            // ticket token → active appointment holding it
	held    map[string]string                            // appointment → the ticket token it holds
	gen     uint64                                       // bumped by every change: views are stale
	views   map[string]dayView                           // this site's view, by TokensEntity
}

type dayView struct {
	gen, vector uint64 // the generations it was built at
	provisional bool   // owns tokens whose deps were not yet held: rebuild when the vector moves
	cat         *engine.Catalog
	d           *engine.DayTokens
}

func newEscrow() *escrow {
	return &escrow{days: map[string]map[engine.Cell]engine.TokenState{}, tickets: map[string]string{},
		held: map[string]string{}, views: map[string]dayView{}}
}

// setDay replaces the transferred tokens of a building's day.
func (e *escrow) setDay(entity string, states map[engine.Cell]engine.TokenState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(states) == 0 {
		delete(e.days, entity)
	} else {
		e.days[entity] = states
	}
	e.gen++
}

// hold records the ticket token an appointment holds, or frees it. A
// ticket freed by a cancel may already be held by the booking that took it
// again: one transaction can show both (the rebooking waited for the
// cancel, see unshown.go) and indexes them in any order, so freeing
// leaves another holder alone.
func (e *escrow) hold(a engine.Appointment) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.held[a.ID]; ok && (old != a.TicketToken || !a.Active()) {
		if e.tickets[old] == a.ID {
			delete(e.tickets, old)
		}
		delete(e.held, a.ID)
		e.gen++
	}
	if a.TicketToken != "" && a.Active() {
		e.tickets[a.TicketToken], e.held[a.ID] = a.ID, a.TicketToken
		e.gen++
	}
}

// drop forgets an appointment's ticket token.
func (e *escrow) drop(id string) { e.hold(engine.Appointment{ID: id, Status: engine.ApptCancelled}) }

// ticketHeld reports whether an active appointment holds ticket token t.
func (e *escrow) ticketHeld(t engine.Token) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, held := e.tickets[t.String()]
	return held
}

// state returns a token's state: transferred, or the home site's.
func (e *escrow) state(t engine.Token, home string) engine.TokenState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st, ok := e.days[engine.TokensEntity(t.Building, t.Day)][t.Cell]; ok {
		return st
	}
	return engine.TokenState{Owner: home}
}

// TokenDay is engine.TokenView for this site: what it may book of an
// escrowed building's day. It is built once per change and cached.
func (s *Store) TokenDay(building, day string) *engine.DayTokens {
	cat := s.cat.Load()
	b, ok := cat.Buildings[building]
	if !ok || !b.Escrowed() {
		return nil
	}
	key := engine.TokensEntity(building, day)
	vgen := s.vectorGen.Load()
	e := s.escrow
	e.mu.Lock()
	if v, ok := e.views[key]; ok && v.gen == e.gen && v.cat == cat && (!v.provisional || v.vector == vgen) {
		e.mu.Unlock()
		return v.d
	}
	gen, states := e.gen, e.days[key]
	used := map[int]bool{}
	for i := range b.Booking.DayTickets {
		_, used[i] = e.tickets[engine.TicketToken(building, day, i).String()]
	}
	e.mu.Unlock()

	d, provisional := s.buildView(b, cat, day, states, used)
	e.mu.Lock()
	if e.gen == gen {
		e.views[key] = dayView{gen: gen, vector: vgen, provisional: provisional, cat: cat, d: d}
	}
	e.mu.Unlock()
	return d
}

// planOn returns b's plan of a local day and the Unix ms of its midnight.
func planOn(b engine.Building, day string) (engine.DayPlan, int64, error) {
	mid, err := engine.Midnight(day)
	if err != nil {
		return engine.DayPlan{}, 0, err
	}
	return b.Plan(time.UnixMilli(mid).In(engine.Berlin).Add(12 * time.Hour)), mid, nil
}

// usable reports whether this site may book on a token in state st: it
// owns it and holds everything its transfer depends on.
func (s *Store) usable(st engine.TokenState, vector map[string]uint64) bool {
	return st.Owner == s.site && engine.Satisfied(st.Deps, vector)
}

// buildView works out which of a day's tokens this site may book on.
func (s *Store) buildView(b engine.Building, cat *engine.Catalog, day string, states map[engine.Cell]engine.TokenState,
	usedTickets map[int]bool) (*engine.DayTokens, bool) {
	dp, mid, err := planOn(b, day)
	if err != nil {
		return nil, false
	}
	cells := engine.DayCells(b, cat.Counters[b.ID], cat.Rooms[b.ID], dp)
	vector, _ := s.Vector(context.Background())
	d := &engine.DayTokens{Midnight: mid, Block: b.TokenBlock(), Usable: map[string][]bool{}}
	provisional, owns := false, false
	for _, c := range cells {
		st, ok := states[c]
		if !ok {
			st = engine.TokenState{Owner: b.HomeSite}
		}
		if st.Owner != s.site {
			continue
		}
		if !engine.Satisfied(st.Deps, vector) {
			provisional = true
			continue
		}
		owns = true
		if c.Resource == engine.TicketResource {
			if !usedTickets[c.Block] {
				d.Tickets++
			}
			continue
		}
		u := d.Usable[c.Resource]
		for len(u) <= c.Block {
			u = append(u, false)
		}
		u[c.Block] = true
		d.Usable[c.Resource] = u
	}
	if !owns {
		return nil, provisional
	}
	return d, provisional
}

// freeTicket returns a day ticket of the day nobody holds that this site
// may issue, given its vector.
func (s *Store) freeTicket(b engine.Building, day string, vector map[string]uint64) (engine.Token, bool) {
	t, _, ok := s.firstFreeTicket(b, day, func(st engine.TokenState) bool { return s.usable(st, vector) })
	return t, ok
}

// firstFreeTicket returns the first day ticket of the day nobody holds
// whose state accept takes.
func (s *Store) firstFreeTicket(b engine.Building, day string, accept func(engine.TokenState) bool) (engine.Token, engine.TokenState, bool) {
	for i := range b.Booking.DayTickets {
		t := engine.TicketToken(b.ID, day, i)
		if st := s.escrow.state(t, b.HomeSite); !s.escrow.ticketHeld(t) && accept(st) {
			return t, st, true
		}
	}
	return engine.Token{}, engine.TokenState{}, false
}

// TokenOwner returns who owns a token now, and whether this site may book
// on it (it owns it and holds everything its transfer depends on).
func (s *Store) TokenOwner(t engine.Token) (owner string, usable bool) {
	b, ok := s.cat.Load().Buildings[t.Building]
	if !ok || !b.Escrowed() {
		return "", true
	}
	st := s.escrow.state(t, b.HomeSite)
	vector, _ := s.Vector(context.Background())
	return st.Owner, s.usable(st, vector)
}

// TransferTokens hands tokens this site owns to another site, one op per
// building's day, each carrying this site's vector: the recipient books on
// them once it holds what this site held. A token this site does not own
// (or whose own transfer it does not yet fully hold) is CodeInvalidState
// on "tokens", and nothing is transferred. It returns this site's seq
// after the transfer: the recipient has it once its vector reaches it.
func (s *Store) TransferTokens(ctx context.Context, author, to string, tokens []engine.Token, reason string) (uint64, error) {
	if to == "" || to == s.site {
		return 0, engine.Invalid("to", "transfer to %q: another site is needed", to)
	}
	if len(tokens) == 0 {
		return 0, engine.Invalid("tokens", "no tokens to transfer")
	}
	var seq uint64
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		var err error
		seq, err = t.transfer(ctx, to, tokens, reason)
		return err
	})
	return seq, err
}

// othersOf is a vector of this site's without itself and the demo seed:
// the deps of a transfer or a booking.
func (s *Store) othersOf(vector map[string]uint64) map[string]uint64 {
	deps := map[string]uint64{}
	for site, n := range vector {
		if site != s.site && site != demoOrigin {
			deps[site] = n
		}
	}
	return deps
}

// transfer writes the transfer ops of TransferTokens.
func (t *tx) transfer(ctx context.Context, to string, tokens []engine.Token, reason string) (uint64, error) {
	s := t.s
	cat := s.cat.Load()
	vector, _ := s.Vector(ctx)
	type day struct{ building, day string }
	cells := map[day][]engine.Cell{}
	states := map[day]map[engine.Cell]engine.TokenState{}
	var order []day
	for _, tok := range tokens {
		b, ok := cat.Buildings[tok.Building]
		if !ok || !b.Escrowed() {
			return 0, engine.InvalidRule("tokens", engine.RuleUnknown, "%s: no tokens in building %q", tok, tok.Building)
		}
		st := t.tokenState(tok, b.HomeSite)
		if !s.usable(st, vector) {
			return 0, engine.InvalidState("token_not_owned", "token %s belongs to %s, not to %s", tok, st.Owner, s.site)
		}
		k := day{tok.Building, tok.Day}
		if states[k] == nil {
			states[k] = map[engine.Cell]engine.TokenState{}
			order = append(order, k)
		}
		if _, dup := states[k][tok.Cell]; !dup {
			cells[k] = append(cells[k], tok.Cell)
		}
		states[k][tok.Cell] = st
	}
	deps := s.othersOf(vector)
	for _, k := range order {
		for c := range slices.Chunk(cells[k], engine.MaxTransferCells) {
			if _, err := t.append(ctx, engine.TransferOp(k.building, k.day, to, c, states[k], deps, reason)); err != nil {
				return 0, err
			}
		}
	}
	return t.seq, nil
}

// tokenState is a token's state as this transaction sees it: what it
// transferred itself already, else the escrow's.
func (t *tx) tokenState(tok engine.Token, home string) engine.TokenState {
	if st, ok := t.tokenDays[engine.TokensEntity(tok.Building, tok.Day)]; ok {
		if s, ok := st[tok.Cell]; ok {
			return s
		}
		return engine.TokenState{Owner: home}
	}
	return t.s.escrow.state(tok, home)
}

// refoldTokens folds a building's day's transfers for the escrow, which
// learns them when the write succeeds (see runBatch).
func (t *tx) refoldTokens(ctx context.Context, entity string, ops []engine.Op) error {
	building, _, _ := strings.Cut(entity, "/")
	home := t.s.cat.Load().Buildings[building].HomeSite
	states, err := engine.FoldTokensRevoked(home, ops, t.s.trust.Load().revokedCut())
	if err != nil {
		return err
	}
	if t.tokenDays == nil {
		t.tokenDays = map[string]map[engine.Cell]engine.TokenState{}
	}
	t.tokenDays[entity] = states
	return nil
}

// loadEscrow folds every building's day's transfers, at Open and when a
// building's home site changed.
func (s *Store) loadEscrow(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+opColumns+` FROM ops WHERE entity_type = ?`, engine.EntityTokens)
	if err != nil {
		return err
	}
	ops, err := scanOps(rows)
	if err != nil {
		return err
	}
	byDay := map[string][]engine.Op{}
	for _, op := range ops {
		byDay[op.Entity] = append(byDay[op.Entity], op)
	}
	cat := s.cat.Load()
	revoked := s.trust.Load().revokedCut()
	days := map[string]map[engine.Cell]engine.TokenState{}
	for entity, ops := range byDay {
		building, _, _ := strings.Cut(entity, "/")
		states, err := engine.FoldTokensRevoked(cat.Buildings[building].HomeSite, ops, revoked)
		if err != nil {
			return fmt.Errorf("tokens of %s: %w", entity, err)
		}
		if len(states) > 0 {
			days[entity] = states
		}
	}
	s.escrow.mu.Lock()
	s.escrow.days = days
	s.escrow.gen++
	s.escrow.mu.Unlock()
	return nil
}

// homeSites returns each building's home site, to tell when one changed.
func homeSites(cat *engine.Catalog) map[string]string {
	out := map[string]string{}
	if cat == nil {
		return out
	}
	for id, b := range cat.Buildings {
		out[id] = b.HomeSite
	}
	return out
}

// AllotDays is how many days ahead, from today, the allotments are dealt
// out: what a branch can book while cut off.
const AllotDays = 60

// ReconcileTokens hands on the tokens this site owns that belong elsewhere
// by the allotments (engine.Allot) of the next AllotDays days, and, from a
// day's release time on, every token of that day to the home site. Only
// tokens this site owns are ever moved, so every site may run it at any
// time; a site that is cut off simply hands them on later. It returns how
// many tokens it transferred.
func (s *Store) ReconcileTokens(ctx context.Context, author string) (int, error) {
	now := s.clock.Now().In(engine.Berlin)
	cat := s.cat.Load()
	vector, _ := s.Vector(ctx)
	moves := map[string][]engine.Token{} // by recipient
	for _, b := range cat.Buildings {
		if !b.Escrowed() {
			continue
		}
		for d := range AllotDays {
			noon := time.Date(now.Year(), now.Month(), now.Day()+d, 12, 0, 0, 0, engine.Berlin)
			dp := b.Plan(noon)
			cells := engine.DayCells(b, cat.Counters[b.ID], cat.Rooms[b.ID], dp)
			if len(cells) == 0 {
				continue
			}
			target := engine.Allot(b, cells)
			released := d == 0 && !now.Before(b.ReleaseTime(dp))
			for _, c := range cells {
				tok := engine.Token{Building: b.ID, Day: dp.Day, Cell: c}
				st := s.escrow.state(tok, b.HomeSite)
				to := target[c]
				if released {
					to = b.HomeSite
				}
				if d == 0 && s.site == b.HomeSite && st.Epoch > 0 {
					// Today's tokens that came back stay home: a site whose
					// clock runs ahead returns them at its release time, and
					// dealing them out again would bounce them once a minute.
					to = s.site
				}
				if to != s.site && s.usable(st, vector) {
					moves[to] = append(moves[to], tok)
				}
			}
		}
	}
	n := 0
	for _, to := range slices.Sorted(maps.Keys(moves)) {
		if _, err := s.TransferTokens(ctx, author, to, moves[to], "allotment"); err != nil {
			return n, fmt.Errorf("tokens to %s: %w", to, err)
		}
		n += len(moves[to])
	}
	return n, nil
}

// FreePlaces counts, on an escrowed building's day, the places (grid
// steps of one counter within the openings) on tokens this site may book
// on, and how many of them nothing holds: "offline: N places of your
// allotment left today". A building without tokens counts every place.
func (s *Store) FreePlaces(building, day string) (owned, free int) {
	cat := s.cat.Load()
	b, ok := cat.Buildings[building]
	if !ok {
		return 0, 0
	}
	dp, _, err := planOn(b, day)
	if err != nil {
		return 0, 0
	}
	var toks *engine.DayTokens
	if b.Escrowed() {
		if toks = s.TokenDay(building, day); toks == nil {
			return 0, 0
		}
	}
	grid := int64(b.GridMinutes()) * int64(time.Minute/time.Millisecond)
	lanes := s.occ.Lanes(building, day)
	for _, k := range cat.Counters[building] {
		if k.HeldBack || !k.StaffedOn(day) {
			continue
		}
		spans := lanes.Counter(k.ID)
		for _, o := range dp.Openings {
			for t := o.Start.UnixMilli(); t+grid <= o.End.UnixMilli(); t += grid {
				if toks != nil && !toks.Covers(k.ID, t, t+grid) {
					continue
				}
				owned++
				if !slices.ContainsFunc(spans, func(sp engine.Span) bool { return sp.Start < t+grid && sp.End > t }) {
					free++
				}
			}
		}
	}
	return owned, free
}

// MissingTokens tells, for a booking this site cannot make on its own
// tokens, where the place would be on any site's tokens and which tokens
// of it other sites own, by owner: what to ask them for. An empty result
// with a nil error means this site may book it itself (or nobody can:
// Book then says why).
func (s *Store) MissingTokens(r engine.BookingRequest) (map[string][]engine.Token, error) {
	now := s.clock.Now()
	r, err := r.Normalize(now)
	if err != nil {
		return nil, err
	}
	cat := s.cat.Load()
	b := cat.Buildings[r.Building]
	if !b.Escrowed() {
		return nil, nil
	}
	q := engine.Query{Building: r.Building, Services: r.Services, Channel: r.Channel, Now: now, BarrierFree: r.BarrierFree}
	slot, err := engine.Allocate(cat, s.occ, q, r.Start)
	if err != nil {
		return nil, err
	}
	vector, _ := s.Vector(context.Background())
	out := map[string][]engine.Token{}
	for _, tok := range engine.PlaceTokens(b, slot) {
		st := s.escrow.state(tok, b.HomeSite)
		if st.Owner != s.site {
			out[st.Owner] = append(out[st.Owner], tok)
		} else if !engine.Satisfied(st.Deps, vector) {
			return nil, nil // ours, once the ops it depends on arrive
		}
	}
	if day := engine.Day(slot.Start); day == engine.Day(now) && b.Booking.DayTickets > 0 {
		if _, ok := s.freeTicket(b, day, vector); !ok {
			notOurs := func(st engine.TokenState) bool { return st.Owner != s.site }
			if tok, st, ok := s.firstFreeTicket(b, day, notOurs); ok {
				out[st.Owner] = append(out[st.Owner], tok)
			}
		}
	}
	return out, nil
}

// DefineBuilding writes b as this site's own building.defined op, after
// checking it (Building.Validate): how an admin's change of hours,
// allotments or home site enters the log and reaches every site.
func (s *Store) DefineBuilding(ctx context.Context, author string, b engine.Building) error {
	if b.HomeByDefault {
		// The cluster's default home is never written as a choice.
		b.HomeSite, b.HomeByDefault = "", false
	}
	if err := b.Validate(); err != nil {
		return err
	}
	return s.write(ctx, author, func(ctx context.Context, t *tx) error {
		if _, ok := s.cat.Load().Buildings[b.ID]; !ok {
			return engine.InvalidRule("building", engine.RuleUnknown, "unknown building %q", b.ID)
		}
		_, err := t.append(ctx, engine.DefineOp(engine.KindBuildingDefined, b.ID, b))
		return err
	})
}
