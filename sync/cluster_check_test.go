package sync

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The cluster test's checks after healing (see cluster_test.go).

// converge waits until the sites have converged by themselves: every
// site's Serf sees every other site alive at its current sync address,
// and every site holds the same vector. The test starts no session: Serf's
// peers, its "seq" hints and the nodes' full syncs must do it.
func (c *cluster) converge(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	serfDone := time.Time{}
	for {
		serfOK := c.serfWhole()
		if serfOK && serfDone.IsZero() {
			serfDone = time.Now()
		}
		vecs := c.vectors()
		if serfOK && allEqual(vecs) {
			c.logf("converged; Serf whole %v before", time.Since(serfDone).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			for _, s := range c.sites {
				c.t.Logf("seed=%d: %s (gossip %s, sync %s) sees %+v", c.seed, s.name, s.gossip, s.addr, s.members.Peers())
				c.t.Logf("seed=%d: %s's sessions: %+v", c.seed, s.name, s.node.Status())
			}
			c.fatalf("no convergence within %v of healing (Serf whole: %v): vectors %v", d, serfOK, vecs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serfWhole reports whether every site sees every other alive, at the sync
// address it listens on now.
func (c *cluster) serfWhole() bool {
	for _, s := range c.sites {
		alive := 0
		for _, p := range s.members.Peers() {
			if o := c.site(p.Site); o != nil && p.Status == "alive" && p.Sync == o.addr {
				alive++
			}
		}
		if alive != clusterSize-1 {
			return false
		}
	}
	return true
}

func (c *cluster) vectors() []string {
	c.t.Helper()
	var out []string
	for _, s := range c.sites {
		out = append(out, c.vectors1(s.st))
	}
	return out
}

func allEqual(list []string) bool {
	for _, x := range list[1:] {
		if x != list[0] {
			return false
		}
	}
	return true
}

// checkAcknowledged: whatever a site acknowledged is on every site, and
// every appointment and visit ends, on every site, in the status its
// acknowledged actions give it (wantAppointment, wantVisit).
func (c *cluster) checkAcknowledged() {
	c.t.Helper()
	ctx := context.Background()
	byID := map[string][]ackedWrite{}
	var ids []string // in the order of their first action
	var visits, appts, actions int
	for _, a := range c.acks {
		if byID[a.id] == nil {
			ids = append(ids, a.id)
		}
		byID[a.id] = append(byID[a.id], a)
		switch a.kind {
		case "visit":
			visits++
		case "book":
			appts++
		default:
			actions++
		}
	}
	for _, id := range ids {
		acks := byID[id]
		first := acks[0]
		isVisit := first.kind == "visit" || first.kind == "pickup" || first.kind == "leave"
		for _, s := range c.sites {
			if isVisit {
				v, err := s.st.Visit(ctx, id)
				if err != nil {
					c.errorf("%s lacks visit %s (%s at %s, step %d): %v", s.name, id, first.kind, c.sites[first.site].name, first.step, err)
					continue
				}
				switch want := wantVisit(acks); {
				case v.Status != want:
					c.errorf("%s: visit %s is %s, want %s; %s", s.name, id, v.Status, want, c.because(acks))
				case slices.ContainsFunc(acks, func(a ackedWrite) bool { return a.kind == "pickup" }) && v.PickedUpAt.IsZero():
					c.errorf("%s: visit %s not picked up; %s", s.name, id, c.because(acks))
				}
				continue
			}
			a, err := s.st.Appointment(ctx, id)
			if err != nil {
				c.errorf("%s lacks appointment %s (%s at %s, step %d): %v", s.name, id, first.kind, c.sites[first.site].name, first.step, err)
				continue
			}
			if want := wantAppointment(acks); !slices.Contains(want, a.Status) {
				c.errorf("%s: appointment %s (%s) is %s, want %s; %s", s.name, id, a.Code, a.Status,
					strings.Join(want, " or "), c.because(acks))
			}
		}
	}
	c.t.Logf("seed=%d: %d acknowledged writes (%d visits, %d appointments, %d status changes, %d places given twice); %s",
		c.seed, len(c.acks), visits, appts, actions, c.doubleBooked(), c.net.stats())
}

// because lists the acknowledged actions on one appointment or visit.
func (c *cluster) because(acks []ackedWrite) string {
	var out []string
	for _, a := range acks {
		out = append(out, fmt.Sprintf("%s at step %d by %s", a.kind, a.step, c.sites[a.site].name))
	}
	return "acknowledged: " + strings.Join(out, ", ")
}

// apptRank orders the actions on an appointment: each later one needs the
// ones before (a call a check-in, a serve a check-in or call), except the
// finals: a no-show needs nothing, and a cancel wins over served and
// no-show whenever it is folded (engine.FoldAppointment), since the owner
// of the place's tokens may give the place again once it holds the
// cancel.
var apptRank = map[string]int{"book": 0, "checkin": 1, "call": 2, "serve": 3, "noshow": 3, "cancel": 4}

var apptStatusOf = map[string]string{"book": engine.ApptBooked, "checkin": engine.ApptCheckedIn, "call": engine.ApptCalled,
	"serve": engine.ApptServed, "noshow": engine.ApptNoShow, "cancel": engine.ApptCancelled}

// wantAppointment is the status an appointment must end in on every site
// after its acknowledged actions (either of two, see below). A site
// acknowledges an action only on a status that allows it, so one site's
// actions on an appointment follow each other in rank; sites cut off from
// each other act at once, and then the highest rank wins: a check-in
// another site did not know of is called or served all the same, a
// no-show ends what was checked in elsewhere, a cancel ends everything.
// Served and no-show acknowledged both, by sites that did not know of the
// other, each end it: the first in fold order stays, so either may.
func wantAppointment(acks []ackedWrite) (want []string) {
	top := -1
	for _, a := range acks {
		switch r := apptRank[a.kind]; {
		case r > top:
			top, want = r, []string{apptStatusOf[a.kind]}
		case r == top && !slices.Contains(want, apptStatusOf[a.kind]):
			want = append(want, apptStatusOf[a.kind])
		}
	}
	return want
}

// wantVisit is the status a visit must end in after its acknowledged
// actions: signed out by any sign-out, else escorted by any pick-up (the
// first of each counts, so none undoes it).
func wantVisit(acks []ackedWrite) string {
	has := func(kind string) bool {
		return slices.ContainsFunc(acks, func(a ackedWrite) bool { return a.kind == kind })
	}
	switch {
	case has("leave"):
		return engine.VisitLeft
	case has("pickup"):
		return engine.VisitEscorted
	}
	return engine.VisitWaiting
}

// doubleBooked counts active appointments that share a counter and start
// with another: with the Bürger Büro escrowed none may (checkCapacity
// fails on any overlap; this count stays in the summary line).
func (c *cluster) doubleBooked() int {
	c.t.Helper()
	seen := map[string]int{}
	for day := range c.days {
		as, err := c.sites[0].st.Appointments(context.Background(), "buergerbuero", day)
		if err != nil {
			c.fatalf("appointments: %v", err)
		}
		for _, a := range as {
			if a.Active() {
				seen[a.Counter+" "+a.Start.String()]++
			}
		}
	}
	n := 0
	for _, k := range seen {
		if k > 1 {
			n += k - 1
		}
	}
	return n
}

// checkSameDigest compares every site's digest of every table; the skewed
// site's clock must not have made its copy different.
func (c *cluster) checkSameDigest() string {
	c.t.Helper()
	want := c.digest(c.sites[0].path)
	for _, s := range c.sites[1:] {
		if got := c.digest(s.path); got != want {
			what := ""
			if s.i == skewed {
				what = fmt.Sprintf(" (the site with its clock %v ahead)", skew)
			}
			c.errorf("%s%s has digest %s, %s has %s", s.name, what, got[:12], c.sites[0].name, want[:12])
			c.diff(c.sites[0].path, s.path)
		}
	}
	return want
}

// replaySite is the fresh store checkReplay fills; its own key is the one
// row of site_keys the digest leaves out.
const replaySite = "site-replay"

// siteLocal are the tables that belong to one site and are not replicated:
// its identity and private key, and when it migrated.
var siteLocal = map[string]bool{"meta": true, "schema_migrations": true, "site_keys": true, "invitations": true}

// digest hashes every replicated table of the database at path.
func (c *cluster) digest(path string) string {
	c.t.Helper()
	h := sha256.New()
	for _, line := range c.tables(path) {
		fmt.Fprintln(h, line)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// tables reads every table but the site-local ones through a connection
// of its own, one line per row, "table|v1|v2|…", sorted, so that the
// order rows were written in does not count.
func (c *cluster) tables(path string) []string {
	c.t.Helper()
	ctx := context.Background()
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		c.fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // one snapshot of all tables
	if err != nil {
		c.fatalf("read %s: %v", path, err)
	}
	defer tx.Rollback()
	var names []string
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		c.fatalf("tables of %s: %v", path, err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		if !siteLocal[name] {
			names = append(names, name)
		}
	}
	rows.Close()
	var lines []string
	for _, name := range names {
		rows, err := tx.QueryContext(ctx, `SELECT * FROM "`+name+`"`)
		if err != nil {
			c.fatalf("read %s of %s: %v", name, path, err)
		}
		cols, _ := rows.Columns()
		var table []string // the rows of one table
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				c.fatalf("read %s of %s: %v", name, path, err)
			}
			if name == "site_keys" && vals[0] == replaySite {
				continue
			}
			line := name
			for _, v := range vals {
				line += "|" + sqlValue(v)
			}
			table = append(table, line)
		}
		if err := rows.Err(); err != nil {
			c.fatalf("read %s of %s: %v", name, path, err)
		}
		rows.Close()
		lines = append(lines, table...)
	}
	slices.Sort(lines)
	return lines
}

func sqlValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return "x'" + hex.EncodeToString(v) + "'"
	case string:
		return strconv.Quote(v)
	default:
		return fmt.Sprint(v)
	}
}

// diff logs the first rows in which two databases differ.
func (c *cluster) diff(a, b string) {
	la, lb := c.tables(a), c.tables(b)
	onlyA := slices.DeleteFunc(slices.Clone(la), func(l string) bool { _, ok := slices.BinarySearch(lb, l); return ok })
	onlyB := slices.DeleteFunc(slices.Clone(lb), func(l string) bool { _, ok := slices.BinarySearch(la, l); return ok })
	show := func(path string, lines []string) {
		for _, l := range lines[:min(len(lines), 5)] {
			c.t.Logf("seed=%d: only in %s: %.400s", c.seed, path, l)
		}
	}
	show(a, onlyA)
	show(b, onlyB)
}

// checkReplay feeds one site's whole log, shuffled, with duplicates, in
// random batches, to a fresh store through ApplyRemote, as a peer with the
// worst manners would, until it holds everything; it must then show the
// same state.
func (c *cluster) checkReplay(want string) {
	c.t.Helper()
	ctx := context.Background()
	src := c.pick(c.sites)
	ops, err := src.st.Ops(ctx)
	if err != nil {
		c.fatalf("ops of %s: %v", src.name, err)
	}
	ops = slices.DeleteFunc(ops, func(op engine.Op) bool { return op.Origin == demoOrigin })
	// The fresh store's clock reads what the latest site clock reads: a
	// store refuses ops stamped far ahead of its clock (engine.MaxClockAhead).
	now := storeMorning
	for _, s := range c.sites {
		if t := s.clock.Now(); t.After(now) {
			now = t
		}
	}
	freshPath := filepath.Join(c.t.TempDir(), "replay.db")
	fresh, err := store.Open(ctx, freshPath, replaySite, engine.NewFixedClock(now))
	if err != nil {
		c.fatalf("open replay store: %v", err)
	}
	defer fresh.Close()
	if _, err := fresh.Apply(ctx, clusterSeedOps()); err != nil {
		c.fatalf("seed replay store: %v", err)
	}
	// The replay store knows the root, as a site enrolled in the cluster
	// does; every other key it learns from the enrollments it is fed.
	if err := fresh.JoinCluster(ctx, src.st.Root(), src.st.RootKey()); err != nil {
		c.fatalf("replay store joins: %v", err)
	}
	wantVec := c.vectors()[0]
	for round := 1; ; round++ {
		if got := c.vectors1(fresh); got == wantVec {
			c.t.Logf("seed=%d: replayed %d ops of %s in %d rounds", c.seed, len(ops), src.name, round-1)
			break
		}
		if round > 100 {
			c.fatalf("replay of %s's %d ops stuck after %d rounds: vector %s, want %s", src.name, len(ops), round, c.vectors1(fresh), wantVec)
		}
		// After the first round, what is held comes again only as the
		// duplicates scramble adds.
		held, err := fresh.Vector(ctx)
		if err != nil {
			c.fatalf("vector of the replay store: %v", err)
		}
		missing := ops
		if round > 1 {
			missing = slices.DeleteFunc(slices.Clone(ops), func(op engine.Op) bool { return op.Seq <= held[op.Origin] })
		}
		stream := c.scramble(missing, ops)
		for len(stream) > 0 {
			n := min(len(stream), 1+c.rng.IntN(60))
			known, _ := fresh.SiteKeys(ctx) // before the batch, which may enroll more
			res, err := fresh.ApplyRemote(ctx, stream[:n])
			if err != nil {
				c.fatalf("replay round %d: %v", round, err)
			}
			for _, r := range res.Rejected {
				if _, enrolled := known[r.Origin]; r.Reason == "unknown site key" && !enrolled {
					continue // its enrollment, an op of the root, comes later in the stream
				}
				if !strings.HasPrefix(r.Reason, "gap") {
					c.fatalf("replay round %d: %s/%d rejected: %s", round, r.Origin, r.Seq, r.Reason)
				}
			}
			stream = stream[n:]
		}
	}
	if got := c.digest(freshPath); got != want {
		c.errorf("replaying %s's log into a fresh store gives digest %s, want %s", src.name, got[:12], want[:12])
		c.diff(src.path, freshPath)
	}
}

// scramble returns ops interleaved across origins at random, each op moved
// up to a few places from where it was, and after a tenth of them one of
// all (again).
func (c *cluster) scramble(ops, all []engine.Op) []engine.Op {
	out := slices.Clone(ops)
	// Interleave: a random key per op that keeps most of an origin's order.
	type keyed struct {
		k  float64
		op engine.Op
	}
	ks := make([]keyed, len(out))
	for i, op := range out {
		ks[i] = keyed{k: float64(op.Seq) + 6*c.rng.Float64(), op: op}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		switch {
		case a.k < b.k:
			return -1
		case a.k > b.k:
			return 1
		}
		return strings.Compare(a.op.Origin, b.op.Origin)
	})
	out = out[:0]
	for _, k := range ks {
		out = append(out, k.op)
		if c.rng.IntN(10) == 0 {
			out = append(out, all[c.rng.IntN(len(all))])
		}
	}
	return out
}

func (c *cluster) vectors1(st *store.Store) string {
	c.t.Helper()
	v, err := st.Vector(context.Background())
	if err != nil {
		c.fatalf("vector of %s: %v", st.Site(), err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
