package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The cluster test runs four real sites (SQLite stores, real Nodes over TLS
// on 127.0.0.1) through a seeded random schedule of clerks' writes and
// network faults, then heals the network and checks that every site ends
// with the same state, and that replaying one site's log in a bad order
// gives that state too.
//
// Replay a failure with its seed:
//
//	go test ./sync -run TestCluster -clusterseed=N   (or PFORTE_SEED=N)
//
// The schedule is fixed by the seed; the timing of the nodes' own
// anti-entropy loops is not, so a replay makes the same writes and faults
// but not necessarily the same sessions.

var (
	clusterSeed  = flag.Uint64("clusterseed", 0, "run the cluster test with only this seed (also PFORTE_SEED)")
	clusterSeeds = flag.Int("clusterseeds", 5, "how many seeds the cluster test runs")
)

const (
	clusterSize  = 4
	clusterSteps = 200
	// skewed is the site whose clock runs ten minutes ahead.
	skewed = 3
)

// clusterSeedOps is the configuration every site applies itself, under
// the demo origin so that sync leaves it alone: the Bürger Büro takes
// appointments at two counters, Rathaus I takes walk-in visitors.
func clusterSeedOps() []engine.Op {
	var ops []engine.Op
	add := func(kind, id string, v any) {
		op := engine.DefineOp(kind, id, v)
		op.Origin, op.Author = demoOrigin, demoOrigin
		op.Seq = uint64(len(ops) + 1)
		op.HLC = engine.MakeHLC(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), uint16(len(ops)))
		ops = append(ops, op)
	}
	for _, b := range clusterBuildings {
		add(engine.KindBuildingDefined, b.ID, b)
	}
	add(engine.KindStaffDefined, "staff-mueller", engine.Staff{ID: "staff-mueller", Name: "Anna Müller", Building: "rathaus-1"})
	add(engine.KindStaffDefined, "staff-lange", engine.Staff{ID: "staff-lange", Name: "Petra Lange", Building: "rathaus-1"})
	for _, s := range []engine.Service{
		{ID: "anmeldung", Name: "Wohnsitz anmelden", DurationMin: 10, Buildings: []string{"buergerbuero"}},
		{ID: "meldebescheinigung", Name: "Meldebescheinigung", DurationMin: 5, Buildings: []string{"buergerbuero"}},
	} {
		add(engine.KindServiceDefined, s.ID, s)
	}
	for _, k := range []engine.Counter{
		{ID: "bb-1", Building: "buergerbuero", Name: "Schalter 1", Services: []string{"anmeldung", "meldebescheinigung"}},
		{ID: "bb-2", Building: "buergerbuero", Name: "Schalter 2", Services: []string{"anmeldung", "meldebescheinigung"}},
	} {
		add(engine.KindCounterDefined, k.ID, k)
	}
	return ops
}

var clusterBuildings = []engine.Building{
	{ID: "rathaus-1", Name: "Rathaus I", Hours: []engine.Interval{{Weekday: 3, Open: "08:00", Close: "18:00"}}},
	{ID: "buergerbuero", Name: "Bürger Büro", Hours: []engine.Interval{{Weekday: 3, Open: "08:00", Close: "18:00"}}},
}

var clusterCitizens = []engine.Citizen{
	{Name: "Hans Müller", BirthDate: "1980-05-17", Phone: "02921 555-1"},
	{Name: "Erika Mustermann", BirthDate: "1964-08-12"},
	{Name: "Jonas Weber", BirthDate: "1999-02-28", Phone: "02921 555-3"},
	{Name: "Deniz Aydin", BirthDate: "1975-11-03"},
}

// clusterSeedList is the seeds to run: -clusterseed or PFORTE_SEED alone,
// else -clusterseeds of them from 1.
func clusterSeedList(t *testing.T) []uint64 {
	t.Helper()
	if *clusterSeed != 0 {
		return []uint64{*clusterSeed}
	}
	if env := os.Getenv("PFORTE_SEED"); env != "" {
		s, err := strconv.ParseUint(env, 10, 64)
		if err != nil {
			t.Fatalf("PFORTE_SEED=%q: %v", env, err)
		}
		return []uint64{s}
	}
	seeds := make([]uint64, *clusterSeeds)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return seeds
}

func TestClusterConvergesUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test: four SQLite sites; not in -short")
	}
	for _, seed := range clusterSeedList(t) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			c := newCluster(t, seed)
			c.runSchedule()
			scheduled := time.Now()
			c.heal()
			c.converge(20 * time.Second)
			converged := time.Now()
			c.checkAcknowledged()
			want := c.checkSameDigest()
			c.checkReplay(want)
			t.Logf("seed=%d: schedule %v, convergence %v, checks and replay %v", seed,
				scheduled.Sub(start).Round(time.Millisecond), converged.Sub(scheduled).Round(time.Millisecond),
				time.Since(converged).Round(time.Millisecond))
		})
	}
}

// simNet is the network between the sites: every Dial goes through it.
// It knows which site listens where, and fails dials a partition or a
// one-way loss forbids. Connections it lets through may be slowed down
// per write or cut after a number of bytes, in the middle of a session.
type simNet struct {
	mu    gosync.Mutex
	owner map[string]int  // listen address → site
	cut   map[[2]int]bool // {from, to}: dials from → to fail
	delay time.Duration   // per write, on every new connection
	// flaky: a new connection is cut after a random number of bytes with
	// this probability (in percent)
	flaky                    int
	rng                      *rand.Rand
	dials, refused, cutShort atomic.Int64
}

var errSimCut = errors.New("simnet: unreachable")

func (n *simNet) dialer(from int) func(ctx context.Context, addr string) (net.Conn, error) {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		n.dials.Add(1)
		n.mu.Lock()
		to, known := n.owner[addr]
		blocked := known && n.cut[[2]int{from, to}]
		delay := n.delay
		budget := int64(-1)
		if n.flaky > 0 && n.rng.IntN(100) < n.flaky {
			budget = 100 + n.rng.Int64N(8_000)
		}
		n.mu.Unlock()
		if blocked {
			n.refused.Add(1)
			return nil, fmt.Errorf("%w: site %d → site %d", errSimCut, from, to)
		}
		d := net.Dialer{Timeout: 2 * time.Second}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		if delay > 0 || budget >= 0 {
			c = &faultConn{Conn: c, delay: delay, budget: budget, cuts: &n.cutShort}
		}
		return c, nil
	}
}

// partition splits the sites into groups that cannot reach each other.
func (n *simNet) partition(groups [][]int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut = map[[2]int]bool{}
	group := map[int]int{}
	for g, members := range groups {
		for _, m := range members {
			group[m] = g
		}
	}
	for a := range clusterSize {
		for b := range clusterSize {
			if group[a] != group[b] {
				n.cut[[2]int{a, b}] = true
			}
		}
	}
}

// loseOneWay makes from's dials to to fail; to still reaches from.
func (n *simNet) loseOneWay(from, to int) {
	n.mu.Lock()
	n.cut[[2]int{from, to}] = true
	n.mu.Unlock()
}

func (n *simNet) heal() {
	n.mu.Lock()
	n.cut, n.delay, n.flaky = map[[2]int]bool{}, 0, 0
	n.mu.Unlock()
}

func (n *simNet) setDelay(d time.Duration, flaky int) {
	n.mu.Lock()
	n.delay, n.flaky = d, flaky
	n.mu.Unlock()
}

func (n *simNet) listen(site int, addr string) {
	n.mu.Lock()
	n.owner[addr] = site
	n.mu.Unlock()
}

// faultConn is the dialling end of a connection on a bad line: each write
// waits a little, and after budget bytes (if ≥ 0) the line drops.
type faultConn struct {
	net.Conn
	delay  time.Duration
	mu     gosync.Mutex
	budget int64
	cuts   *atomic.Int64
}

func (c *faultConn) Write(p []byte) (int, error) {
	if c.delay > 0 {
		// A real slow line, not a test waiting for something to happen.
		time.Sleep(c.delay)
	}
	c.mu.Lock()
	if c.budget >= 0 {
		c.budget -= int64(len(p))
		if c.budget < 0 {
			c.mu.Unlock()
			c.cuts.Add(1)
			c.Conn.Close()
			return 0, fmt.Errorf("%w: line dropped", errSimCut)
		}
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// clusterSite is one member of the cluster; st and node are nil while it is down.
type clusterSite struct {
	i     int
	name  string
	path  string
	addr  string
	clock *engine.FixedClock
	st    *store.Store
	node  *Node
}

// ackedWrite is a write a site acknowledged to its clerk.
type ackedWrite struct {
	step int
	site int
	kind string // "visit", "pickup", "leave", "book", "cancel", "checkin"
	id   string
}

type cluster struct {
	t      *testing.T
	seed   uint64
	rng    *rand.Rand
	net    *simNet
	key    []byte
	sites  []*clusterSite
	acks   []ackedWrite
	trace  []string
	days   map[string]bool // local days anything happened on
	step   int
	errors int
}

func newCluster(t *testing.T, seed uint64) *cluster {
	t.Helper()
	c := &cluster{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x9f0a7e)),
		net:  &simNet{owner: map[string]int{}, cut: map[[2]int]bool{}, rng: rand.New(rand.NewPCG(seed, 1))},
		key:  testKey,
		days: map[string]bool{},
	}
	dir := t.TempDir() // before the cleanup below, so that it is removed after the stores close
	t.Cleanup(func() {
		if t.Failed() {
			from := max(0, len(c.trace)-40)
			t.Logf("seed=%d: last steps of the schedule:\n%s", seed, strings.Join(c.trace[from:], "\n"))
			t.Logf("seed=%d: replay with -clusterseed=%d or PFORTE_SEED=%d", seed, seed, seed)
		}
		for _, s := range c.sites {
			c.stop(s)
		}
	})
	for i := range clusterSize {
		start := storeMorning
		if i == skewed {
			start = start.Add(10 * time.Minute)
		}
		s := &clusterSite{i: i, name: fmt.Sprintf("site-%c", 'a'+i), path: filepath.Join(dir, fmt.Sprintf("site-%d.db", i)),
			clock: engine.NewFixedClock(start)}
		c.sites = append(c.sites, s)
		c.open(s)
		if _, err := s.st.Apply(context.Background(), clusterSeedOps()); err != nil {
			c.fatalf("seed %s: %v", s.name, err)
		}
		c.startNode(s, "127.0.0.1:0")
	}
	return c
}

func (c *cluster) fatalf(format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf("seed=%d step %d: %s", c.seed, c.step, fmt.Sprintf(format, args...))
}

// errorf reports a failed check; after a dozen the test stops, since the
// rest are mostly the same fault seen from other sites.
func (c *cluster) errorf(format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("seed=%d: %s", c.seed, fmt.Sprintf(format, args...))
	if c.errors++; c.errors >= 12 {
		c.t.FailNow()
	}
}

func (c *cluster) logf(format string, args ...any) {
	c.trace = append(c.trace, fmt.Sprintf("%4d ", c.step)+fmt.Sprintf(format, args...))
}

func (c *cluster) open(s *clusterSite) {
	c.t.Helper()
	st, err := store.Open(context.Background(), s.path, s.name, s.clock)
	if err != nil {
		c.fatalf("open %s: %v", s.name, err)
	}
	s.st = st
}

// startNode starts s's node on addr: port 0 the first time, its old
// address after a restart, so that peers find it where it was.
func (c *cluster) startNode(s *clusterSite, addr string) {
	c.t.Helper()
	n, err := NewNode(Config{
		Log: s.st, Key: c.key, Listen: addr, Logger: quietLogger(), Dial: c.net.dialer(s.i),
		Interval: 60 * time.Millisecond, MaxBackoff: 300 * time.Millisecond,
		HandshakeTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second, Batch: 7 + c.rng.IntN(40),
	})
	if err != nil {
		c.fatalf("node %s: %v", s.name, err)
	}
	if err := n.Start(context.Background()); err != nil {
		c.fatalf("start %s: %v", s.name, err)
	}
	s.node, s.addr = n, n.Addr()
	c.net.listen(s.i, s.addr)
	self := s.i
	n.SetPeers(func() []string { return c.peerAddrs(self) })
}

// peerAddrs are the other sites' addresses, down or not: a down site is a
// dial that fails, as in life.
func (c *cluster) peerAddrs(self int) []string {
	c.net.mu.Lock()
	defer c.net.mu.Unlock()
	var out []string
	for addr, i := range c.net.owner {
		if i != self {
			out = append(out, addr)
		}
	}
	return out
}

// stop closes a site's node and store: a crash as far as the others can
// tell (synchronous=FULL makes an acknowledged write survive a real one).
func (c *cluster) stop(s *clusterSite) {
	if s.node != nil {
		s.node.Close()
		s.node = nil
	}
	if s.st != nil {
		if err := s.st.Close(); err != nil {
			c.t.Errorf("seed=%d: close %s: %v", c.seed, s.name, err)
		}
		s.st = nil
	}
}

func (c *cluster) up() []*clusterSite {
	var out []*clusterSite
	for _, s := range c.sites {
		if s.st != nil {
			out = append(out, s)
		}
	}
	return out
}

func (c *cluster) pick(list []*clusterSite) *clusterSite { return list[c.rng.IntN(len(list))] }

// domainErr passes errors a clerk can get (*engine.Error: slot taken,
// already left, …) and fails on any other.
func (c *cluster) domainErr(what string, err error) bool {
	c.t.Helper()
	var e *engine.Error
	if err != nil && !errors.As(err, &e) {
		c.fatalf("%s: %v", what, err)
	}
	return err == nil
}

func (c *cluster) runSchedule() {
	for c.step = 1; c.step <= clusterSteps; c.step++ {
		for _, s := range c.sites {
			s.clock.Add(20 * time.Second)
			c.days[engine.Day(s.clock.Now())] = true
		}
		up := c.up()
		s := c.pick(up)
		switch r := c.rng.IntN(100); {
		case r < 18:
			c.register(s)
		case r < 26:
			c.changeVisit(s, "pickup")
		case r < 32:
			c.changeVisit(s, "leave")
		case r < 45:
			c.book(s)
		case r < 50:
			c.changeAppointment(s, "cancel")
		case r < 56:
			c.changeAppointment(s, "checkin")
		case r < 62:
			c.partition()
		case r < 65:
			a, b := c.rng.IntN(clusterSize), c.rng.IntN(clusterSize)
			if a != b {
				c.net.loseOneWay(a, b)
				c.logf("one-way loss %d → %d", a, b)
			}
		case r < 68:
			c.net.heal()
			c.logf("heal")
		case r < 72:
			d, flaky := time.Duration(c.rng.IntN(3))*time.Millisecond, c.rng.IntN(60)
			c.net.setDelay(d, flaky)
			c.logf("line: %v per write, %d%% of connections drop", d, flaky)
		case r < 76:
			c.crashOrRestart()
		case r < 82:
			peer := c.pick(c.sites)
			if peer != s {
				s.node.Trigger(peer.addr)
				c.logf("%s: trigger %s", s.name, peer.name)
			}
		case r < 90:
			c.syncTwice(s)
		default:
			c.syncRound()
		}
	}
}

func (c *cluster) ack(s *clusterSite, kind, id string) {
	c.acks = append(c.acks, ackedWrite{step: c.step, site: s.i, kind: kind, id: id})
	c.logf("%s: %s %s", s.name, kind, id)
}

func (c *cluster) register(s *clusterSite) {
	cz := clusterCitizens[c.rng.IntN(len(clusterCitizens))]
	host := []string{"staff-mueller", "staff-lange"}[c.rng.IntN(2)]
	v, err := s.st.RegisterVisit(context.Background(), "reception", engine.NewVisit{
		Building: "rathaus-1", Name: cz.Name, Phone: "02921 103-0", Host: host, Reason: "Rückfrage zum Bescheid"})
	if c.domainErr("register", err) {
		c.ack(s, "visit", v.ID)
	}
}

// changeVisit picks up or signs out a visitor this site knows of.
func (c *cluster) changeVisit(s *clusterSite, kind string) {
	ctx := context.Background()
	vs, err := s.st.Visits(ctx, "rathaus-1", engine.Day(s.clock.Now()))
	if err != nil {
		c.fatalf("visits at %s: %v", s.name, err)
	}
	if len(vs) == 0 {
		return
	}
	v := vs[c.rng.IntN(len(vs))]
	if kind == "pickup" {
		_, err = s.st.PickUpVisit(ctx, "reception", v.ID, "staff-lange")
	} else {
		_, err = s.st.LeaveVisit(ctx, "reception", v.ID)
	}
	if c.domainErr(kind+" "+v.ID, err) {
		c.ack(s, kind, v.ID)
	}
}

// book books a random free slot of today as this site sees it; across a
// partition two sites may well give away the same one.
func (c *cluster) book(s *clusterSite) {
	now := s.clock.Now()
	svc := []string{"anmeldung", "meldebescheinigung"}[c.rng.IntN(2)]
	slots, err := s.st.Slots(engine.Query{Building: "buergerbuero", Services: []string{svc}, From: engine.Day(now),
		Days: 1, Channel: engine.ChannelDesk, Now: now}, 30)
	if err != nil {
		c.fatalf("slots at %s: %v", s.name, err)
	}
	if len(slots) == 0 {
		return
	}
	slot := slots[c.rng.IntN(len(slots))]
	a, err := s.st.Book(context.Background(), "reception", engine.BookingRequest{Building: "buergerbuero",
		Services: []string{svc}, Start: slot.Start, Channel: engine.ChannelDesk,
		Citizen: clusterCitizens[c.rng.IntN(len(clusterCitizens))]})
	if c.domainErr("book", err) {
		c.days[engine.Day(a.Start)] = true
		c.ack(s, "book", a.ID)
	}
}

// changeAppointment cancels or checks in an appointment this site knows of.
func (c *cluster) changeAppointment(s *clusterSite, kind string) {
	ctx := context.Background()
	as, err := s.st.Appointments(ctx, "buergerbuero", engine.Day(s.clock.Now()))
	if err != nil {
		c.fatalf("appointments at %s: %v", s.name, err)
	}
	if len(as) == 0 {
		return
	}
	a := as[c.rng.IntN(len(as))]
	if kind == "cancel" {
		_, err = s.st.Cancel(ctx, "reception", a.ID)
	} else {
		_, err = s.st.CheckIn(ctx, "terminal", store.CheckInRequest{Building: "buergerbuero", Code: a.Code})
	}
	if c.domainErr(kind+" "+a.ID, err) {
		c.ack(s, kind, a.ID)
	}
}

func (c *cluster) partition() {
	order := c.rng.Perm(clusterSize)
	cut := 1 + c.rng.IntN(clusterSize-1)
	groups := [][]int{order[:cut], order[cut:]}
	c.net.partition(groups)
	c.logf("partition %v | %v", groups[0], groups[1])
}

// crashOrRestart brings a down site back, or takes one down while at
// least two others stay up.
func (c *cluster) crashOrRestart() {
	for _, s := range c.sites {
		if s.st == nil && c.rng.IntN(2) == 0 {
			c.restart(s)
			return
		}
	}
	if up := c.up(); len(up) > 2 {
		s := c.pick(up)
		c.stop(s)
		c.logf("%s: crash", s.name)
	}
}

func (c *cluster) restart(s *clusterSite) {
	c.open(s)
	c.startNode(s, s.addr)
	c.logf("%s: restart at %s", s.name, s.addr)
}

// syncTwice runs two sessions of s with one peer at the same time, or
// with two peers, so that the same ops arrive twice and interleaved.
func (c *cluster) syncTwice(s *clusterSite) {
	a, b := c.pick(c.sites), c.pick(c.sites)
	c.logf("%s: sync with %s and %s at once", s.name, a.name, b.name)
	var wg gosync.WaitGroup
	for _, p := range []*clusterSite{a, b} {
		if p == s {
			continue
		}
		wg.Go(func() {
			// Failures are the faults at work; convergence is checked later.
			s.node.SyncWith(context.Background(), p.addr)
		})
	}
	wg.Wait()
}

// syncRound has every site that is up sync with a random other site, all
// at once: sessions cross, and some meet the faults of the moment.
func (c *cluster) syncRound() {
	c.logf("sync round")
	var wg gosync.WaitGroup
	for _, s := range c.up() {
		p := c.pick(c.sites)
		if p == s {
			continue
		}
		wg.Go(func() { s.node.SyncWith(context.Background(), p.addr) })
	}
	wg.Wait()
}

// heal ends every fault and brings every site back up.
func (c *cluster) heal() {
	c.net.heal()
	for _, s := range c.sites {
		if s.st == nil {
			c.restart(s)
		}
	}
	c.logf("heal all")
}

// converge drives sessions between every pair until all vectors are equal.
func (c *cluster) converge(d time.Duration) {
	c.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(d)
	for {
		vecs := c.vectors()
		if allEqual(vecs) {
			return
		}
		if time.Now().After(deadline) {
			for _, s := range c.sites {
				c.t.Logf("seed=%d: %s's peers: %+v", c.seed, s.name, s.node.Status())
			}
			c.fatalf("no convergence within %v: vectors %v; dials %d, refused %d, cut short %d",
				d, vecs, c.net.dials.Load(), c.net.refused.Load(), c.net.cutShort.Load())
		}
		for _, s := range c.sites {
			for _, p := range c.sites {
				if s != p {
					s.node.SyncWith(ctx, p.addr)
				}
			}
		}
	}
}

func (c *cluster) vectors() []string {
	c.t.Helper()
	var out []string
	for _, s := range c.sites {
		v, err := s.st.Vector(context.Background())
		if err != nil {
			c.fatalf("vector of %s: %v", s.name, err)
		}
		b, _ := json.Marshal(v) // map keys sorted
		out = append(out, string(b))
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

// checkAcknowledged: whatever a site acknowledged is on every site, and a
// pick-up or sign-out stays (the first of each counts, so none undoes it).
func (c *cluster) checkAcknowledged() {
	c.t.Helper()
	ctx := context.Background()
	var visits, appts int
	for _, a := range c.acks {
		for _, s := range c.sites {
			switch a.kind {
			case "visit", "pickup", "leave":
				v, err := s.st.Visit(ctx, a.id)
				switch {
				case err != nil:
					c.errorf("%s lacks visit %s (%s at %s, step %d): %v", s.name, a.id, a.kind, c.sites[a.site].name, a.step, err)
				case a.kind == "pickup" && v.PickedUpAt.IsZero():
					c.errorf("%s: visit %s not picked up; %s acknowledged it at step %d", s.name, a.id, c.sites[a.site].name, a.step)
				case a.kind == "leave" && v.LeftAt.IsZero():
					c.errorf("%s: visit %s not signed out; %s acknowledged it at step %d", s.name, a.id, c.sites[a.site].name, a.step)
				}
			default:
				if _, err := s.st.Appointment(ctx, a.id); err != nil {
					c.errorf("%s lacks appointment %s (%s at %s, step %d): %v", s.name, a.id, a.kind, c.sites[a.site].name, a.step, err)
				}
			}
		}
		switch a.kind {
		case "visit":
			visits++
		case "book":
			appts++
		}
	}
	c.t.Logf("seed=%d: %d acknowledged writes (%d visits, %d appointments, %d places given twice); dials %d, refused %d, lines dropped %d",
		c.seed, len(c.acks), visits, appts, c.doubleBooked(), c.net.dials.Load(), c.net.refused.Load(), c.net.cutShort.Load())
}

// doubleBooked counts active appointments that share a counter and start
// with another: the price of booking on both sides of a partition.
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

// checkSameDigest compares every site's digest; the skewed site's clock
// must not have made its copy different.
func (c *cluster) checkSameDigest() string {
	c.t.Helper()
	want := c.digest(c.sites[0].st)
	for _, s := range c.sites[1:] {
		if got := c.digest(s.st); got != want {
			what := ""
			if s.i == skewed {
				what = " (the site with its clock 10 minutes ahead)"
			}
			c.errorf("%s%s has digest %s, %s has %s", s.name, what, got[:12], c.sites[0].name, want[:12])
			c.diff(c.sites[0].st, s.st)
		}
	}
	return want
}

// digest hashes what clerks see: every visit and appointment of every
// building on every day anything happened, and the vector.
func (c *cluster) digest(st *store.Store) string {
	c.t.Helper()
	h := sha256.New()
	for _, line := range c.state(st) {
		fmt.Fprintln(h, line)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// state is a store's materialised rows, one JSON line each, in the order
// its queries return them.
func (c *cluster) state(st *store.Store) []string {
	c.t.Helper()
	ctx := context.Background()
	days := make([]string, 0, len(c.days))
	for d := range c.days {
		days = append(days, d)
	}
	slices.Sort(days)
	var lines []string
	add := func(prefix string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			c.fatalf("marshal: %v", err)
		}
		lines = append(lines, prefix+" "+string(b))
	}
	for _, b := range clusterBuildings {
		for _, day := range days {
			vs, err := st.Visits(ctx, b.ID, day)
			if err != nil {
				c.fatalf("visits of %s: %v", st.Site(), err)
			}
			for _, v := range vs {
				add("visit", v)
			}
			as, err := st.Appointments(ctx, b.ID, day)
			if err != nil {
				c.fatalf("appointments of %s: %v", st.Site(), err)
			}
			for _, a := range as {
				add("appointment", a)
			}
		}
	}
	vec, err := st.Vector(ctx)
	if err != nil {
		c.fatalf("vector of %s: %v", st.Site(), err)
	}
	add("vector", vec)
	return lines
}

// diff logs the first rows in which two stores differ.
func (c *cluster) diff(a, b *store.Store) {
	la, lb := c.state(a), c.state(b)
	shown := 0
	for i := 0; i < max(len(la), len(lb)) && shown < 5; i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			c.t.Logf("seed=%d: row %d\n  %s: %s\n  %s: %s", c.seed, i, a.Site(), x, b.Site(), y)
			shown++
		}
	}
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
	keys, err := src.st.SiteKeys(ctx)
	if err != nil {
		c.fatalf("site keys of %s: %v", src.name, err)
	}
	fresh, err := store.Open(ctx, filepath.Join(c.t.TempDir(), "replay.db"), "site-replay", engine.NewFixedClock(storeMorning))
	if err != nil {
		c.fatalf("open replay store: %v", err)
	}
	defer fresh.Close()
	if _, err := fresh.Apply(ctx, clusterSeedOps()); err != nil {
		c.fatalf("seed replay store: %v", err)
	}
	if err := fresh.LearnSiteKeys(ctx, keys); err != nil {
		c.fatalf("replay store learns keys: %v", err)
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
			res, err := fresh.ApplyRemote(ctx, stream[:n])
			if err != nil {
				c.fatalf("replay round %d: %v", round, err)
			}
			for _, r := range res.Rejected {
				if !strings.HasPrefix(r.Reason, "gap") {
					c.fatalf("replay round %d: %s/%d rejected: %s", round, r.Origin, r.Seq, r.Reason)
				}
			}
			stream = stream[n:]
		}
	}
	if got := c.digest(fresh); got != want {
		c.errorf("replaying %s's log into a fresh store gives digest %s, want %s", src.name, got[:12], want[:12])
		c.diff(src.st, fresh)
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
