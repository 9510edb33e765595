// Package app is Pforte's application service: the use cases, the HTTP JSON
// API every screen talks to (in the desktop window and in browsers alike),
// the scheduled jobs, and the mapping of engine errors to HTTP statuses and
// German text.
//
// app wires engine, sync and printing together; none of them imports app.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"pforte/engine"
	"pforte/engine/store"
	psync "pforte/sync"
)

// Config is what a site needs to run. DefaultConfig gives a working
// single-site appliance; flags only override.
type Config struct {
	DataDir        string   // database and everything else the site keeps
	Site           string   // this site's name, the origin of its ops
	Building       string   // the building this site stands in
	Gossip         string   // Serf bind address; "" runs without a cluster
	Join           []string // other sites' gossip addresses
	ClusterKeyFile string   // the shared cluster secret
	// SyncListen is the replication (anti-entropy) address. Empty: with
	// --gossip and a cluster key, the gossip host on a free port.
	SyncListen string
	SyncSeeds  []string // replication addresses tried when gossip knows no peer
	// Enroll is an invitation's token (--enroll): the site joins the
	// cluster of the site that made it, once (sites.go).
	Enroll string
	// PublicURL is where citizens reach the public pages (--public-url,
	// the town's reverse proxy): the links in mails start with it.
	PublicURL string
	Demo      bool // seed the demo municipality into an empty database
	Version   string
	Clock     engine.Clock // nil means the system clock
}

// DefaultConfig returns the configuration of a single site named after the
// host, keeping its data in the user's data directory.
func DefaultConfig() Config {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "pforte"
	}
	return Config{
		DataDir: defaultDataDir(),
		Site:    host,
		Version: "dev",
	}
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "pforte")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "pforte")
	}
	return "pforte-data"
}

// App is one running site.
type App struct {
	cfg       Config
	log       *slog.Logger
	clock     engine.Clock
	store     *store.Store
	cron      *cron.Cron
	members   *psync.Membership // nil without --gossip
	sync      *psync.Node       // nil without a cluster key
	key       []byte            // the cluster key, if any
	building  engine.Building
	calls     *callBroker
	visitHub  *visitBroker
	done      chan struct{} // closed by Close: ends the event streams
	closeOnce sync.Once
	bg        sync.WaitGroup // work started outside the cron (Close waits for it)
	// reconcileMu: one capacity-token reconciliation at a time (allotments.go).
	reconcileMu sync.Mutex
	// Who is asking (auth.go): sessions, and the throttles that slow
	// down guessing passwords, PINs, pairing codes and birth dates.
	sessions      *sessionTable
	signIns       *throttle // per address and user name
	signInsByAddr *throttle // per address, any user name
	unlocks       *throttle // per session
	pairings      *throttle // per address
	kioskMisses   *throttle // per kiosk: check-ins that found nothing
	setupMu       sync.Mutex
	setupCode     string // creates the first admin; "" once one exists
	auditMu       sync.Mutex
	auditSeen     map[string]time.Time // reads written to the audit log lately (auditedLately)
	mailer        *mailer              // sends the outbox when this site is the mail site (mail.go)
	// public: the citizens' listener's limits and proof of work (public.go).
	public *publicLimits
}

// Open opens the site's database (seeding the demo on request), checks the
// configuration and starts the scheduled jobs.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	if cfg.Clock == nil {
		cfg.Clock = engine.SystemClock{}
	}
	if strings.TrimSpace(cfg.Site) == "" {
		return nil, errors.New("--site: a site name is required")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	// The directory first: nothing in it is reachable by others from
	// here on, even a file SQLite or Serf creates 0644 below.
	if fixed, err := privateDataDir(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	} else if fixed > 0 {
		logger.Warn("data directory was open to others: made its files and directories private to this account",
			"dir", cfg.DataDir, "fixed", fixed)
	}
	st, err := store.Open(ctx, filepath.Join(cfg.DataDir, dbFile), cfg.Site, cfg.Clock)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: logger, clock: cfg.Clock, store: st, calls: newCallBroker(), visitHub: newVisitBroker(), done: make(chan struct{}),
		sessions:      newSessionTable(),
		signIns:       newThrottle(5, time.Second, 15*time.Minute),
		signInsByAddr: newThrottle(30, time.Second, 15*time.Minute),
		unlocks:       newThrottle(5, time.Second, 15*time.Minute),
		pairings:      newThrottle(5, time.Second, 15*time.Minute),
		kioskMisses:   newThrottle(5, 2*time.Second, 5*time.Minute),
		public:        newPublicLimits(cfg.Clock),
		auditSeen:     map[string]time.Time{},
	}
	if err := a.init(ctx); err != nil {
		st.Close()
		return nil, err
	}
	// Before the site syncs: what expired while it was off is erased
	// before it sends anything.
	a.purgeNow(ctx, "start")
	if err := a.joinOrFound(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := a.startMembership(); err != nil {
		st.Close()
		return nil, err
	}
	if err := a.startSync(); err != nil {
		if a.members != nil {
			a.members.Leave()
		}
		st.Close()
		return nil, err
	}
	a.startJobs()
	// What SQLite and Serf just created (the WAL, the SHM, the snapshot).
	if _, err := privateDataDir(cfg.DataDir); err != nil {
		a.Close()
		return nil, fmt.Errorf("--data: %w", err)
	}
	logger.Info("site open", "site", cfg.Site, "building", a.building.ID, "data", cfg.DataDir)
	a.warnClockAhead()
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	if a.cfg.Demo {
		empty, err := a.store.Empty(ctx)
		if err != nil {
			return err
		}
		if empty {
			n, err := a.store.Apply(ctx, DemoOps())
			if err != nil {
				return fmt.Errorf("seed demo: %w", err)
			}
			a.log.Info("seeded demo municipality", "ops", n)
		}
	}
	buildings, err := a.store.Buildings(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(buildings))
	for i, b := range buildings {
		ids[i] = b.ID
	}
	want := a.cfg.Building
	if want == "" && len(buildings) == 1 {
		want = buildings[0].ID
	}
	i := slices.Index(ids, want)
	if len(a.store.Principals().Accounts) == 0 {
		// A new installation: the first admin is created with this code
		// on the setup page (#/einrichtung). main prints it too.
		a.setupCode = newCode()
		a.log.Warn("no accounts yet: open the UI and create the first admin with the setup code", "setup_code", a.setupCode)
	}
	switch {
	case len(buildings) == 0 && a.cfg.Building == "":
		return errors.New("--building: the database has no buildings yet; start with --demo to try Pforte, or name the building this site will stand in")
	case len(buildings) == 0:
		// Set up first: the configuration comes from the cluster or the
		// admin; the site stands in its building once it knows it.
		a.log.Warn("the database has no buildings yet: screens answer once the configuration arrived (restart then)", "building", want)
		a.building = engine.Building{ID: want}
		return nil
	case want == "":
		return fmt.Errorf("--building: name the building this site stands in (one of %s)", strings.Join(ids, ", "))
	case i < 0:
		return fmt.Errorf("--building: unknown building %q (known: %s)", want, strings.Join(ids, ", "))
	}
	a.building = buildings[i]
	return nil
}

// startJobs runs the scheduled jobs in Europe/Berlin time.
func (a *App) startJobs() {
	a.cron = cron.New(cron.WithLocation(engine.Berlin))
	// Night: drop past days from memory and fold the WAL into the
	// database file, so neither grows without bound on a desk that runs
	// for months.
	a.cron.AddFunc("30 3 * * *", func() {
		a.store.ForgetPastDays()
		if err := a.store.Checkpoint(context.Background()); err != nil {
			a.log.Error("nightly checkpoint", "err", err)
		}
	})
	a.startPrintJobs()
	a.startRetentionJobs()
	a.startDisplacement()
	a.startTokenJobs()
	// Unconfirmed online bookings give their slot back when their time is
	// up (public.go): a minute late at most; once at start for what
	// expired while the site was down.
	a.cron.AddFunc("@every 20s", func() { a.expireUnconfirmed(context.Background()) })
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		a.expireUnconfirmed(context.Background())
	}()
	a.startMail()
	a.cron.Start()
}

// startMembership joins the cluster through Serf when a gossip address is
// configured.
func (a *App) startMembership() error {
	if kept := filepath.Join(a.cfg.DataDir, clusterKeyFile); a.cfg.ClusterKeyFile == "" {
		if _, err := os.Stat(kept); err == nil {
			a.cfg.ClusterKeyFile = kept // got at enrollment, or kept after a rotation
		}
	}
	if a.cfg.ClusterKeyFile != "" {
		k, err := psync.ReadKey(a.cfg.ClusterKeyFile)
		if err != nil {
			return fmt.Errorf("--cluster-key: %w", err)
		}
		a.key = k
	}
	if a.cfg.Gossip == "" {
		if len(a.cfg.Join) > 0 {
			return errors.New("--join needs --gossip: the address this site gossips on")
		}
		return nil
	}
	key := a.key
	if key == nil {
		a.log.Warn("gossip is not encrypted: start every site with --cluster-key FILE (pforte keygen FILE)")
	}
	m, err := psync.StartMembership(psync.MembershipConfig{
		Site: a.cfg.Site, Building: a.building.ID, Bind: a.cfg.Gossip, Join: a.cfg.Join,
		Key: key, DataDir: a.cfg.DataDir,
	}, a.log)
	if err != nil {
		return err
	}
	a.members = m
	return nil
}

// ownGrace is how long, after a start, a site with peers holds its own
// writes back until a peer has said how far the site's own log got (a
// restored backup must fetch its own later ops first). A peer's hello
// normally comes within a second; a site that starts offline writes after
// this.
const ownGrace = 5 * time.Second

// startSync starts replication when the site has a cluster key and a
// place to listen: --sync-listen, or the gossip host on a free port.
func (a *App) startSync() error {
	listen := a.cfg.SyncListen
	if listen == "" && a.cfg.Gossip != "" {
		host, _, err := net.SplitHostPort(a.cfg.Gossip)
		if err != nil {
			return fmt.Errorf("--gossip %q: %w", a.cfg.Gossip, err)
		}
		listen = net.JoinHostPort(host, "0")
	}
	switch {
	case listen == "" && len(a.cfg.SyncSeeds) > 0:
		return errors.New("--sync-seeds needs --sync-listen or --gossip")
	case listen == "":
		return nil
	}
	// Visits applied from other sites reach the screens (a host's desk at
	// this site, the reception seeing who comes) through the wrapped log.
	log := replicaLog{Store: a.store, applied: a.remoteVisitsApplied}
	n, err := psync.NewNode(psync.Config{Log: log, Identity: a.store.SigningKey(), Listen: listen, Seeds: a.cfg.SyncSeeds,
		Logger: a.log, Tokens: a.handOverTokens, Enroll: a.enrollSite, Keyring: a.keyring})
	if err != nil {
		return err
	}
	if len(a.cfg.Join) > 0 || len(a.cfg.SyncSeeds) > 0 || (a.members != nil && len(a.members.Peers()) > 0) {
		// Restored from a backup? Only a peer can tell (store/restore.go).
		a.store.HoldOwnWrites(ownGrace)
	}
	if err := n.Start(context.Background()); err != nil {
		return err
	}
	if a.members != nil {
		if err := n.Attach(a.members); err != nil {
			n.Close()
			return err
		}
		a.followVisitHints()
	}
	a.store.OnCommit(n.Committed)
	a.sync = n
	a.followKeyring()
	for _, seed := range a.cfg.SyncSeeds {
		n.Trigger(seed) // a site that just enrolled fetches the cluster's log at once
	}
	a.log.Info("replication", "addr", n.Addr(), "identity", engine.Fingerprint(a.store.PublicKey()))
	return nil
}

// Close stops replication, leaves the cluster, stops the jobs (waiting for
// a running one) and closes the database.
func (a *App) Close() error {
	a.closeOnce.Do(func() { close(a.done) })
	if a.sync != nil {
		if err := a.sync.Close(); err != nil {
			a.log.Warn("stop replication", "err", err)
		}
		a.sync = nil
	}
	if a.members != nil {
		if err := a.members.Leave(); err != nil {
			a.log.Warn("leave cluster", "err", err)
		}
		a.members = nil
	}
	if a.cron != nil {
		<-a.cron.Stop().Done()
		a.cron = nil
	}
	a.bg.Wait()
	if a.store == nil {
		return nil
	}
	err := a.store.Close()
	a.store = nil
	return err
}
