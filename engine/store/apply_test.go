package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the randomized replication tests (0: a new one; env PFORTE_SEED works too)")

// testSeed returns the seed to replay (from -seed or PFORTE_SEED) or a new
// one, and logs it so that any failure can be replayed.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		if env := os.Getenv("PFORTE_SEED"); env != "" {
			var err error
			if seed, err = strconv.ParseUint(env, 10, 64); err != nil {
				t.Fatalf("PFORTE_SEED=%q: %v", env, err)
			}
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed=%d (replay: go test ./engine/store -run '^%s$' -seed=%d)", seed, t.Name(), seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("FAILED with seed=%d", seed)
		}
	})
	return seed
}

// history drives random reception work at two sites that now and then
// exchange some of their ops, out of order, like a flaky network would.
type history struct {
	t      *testing.T
	seed   uint64
	rnd    *rand.Rand
	sites  []*store.Store
	clocks []*engine.FixedClock
	visits []string // every visit id registered anywhere, in order
	first  time.Time
	last   time.Time // the latest time any clock showed
	stats  map[string]int
}

var (
	firstNames = []string{"Maria", "Jonas", "Özlem", "Jürgen", "Anna-Lena", "Dmitri", "Fatma", "Luca", "Søren", "Zoë"}
	lastNames  = []string{"Schneider", "Weber", "Yılmaz", "Müller-Lüdenscheidt", "Nowak", "Becker", "Kowalski", "Groß"}
)

func newHistory(t *testing.T, seed uint64) *history {
	t.Helper()
	h := &history{t: t, seed: seed, rnd: rand.New(rand.NewPCG(seed, seed^0x5f0e)), stats: map[string]int{}}
	for i, skew := range []time.Duration{0, -3 * time.Minute} { // the second site's clock is behind
		clock := engine.NewFixedClock(wednesdayMorning.Add(skew))
		s := mustOpen(t, filepath.Join(t.TempDir(), "pforte.db"), fmt.Sprintf("source-%c", 'a'+i), clock)
		mustApply(t, s, seedOps())
		h.sites = append(h.sites, s)
		h.clocks = append(h.clocks, clock)
	}
	h.first, h.last = wednesdayMorning.Add(-3*time.Minute), wednesdayMorning
	return h
}

func (h *history) fatalf(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("seed=%d: "+format, append([]any{h.seed}, args...)...)
}

func (h *history) pick(xs []string) string { return xs[h.rnd.IntN(len(xs))] }

// tick moves both clocks forward by up to 90 minutes (so the history spans
// several days), now and then one of them back by up to an hour.
func (h *history) tick() {
	d := time.Duration(h.rnd.IntN(90)) * time.Minute
	for _, c := range h.clocks {
		c.Add(d)
	}
	if h.rnd.IntN(20) == 0 {
		h.clocks[h.rnd.IntN(len(h.clocks))].Add(-time.Duration(1+h.rnd.IntN(60)) * time.Minute)
		h.stats["clock set back"]++
	}
	for _, c := range h.clocks {
		if now := c.Now(); now.After(h.last) {
			h.last = now
		}
		if now := c.Now(); now.Before(h.first) {
			h.first = now
		}
	}
}

func (h *history) newVisit() engine.NewVisit {
	staff := seedStaff[h.rnd.IntN(len(seedStaff))]
	n := engine.NewVisit{
		Building: staff.Building,
		Name:     h.pick(firstNames) + " " + h.pick(lastNames),
		Host:     staff.ID,
	}
	if h.rnd.IntN(7) == 0 { // hosts may receive visitors in another building
		n.Building = seedBuildings[h.rnd.IntN(len(seedBuildings))].ID
	}
	switch h.rnd.IntN(3) {
	case 0:
		n.Phone = fmt.Sprintf("02921 %d", 100000+h.rnd.IntN(900000))
	case 1:
		n.Email = strings.ToLower(strings.NewReplacer(" ", ".", "ü", "ue", "ö", "oe", "ø", "o", "ë", "e", "ı", "i", "ß", "ss").
			Replace(n.Name)) + "@example.org"
	default:
		n.Address = fmt.Sprintf("Grandweg %d, 59494 Soest", 1+h.rnd.IntN(120))
	}
	// Always a reason: the town halls let walk-ins in only with one.
	n.Reason = h.pick([]string{"Abgabe von Unterlagen", "Rückfrage zum Bescheid", "Vorstellungsgespräch"})
	return n
}

// badVisits are registrations every site must refuse.
var badVisits = []func(n *engine.NewVisit){
	func(n *engine.NewVisit) { n.Phone, n.Email, n.Address = "", "", "" },
	func(n *engine.NewVisit) { n.Host = "staff-nobody" },
	func(n *engine.NewVisit) { n.Building = "rathaus-9" },
	func(n *engine.NewVisit) { n.Name = strings.Repeat("x", 2000) },
	func(n *engine.NewVisit) { n.Name += "\x07" },
	func(n *engine.NewVisit) { n.Name += "\u2028" },
	func(n *engine.NewVisit) { n.Email = "kein-at-zeichen" },
	func(n *engine.NewVisit) { n.AppointmentID = "appt-1" },
}

// step does one random thing at one random site.
func (h *history) step() {
	h.t.Helper()
	ctx := context.Background()
	h.tick()
	i := h.rnd.IntN(len(h.sites))
	s := h.sites[i]
	switch r := h.rnd.IntN(100); {
	case r < 35:
		v, err := s.RegisterVisit(ctx, author, h.newVisit())
		if err != nil {
			h.fatalf("register at site %d: %v", i, err)
		}
		h.visits = append(h.visits, v.ID)
		h.stats["register"]++
	case r < 55 && len(h.visits) > 0:
		by := ""
		if h.rnd.IntN(3) == 0 {
			by = seedStaff[h.rnd.IntN(len(seedStaff))].ID
		}
		_, err := s.PickUpVisit(ctx, author, h.pick(h.visits), by)
		h.count("pick up", err, engine.CodeInvalidState, engine.CodeNotFound)
	case r < 75 && len(h.visits) > 0:
		_, err := s.LeaveVisit(ctx, author, h.pick(h.visits))
		h.count("leave", err, engine.CodeInvalidState, engine.CodeNotFound)
	case r < 85:
		n := h.newVisit()
		badVisits[h.rnd.IntN(len(badVisits))](&n)
		_, err := s.RegisterVisit(ctx, author, n)
		if err == nil {
			h.fatalf("site %d registered bad input %+v", i, n)
		}
		h.count("bad registration", err, engine.CodeInvalidField)
	default:
		h.exchange(h.sites[1-i], s, false)
	}
}

// count records the outcome of a change that may be refused with one of
// codes; any other error ends the test.
func (h *history) count(what string, err error, codes ...string) {
	h.t.Helper()
	if err == nil {
		h.stats[what]++
		return
	}
	if e := engine.AsError(err); !slices.Contains(codes, e.Code) {
		h.fatalf("%s: %v (code %q, want one of %v)", what, err, e.Code, codes)
	}
	h.stats[what+" refused"]++
}

// exchange applies ops of from to to: all of them in one go, or a random
// subset in random order.
func (h *history) exchange(from, to *store.Store, all bool) {
	h.t.Helper()
	ops := mustOps(h.t, from)
	if !all {
		h.rnd.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		ops = ops[:h.rnd.IntN(len(ops)+1)]
	}
	if _, err := to.Apply(context.Background(), ops); err != nil {
		h.fatalf("exchange %d ops: %v", len(ops), err)
	}
	h.stats["exchange"]++
}

// days lists the local days the history may have touched, one either side.
func (h *history) days() []string {
	var out []string
	for d := h.first.AddDate(0, 0, -1); !d.After(h.last.AddDate(0, 0, 1)); d = d.AddDate(0, 0, 1) {
		out = append(out, engine.Day(d))
	}
	return slices.Compact(out)
}

// state is what a site shows: Visits for every building and day, Present
// for every building, and a digest of every visit's JSON.
func state(t *testing.T, s *store.Store, days []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	buildings, err := s.Buildings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, b := range buildings {
		out["present "+b.ID] = asJSON(t, mustPresent(t, s, b.ID))
		for _, day := range days {
			vs := mustVisits(t, s, b.ID, day)
			out["visits "+b.ID+" "+day] = asJSON(t, vs)
			all = append(all, ids(vs)...)
		}
	}
	slices.Sort(all)
	sum := sha256.New()
	for _, id := range all {
		fmt.Fprintf(sum, "%s\n", asJSON(t, mustVisit(t, s, id)))
	}
	out["digest"] = hex.EncodeToString(sum.Sum(nil))
	out["buildings"] = asJSON(t, buildings)
	staff, err := s.Staff(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	out["staff"] = asJSON(t, staff)
	vec, err := s.Vector(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out["vector"] = asJSON(t, vec)
	return out
}

// diffState reports the first few places where got differs from want.
func diffState(got, want map[string]string) string {
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	n := 0
	for _, k := range keys {
		if got[k] != want[k] {
			fmt.Fprintf(&b, "\n%s:\n  got  %s\n  want %s", k, around(got[k], want[k]), around(want[k], got[k]))
			if n++; n == 3 {
				b.WriteString("\n…")
				break
			}
		}
	}
	return b.String()
}

// around cuts s to the neighbourhood of where it first differs from other,
// so that a failure shows the difference rather than pages of JSON.
func around(s, other string) string {
	i := 0
	for i < len(s) && i < len(other) && s[i] == other[i] {
		i++
	}
	from, to := max(0, i-150), min(len(s), i+150)
	out := s[from:to]
	if from > 0 {
		out = "…" + out
	}
	if to < len(s) {
		out += "…"
	}
	return out
}

// TestApplyConverges is the replication property: the state is a function of
// the set of ops, whatever order they arrive in, in whatever batches, however
// often.
func TestApplyConverges(t *testing.T) {
	seed := testSeed(t)
	h := newHistory(t, seed)
	steps := 300
	if testing.Short() {
		steps = 40
	}
	for range steps {
		h.step()
	}
	// Full anti-entropy: both sources end up with every op.
	h.exchange(h.sites[0], h.sites[1], true)
	h.exchange(h.sites[1], h.sites[0], true)
	t.Logf("history: %d visits, %v", len(h.visits), h.stats)

	days := h.days()
	want := state(t, h.sites[0], days)
	if got := state(t, h.sites[1], days); diffState(got, want) != "" {
		t.Fatalf("seed=%d: the two sources disagree after a full exchange:%s", seed, diffState(got, want))
	}
	ops := mustOps(t, h.sites[0])
	if got, want := asJSON(t, mustOps(t, h.sites[1])), asJSON(t, ops); got != want {
		t.Fatalf("seed=%d: the two sources hold different ops", seed)
	}

	rnd := rand.New(rand.NewPCG(seed, seed^0xa991))
	for round := range 4 {
		t.Run(fmt.Sprintf("replica %d", round), func(t *testing.T) {
			ctx := context.Background()
			replica := mustOpen(t, filepath.Join(t.TempDir(), "pforte.db"), "replica",
				engine.NewFixedClock(wednesdayMorning.Add(-48*time.Hour)))

			// Every op once, a fifth of them again, shuffled, in batches of 1 to 40.
			delivery := slices.Clone(ops)
			for _, i := range rnd.Perm(len(ops))[:len(ops)/5] {
				delivery = append(delivery, ops[i])
			}
			rnd.Shuffle(len(delivery), func(i, j int) { delivery[i], delivery[j] = delivery[j], delivery[i] })
			applied := 0
			for len(delivery) > 0 {
				k := min(1+rnd.IntN(40), len(delivery))
				n, err := replica.Apply(ctx, delivery[:k])
				if err != nil {
					t.Fatalf("seed=%d: apply a batch of %d: %v", seed, k, err)
				}
				applied += n
				delivery = delivery[k:]
			}
			if applied != len(ops) {
				t.Errorf("seed=%d: Apply counted %d new ops, want %d", seed, applied, len(ops))
			}
			if got := state(t, replica, days); diffState(got, want) != "" {
				t.Fatalf("seed=%d: replica differs from the source:%s", seed, diffState(got, want))
			}

			// Everything again, twice: nothing new, nothing changes.
			for again := range 2 {
				batch := slices.Clone(ops)
				rnd.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
				n, err := replica.Apply(ctx, batch)
				if err != nil {
					t.Fatalf("seed=%d: apply again (%d): %v", seed, again, err)
				}
				if n != 0 {
					t.Errorf("seed=%d: second apply (%d) counted %d new ops, want 0", seed, again, n)
				}
			}
			if got := state(t, replica, days); diffState(got, want) != "" {
				t.Fatalf("seed=%d: replica changed on a repeated apply:%s", seed, diffState(got, want))
			}
		})
	}
}

// TestApplyPickUpBeforeRegistration: the network delivers a pick-up before
// the registration it belongs to. The visit appears only with its
// registration, and then already escorted.
func TestApplyPickUpBeforeRegistration(t *testing.T) {
	ctx := context.Background()
	source, clock, _ := newStore(t)
	v := mustRegister(t, source, maria())
	clock.Add(4 * time.Minute)
	mustPickUp(t, source, v.ID, "")
	ops := siteOps(t, source, site)
	if len(ops) != 2 || ops[0].Kind != engine.KindVisitRegistered || ops[1].Kind != engine.KindVisitPickedUp {
		t.Fatalf("source ops: got %+v, want registration and pick-up", ops)
	}
	registration, pickUp := ops[0], ops[1]

	replica := mustOpen(t, filepath.Join(t.TempDir(), "pforte.db"), "replica", engine.NewFixedClock(wednesdayMorning))
	mustApply(t, replica, seedOps())

	if n := mustApply(t, replica, []engine.Op{pickUp}); n != 1 {
		t.Errorf("apply the pick-up: got %d new ops, want 1", n)
	}
	_, err := replica.Visit(ctx, v.ID)
	wantError(t, err, engine.CodeNotFound, "")
	if got := mustPresent(t, replica, "rathaus-1"); len(got) != 0 {
		t.Errorf("present with only the pick-up: got %v, want nobody", ids(got))
	}
	if got := mustVisits(t, replica, "rathaus-1", "2026-11-18"); len(got) != 0 {
		t.Errorf("visits with only the pick-up: got %v, want none", ids(got))
	}

	if n := mustApply(t, replica, []engine.Op{registration, pickUp}); n != 1 {
		t.Errorf("apply the registration (and the pick-up again): got %d new ops, want 1", n)
	}
	got := mustVisit(t, replica, v.ID)
	if got.Status != engine.VisitEscorted {
		t.Errorf("status: got %q, want %q", got.Status, engine.VisitEscorted)
	}
	if want := mustVisit(t, source, v.ID); asJSON(t, got) != asJSON(t, want) {
		t.Errorf("replica's visit\n%+v\nwant the source's\n%+v", got, want)
	}
}

// TestApplyConcurrentPickUps: two sites pick up the same visitor before
// they hear of each other; every site agrees that the first (in HLC order)
// counts.
func TestApplyConcurrentPickUps(t *testing.T) {
	a, clockA, _ := newStore(t)
	b := mustOpen(t, filepath.Join(t.TempDir(), "pforte.db"), "pforte-2", engine.NewFixedClock(wednesdayMorning))
	mustApply(t, b, seedOps())
	v := mustRegister(t, a, maria())
	mustApply(t, b, mustOps(t, a))

	clockA.Add(10 * time.Minute) // a picks up later than b
	mustPickUp(t, a, v.ID, "staff-schmidt")
	mustPickUp(t, b, v.ID, "") // b's clock still shows 09:14, so its pick-up is first

	mustApply(t, a, mustOps(t, b))
	mustApply(t, b, mustOps(t, a))
	gotA, gotB := mustVisit(t, a, v.ID), mustVisit(t, b, v.ID)
	if asJSON(t, gotA) != asJSON(t, gotB) {
		t.Fatalf("sites disagree:\na %+v\nb %+v", gotA, gotB)
	}
	if gotA.PickedUpBy != "staff-mueller" || !gotA.PickedUpAt.Equal(wednesdayMorning) {
		t.Errorf("picked up by %q at %v, want the first pick-up: staff-mueller at %v",
			gotA.PickedUpBy, gotA.PickedUpAt, wednesdayMorning)
	}
}

func TestApplyRefusesOpWithoutIdentity(t *testing.T) {
	s, _, _ := newStore(t)
	before := takeSnapshot(t, s)
	good := engine.RegisterOp("visit-x", engine.NewVisit{Building: "rathaus-1", Name: "X", Phone: "123", Host: "staff-mueller"},
		wednesdayMorning)
	good.Origin, good.Seq, good.HLC = "pforte-2", 1, engine.MakeHLC(wednesdayMorning.UnixMilli(), 0)
	tests := []struct {
		name string
		edit func(op *engine.Op)
	}{
		{"no origin", func(op *engine.Op) { op.Origin = "" }},
		{"no seq", func(op *engine.Op) { op.Seq = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := good
			tt.edit(&bad)
			// The good op in the same batch must not be written either.
			_, err := s.Apply(context.Background(), []engine.Op{good, bad})
			wantError(t, err, engine.CodeInvalidField, "op")
			if after := takeSnapshot(t, s); after != before {
				t.Errorf("refused batch wrote something:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}
