package sync

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/hashicorp/serf/serf"

	"pforte/engine"
	"pforte/engine/store"
)

// The cluster test runs four real sites in one process: SQLite stores,
// Serf agents gossiping over UDP and TCP on 127.0.0.1, and Nodes syncing
// over TLS, wired as the app wires them (Node.Attach: peers from Serf's
// "sync" tags, "seq" hints, store.OnCommit). Both planes go through a
// simNet (faultnet_test.go) that the schedule cuts. A seeded random
// schedule of clerks' writes and faults (partitions, one-way loss, slow
// and dropping lines, lost, doubled and reordered gossip, crashes without
// a goodbye and restarts on new ports with the database kept) runs in real
// time, so that Serf notices; then the network heals, and the nodes must
// converge by themselves. The clerks book the escrowed Bürger Büro at
// every site, on the same days and times, and take day tickets; every
// site hands on tokens (store.ReconcileTokens) every minute of its clock
// (cluster_escrow_test.go); connected, a site books places on other
// sites' tokens, asking their owners for them (RequestTokens), who are
// now and then cut off in the middle of the request
// (cluster_tokens_test.go); appointments are checked in, called, served,
// marked no-show and cancelled, visitors picked up and signed out.
// Checks: after every step, on every site that is up and over all of them
// together, no place is given twice and no day ticket over-issued; after
// healing, every acknowledged write is everywhere, every appointment and
// visit is in the status its acknowledged actions give it on every site,
// no booking vanished, every token has one owner that may book on it and
// no token request lost one, every table is the same on every site (the
// site whose clock runs four minutes ahead too), and replaying one site's
// log shuffled and with duplicates into a fresh store gives that same
// database.
//
// Seeds: -clusterseeds=N or PFORTE_SEEDS=N runs seeds 1…N (default 4, four
// at a time: -clusterparallel); -clusterseed=N or PFORTE_SEED=N runs only
// seed N. The test ends with one line "soak: N seeds, M passed, failed
// seeds: …" (make soak runs 200 seeds and shows it). A failing seed prints
// the command that replays it. The schedule is fixed by the seed; the
// timing of Serf and of the nodes' loops is not, so a replay makes the
// same writes and faults but not necessarily the same sessions.

var (
	clusterSeed  = flag.Uint64("clusterseed", 0, "run the cluster test with only this seed (also PFORTE_SEED)")
	clusterSeeds = flag.Int("clusterseeds", 4, "how many seeds the cluster test runs (also PFORTE_SEEDS)")
	// A seed mostly waits for Serf's timers, so more run at once than
	// there are CPUs; too many and the race detector slows Serf's probes
	// into false alarms (harmless, but the run takes longer).
	clusterParallel = flag.Int("clusterparallel", 4, "how many cluster test seeds run at once")
)

const (
	clusterSize  = 4
	clusterSteps = 160
	// skewed is the site whose clock runs skew ahead: as far as sites
	// still take each other's ops (engine.MaxClockAhead), almost.
	skewed = 3
	skew   = 4 * time.Minute
	// stepPause is the real time between two steps of the schedule: long
	// enough that a fault held for a dozen steps is one Serf notices.
	stepPause = 10 * time.Millisecond
	// settle is how long the healed cluster has to converge by itself.
	settle = 40 * time.Second
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

// The Bürger Büro is escrowed (engine/token.go): site-a is its home, the
// three others are allotted a share of its places in half-hour tokens and
// of its day tickets. Its release time falls inside the schedule (09:14 to
// 10:07; 09:18 to 10:11 on the skewed site), so that the branches return
// today's tokens home while the faults go on.
var clusterBuildings = []engine.Building{
	{ID: "rathaus-1", Name: "Rathaus I", Hours: []engine.Interval{{Weekday: 3, Open: "08:00", Close: "18:00"}}},
	{ID: escrowBuilding, Name: "Bürger Büro", Hours: []engine.Interval{{Weekday: 3, Open: "08:00", Close: "18:00"}},
		HomeSite: "site-a", Booking: engine.BookingRules{DayTickets: clusterDayTickets, ReleaseAt: "09:40", TokenMinutes: 30,
			Allotments: map[string]int{"site-b": 20, "site-c": 15, "site-d": 15}}},
}

var clusterCitizens = []engine.Citizen{
	{Name: "Hans Müller", BirthDate: "1980-05-17", Phone: "02921 555-1"},
	{Name: "Erika Mustermann", BirthDate: "1964-08-12"},
	{Name: "Jonas Weber", BirthDate: "1999-02-28", Phone: "02921 555-3"},
	{Name: "Deniz Aydin", BirthDate: "1975-11-03"},
}

// clusterSeedList is the seeds to run: -clusterseed or PFORTE_SEED alone,
// else -clusterseeds or PFORTE_SEEDS of them from 1.
func clusterSeedList(t *testing.T) []uint64 {
	t.Helper()
	env := func(name string) uint64 {
		v := os.Getenv(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, v, err)
		}
		return n
	}
	if *clusterSeed != 0 {
		return []uint64{*clusterSeed}
	}
	if s := env("PFORTE_SEED"); s != 0 {
		return []uint64{s}
	}
	count := uint64(*clusterSeeds)
	if n := env("PFORTE_SEEDS"); n != 0 {
		count = n
	}
	seeds := make([]uint64, count)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return seeds
}

// TestClusterConvergesUnderFaults runs -clusterparallel seeds at a time,
// whatever -parallel says: a seed spends most of its time waiting for
// Serf's timers, not on a CPU.
func TestClusterConvergesUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test: four SQLite sites with Serf in real time; not in -short")
	}
	t.Parallel()
	slots := make(chan struct{}, max(1, *clusterParallel))
	var wg gosync.WaitGroup
	var mu gosync.Mutex
	var failed []uint64
	seeds := clusterSeedList(t)
	for _, seed := range seeds {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if !t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runClusterSeed(t, seed) }) {
				mu.Lock()
				failed = append(failed, seed)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// One line for make soak to show (it greps "soak: ").
	slices.Sort(failed)
	list := "none"
	if len(failed) > 0 {
		list = strings.Trim(strings.Join(strings.Fields(fmt.Sprint(failed)), ", "), "[]")
	}
	t.Logf("soak: %d seeds, %d passed, failed seeds: %s", len(seeds), len(seeds)-len(failed), list)
}

// runClusterSeed is one run of the cluster test: schedule, heal, settle,
// check.
func runClusterSeed(t *testing.T, seed uint64) {
	start := time.Now()
	c := newCluster(t, seed)
	c.runSchedule()
	scheduled := time.Now()
	c.heal()
	c.converge(settle)
	converged := time.Now()
	c.checkAcknowledged()
	c.checkCapacity("after healing")
	c.checkBookingsKept()
	c.checkTokens()
	want := c.checkSameDigest()
	c.checkReplay(want)
	t.Logf("seed=%d: schedule %v, convergence %v, checks and replay %v; Serf saw a partition %d times, %d members failed, %d rejoined",
		seed, scheduled.Sub(start).Round(time.Millisecond), converged.Sub(scheduled).Round(time.Millisecond),
		time.Since(converged).Round(time.Millisecond), c.partitionsSeen, c.serfFailed.Load(), c.serfRejoined.Load())
}

// clusterSite is one member of the cluster; st, node and members are nil
// while it is down.
type clusterSite struct {
	i       int
	name    string
	dir     string // the database and the Serf snapshot, kept across a crash
	path    string
	clock   *engine.FixedClock
	st      *store.Store
	node    *Node
	members *Membership
	addr    string        // data plane, as of the last start
	gossip  string        // gossip, as of the last start
	down    chan struct{} // closed when the agent is shut down
}

// ackedWrite is a write a site acknowledged to its clerk.
type ackedWrite struct {
	step int
	site int
	kind string // "visit", "pickup", "leave"; "book", "checkin", "call", "serve", "noshow", "cancel"
	id   string
}

type cluster struct {
	t     *testing.T
	seed  uint64
	rng   *rand.Rand // the schedule's; only the test goroutine uses it
	net   *simNet
	key   []byte
	sites []*clusterSite
	acks  []ackedWrite
	trace []string
	days  map[string]bool // local days anything happened on
	// booked is every booking a site acknowledged, as it was booked: the
	// places the other sites try to take too.
	booked     []engine.Appointment
	reported   map[string]bool // capacity violations already reported
	staleViews int             // of them, a site's view before a cancel reached it
	checking   time.Duration   // spent checking the capacity
	// seen is each site's appointments at the last check, by its vector.
	seen  map[string]map[string][]engine.Appointment
	step  int
	began time.Time

	// tokens: the schedule's requests for other sites' tokens
	// (cluster_tokens_test.go); the owners' handlers fill them in.
	tokens tokenDesk

	errors         int
	partitionsSeen int // partitions Serf noticed before the schedule went on
	serfFailed     counter
	serfRejoined   counter
}

func newCluster(t *testing.T, seed uint64) *cluster {
	t.Helper()
	c := &cluster{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x9f0a7e)),
		net: newSimNet(clusterSize, seed), key: testKey, days: map[string]bool{}, reported: map[string]bool{},
		seen: map[string]map[string][]engine.Appointment{}, began: time.Now(),
	}
	dir := t.TempDir() // before the cleanup below, so that it is removed after the stores close
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("PFORTE_CLUSTER_TRACE") != "" {
			// The whole schedule: a place given twice at the end may
			// go back to a booking at its start.
			t.Logf("seed=%d: the schedule:\n%s", seed, strings.Join(c.trace, "\n"))
			t.Logf("seed=%d: network: %s", seed, c.net.stats())
			t.Logf("seed=%d: replay with\n\tgo test -race ./sync -run 'TestClusterConvergesUnderFaults/seed=%d$' -clusterseed=%d -v",
				seed, seed, seed)
		}
		for _, s := range c.sites {
			c.shutdown(s)
			if s.st != nil {
				s.st.Close()
				s.st = nil
			}
		}
	})
	for i := range clusterSize {
		start := storeMorning
		if i == skewed {
			start = start.Add(skew)
		}
		s := &clusterSite{i: i, name: fmt.Sprintf("site-%c", 'a'+i), dir: filepath.Join(dir, fmt.Sprintf("site-%d", i)),
			clock: engine.NewFixedClock(start)}
		s.path = filepath.Join(s.dir, "pforte.db")
		if err := os.Mkdir(s.dir, 0o700); err != nil {
			c.fatalf("%v", err)
		}
		c.sites = append(c.sites, s)
		c.open(s)
		if _, err := s.st.Apply(context.Background(), clusterSeedOps()); err != nil {
			c.fatalf("seed %s: %v", s.name, err)
		}
		joinTestCluster(c.t, s.st, clusterBuildings[s.i%len(clusterBuildings)].ID)
		c.start(s)
	}
	c.dealAllotments()
	return c
}

// counter is an int that Serf's event goroutines add to.
type counter struct {
	mu gosync.Mutex
	n  int
}

func (a *counter) Add(d int) { a.mu.Lock(); a.n += d; a.mu.Unlock() }
func (a *counter) Load() int { a.mu.Lock(); defer a.mu.Unlock(); return a.n }

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
	c.trace = append(c.trace, fmt.Sprintf("%4d %6.2fs ", c.step, time.Since(c.began).Seconds())+fmt.Sprintf(format, args...))
}

// logger is quiet unless PFORTE_CLUSTER_LOG is set (then Serf's and the
// nodes' lines go to stderr, tagged with the site).
func (c *cluster) logger(s *clusterSite) *slog.Logger {
	if os.Getenv("PFORTE_CLUSTER_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).
		With("seed", c.seed, "site", s.name)
}

func (c *cluster) open(s *clusterSite) {
	c.t.Helper()
	st, err := store.Open(context.Background(), s.path, s.name, s.clock)
	if err != nil {
		c.fatalf("open %s: %v", s.name, err)
	}
	s.st = st
}

// tune shortens Serf's timers from seconds to about a tenth, so that a
// partition held for a second is one Serf acts on, and puts s's gossip on
// the simNet.
func (c *cluster) tune(s *clusterSite) func(*serf.Config) {
	return func(conf *serf.Config) {
		tr, err := newGossipTransport(c.net, s.i)
		if err != nil {
			c.fatalf("gossip transport for %s: %v", s.name, err)
		}
		ml := conf.MemberlistConfig
		ml.Transport = tr
		ml.ProbeInterval, ml.ProbeTimeout = 150*time.Millisecond, 80*time.Millisecond
		ml.SuspicionMult, ml.SuspicionMaxTimeoutMult = 2, 3
		ml.GossipInterval, ml.PushPullInterval = 30*time.Millisecond, 600*time.Millisecond
		ml.TCPTimeout = time.Second
		ml.DeadNodeReclaimTime = 300 * time.Millisecond
		ml.GossipToTheDeadTime = 2 * time.Second
		conf.ReconnectInterval = 150 * time.Millisecond
		events := make(chan serf.Event, 64)
		inner := conf.EventCh
		conf.EventCh = events
		s.down = make(chan struct{})
		go c.countMemberEvents(events, inner, s.down)
	}
}

// countMemberEvents counts what Serf saw happen to members and passes
// every event on to the Membership, until the agent is shut down.
func (c *cluster) countMemberEvents(in <-chan serf.Event, out chan<- serf.Event, down <-chan struct{}) {
	for {
		var e serf.Event
		select {
		case e = <-in:
		case <-down:
			return
		}
		if me, ok := e.(serf.MemberEvent); ok {
			switch me.EventType() {
			case serf.EventMemberFailed:
				c.serfFailed.Add(len(me.Members))
			case serf.EventMemberJoin:
				c.serfRejoined.Add(len(me.Members))
			}
		}
		select {
		case out <- e:
		case <-down:
			return
		}
	}
}

// start starts s's Serf agent and node on fresh ports, wired as the app
// wires them, and joins the sites that are up, as a --join list would.
func (c *cluster) start(s *clusterSite) {
	c.t.Helper()
	var join []string
	for _, o := range c.sites {
		if o != s && o.members != nil {
			join = append(join, o.gossip)
		}
	}
	m, err := StartMembership(MembershipConfig{
		Site: s.name, Building: clusterBuildings[s.i%len(clusterBuildings)].ID, Bind: "127.0.0.1:0",
		Join: join, Key: c.key, DataDir: s.dir, Tune: c.tune(s),
	}, c.logger(s))
	if err != nil {
		c.fatalf("gossip of %s: %v", s.name, err)
	}
	n, err := NewNode(Config{
		Log: s.st, Identity: s.st.SigningKey(), Listen: "127.0.0.1:0", Logger: c.logger(s), Dial: c.net.dialer(s.i),
		Interval: 80 * time.Millisecond, MaxBackoff: 400 * time.Millisecond,
		HandshakeTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second, Batch: 7 + c.rng.IntN(40),
		Tokens: c.handOver(s.i, s.st),
	})
	if err != nil {
		c.fatalf("node %s: %v", s.name, err)
	}
	if err := n.Start(context.Background()); err != nil {
		c.fatalf("start %s: %v", s.name, err)
	}
	if err := n.Attach(m); err != nil {
		c.fatalf("attach %s: %v", s.name, err)
	}
	s.st.OnCommit(n.Committed)
	s.node, s.members, s.addr, s.gossip = n, m, n.Addr(), m.Addr()
	c.net.listen(s.i, s.addr)
	c.net.listen(s.i, s.gossip)
}

// shutdown stops s's node and Serf agent without a goodbye: no Leave, so
// the others find out by failure detection, as after a power cut.
func (c *cluster) shutdown(s *clusterSite) {
	if s.node != nil {
		s.node.Close()
		s.node = nil
	}
	if m := s.members; m != nil {
		m.cancel()
		if err := m.serf.Shutdown(); err != nil {
			c.t.Errorf("seed=%d: shut down gossip of %s: %v", c.seed, s.name, err)
		}
		m.wg.Wait()
		close(s.down)
		s.members = nil
	}
}

// crash takes s down as a power cut would: no Leave, and the database as
// the disk held it, its WAL not checkpointed (store.Close checkpoints, so
// the files are copied before it and put back after).
func (c *cluster) crash(s *clusterSite) {
	c.t.Helper()
	c.shutdown(s) // nothing writes to the store after this
	saved := map[string][]byte{}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(s.path + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			c.fatalf("crash %s: %v", s.name, err)
		}
		if err == nil {
			saved[suffix] = b
		}
	}
	if err := s.st.Close(); err != nil {
		c.fatalf("close %s: %v", s.name, err)
	}
	s.st = nil
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(s.path + suffix)
	}
	for suffix, b := range saved {
		if err := os.WriteFile(s.path+suffix, b, 0o600); err != nil {
			c.fatalf("crash %s: %v", s.name, err)
		}
	}
	c.logf("%s: crash (WAL of %d bytes not checkpointed)", s.name, len(saved["-wal"]))
}

// restart brings s back with its database and Serf snapshot, on new
// ports: its old gossip address is declared dead and its name reclaimed.
func (c *cluster) restart(s *clusterSite) {
	c.open(s)
	c.start(s)
	c.logf("%s: restart, gossip %s, sync %s", s.name, s.gossip, s.addr)
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
