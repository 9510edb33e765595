// Package store is the SQLite store of the engine (modernc.org/sqlite, no
// cgo). It keeps the op log and the state folded from it, and it is the only
// code that writes the database: every change appends an op and re-folds the
// entity it touches in one transaction, so the op log and the tables never
// disagree.
//
// store imports engine and the SQL driver; it must not import app, sync or
// printing.
package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"pforte/engine"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is one site's database.
type Store struct {
	db *sql.DB
	// writer is the one connection every write transaction runs on. A
	// connection whose database another connection changed throws its
	// whole page cache away at its next BEGIN: 80-100 ms for a full 32 MiB
	// cache here (BenchmarkPurgeYear), which a desk waited for whenever
	// the pool handed the writer a connection that a large read had
	// filled. The writer alone writes, so its cache stays valid.
	writer *sql.Conn
	site   string
	clock  engine.Clock
	hlc    *engine.HLCClock
	key    ed25519.PrivateKey // signs every op this site writes

	writeMu   sync.Mutex // one transaction at a time, see write
	pendingMu sync.Mutex
	pending   []*job // writes waiting for the next transaction
	onCommit  atomic.Pointer[func()]
	onMail    atomic.Pointer[func()] // the sender wakes up (outbox.go)
	seq       uint64                 // the last seq this site wrote; under writeMu
	link      link                   // the hash of one of this site's ops; under writeMu
	// vector is Vector's answer, kept up to date by every commit: sync
	// asks for it in every session and on every hint.
	vectorMu  sync.Mutex
	vector    map[string]uint64
	vectorGen atomic.Uint64                  // counts the commits that advanced the vector
	escrow    *escrow                        // capacity tokens, see tokens.go
	unshown   pendingSet                     // bookings not shown yet, see settleUnshown
	stmts     sync.Map                       // query → *sql.Stmt, see prepared
	occ       *engine.OccupancyIndex         // active appointments, in memory
	cat       atomic.Pointer[engine.Catalog] // configuration snapshot
	// principals: accounts and devices, what each request is checked against
	principals atomic.Pointer[Principals]
	// privacy: holds and erasures, what the purge and sync check (purge.go)
	privacy atomic.Pointer[privacyState]
	// trust: the enrolled sites, the root, the ops the fold refuses
	// (sites.go)
	trust atomic.Pointer[trustState]

	// Own writes after a restore from a backup (restore.go), under ownMu:
	// ownFloor is the highest own seq a peer holds; ownUnconfirmed, that
	// no peer has said yet; ownChanged is closed when either changes.
	// ownGated is set while either may hold a write back, so that a
	// write checks without a lock that neither does (awaitOwn).
	ownMu          sync.Mutex
	ownGated       atomic.Bool
	ownFloor       uint64
	ownUnconfirmed bool
	ownChanged     chan struct{}
}

// Open opens (creating if needed) the database at path for the given site.
// A database belongs to one site: opening it under another name is an error,
// because the site name is the origin of every op it wrote.
func Open(ctx context.Context, path, site string, clock engine.Clock) (*Store, error) {
	if site == "" {
		return nil, engine.Invalid("site", "a site name is required")
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: an acknowledged write survives a power cut.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	// Deleted personal data is overwritten, not left in free pages.
	q.Add("_pragma", "secure_delete(ON)")
	// 32 MiB of page cache per connection (the default is 2 MiB): a sync
	// after days apart touches the ops, the visits and their indexes at
	// once, and every miss is a read from the file.
	q.Add("_pragma", "cache_size(-32768)")
	// Writers take the lock at BEGIN, so two writers never deadlock on an
	// upgrade from a read lock.
	q.Set("_txlock", "immediate")
	// SQLite reads the DSN as a URI: '#', '?' or '%' in a directory name
	// must be escaped, and the path must be absolute to not become a host.
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/…
	}
	dsn := (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, site: site, clock: clock, occ: engine.NewOccupancyIndex(), escrow: newEscrow()}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if s.writer, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := s.claim(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if s.key, err = s.signingKey(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: signing key: %w", path, err)
	}
	var last int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(hlc), 0) FROM ops`).Scan(&last); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM ops WHERE origin = ?`, site).Scan(&s.seq); err != nil {
		db.Close()
		return nil, err
	}
	s.hlc = engine.NewHLCClock(clock, engine.HLC(last))
	if err := s.loadVector(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadTrust(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadCatalog(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadEscrow(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadPrincipals(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadPrivacy(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadOccupancy(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadUnshown(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: bookings not shown yet: %w", path, err)
	}
	return s, nil
}

// Close checkpoints the WAL and closes the database.
func (s *Store) Close() error {
	s.closeStatements()
	var werr error
	if s.writer != nil {
		werr = s.writer.Close()
	}
	_, cerr := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return errors.Join(werr, cerr, s.db.Close())
}

// Site returns the name of the site this database belongs to.
func (s *Store) Site() string { return s.site }

// LastHLC returns the last HLC this site stamped or observed: its next op
// is stamped after it. Ahead of the wall clock by more than
// engine.MaxClockAhead, it says that this site's clock runs, or ran when
// it wrote its last ops, ahead: other sites refuse its new ops until
// their clocks come near them (see engine.NewHLCClock).
func (s *Store) LastHLC() engine.HLC { return s.hlc.Last() }

// Checkpoint moves the WAL into the database file and truncates it.
func (s *Store) Checkpoint(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.checkpointLocked(ctx)
}

// checkpointLocked truncates the WAL on the writer's connection (which
// then keeps its cache; see Store.writer). The caller holds writeMu.
func (s *Store) checkpointLocked(ctx context.Context) error {
	_, err := s.writer.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.applyMigration(ctx, name); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, name string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// claim records the site name in a new database and refuses a database that
// belongs to another site.
func (s *Store) claim(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var owner string
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'site'`).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('site', ?)`, s.site); err != nil {
			return err
		}
		return tx.Commit()
	case err != nil:
		return err
	case owner != s.site:
		return engine.Invalid("site", "this data directory belongs to site %q, not %q", owner, s.site)
	}
	return nil
}

// Empty reports whether the database holds no ops at all.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM ops LIMIT 1)`).Scan(&n)
	return n == 0, err
}

// Vector returns, per origin, the highest seq held. That is the highest
// contiguous seq, because seqs are gap-free: a site writes its own ops in
// order, and ApplyRemote accepts another origin's op only as the next seq
// after those held. (Apply, for the demo seed and tests, trusts its caller
// to keep that true.) It is read from memory: the log is read once, at
// Open, and every commit adds what it stored.
func (s *Store) Vector(ctx context.Context) (map[string]uint64, error) {
	s.vectorMu.Lock()
	defer s.vectorMu.Unlock()
	return maps.Clone(s.vector), nil
}

// loadVector reads the vector from the log.
func (s *Store) loadVector(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT origin, MAX(seq) FROM ops GROUP BY origin`)
	if err != nil {
		return err
	}
	defer rows.Close()
	v := map[string]uint64{}
	for rows.Next() {
		var origin string
		var seq uint64
		if err := rows.Scan(&origin, &seq); err != nil {
			return err
		}
		v[origin] = seq
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.vectorMu.Lock()
	s.vector = v
	s.vectorMu.Unlock()
	return nil
}

// advance adds what a commit stored to the vector.
func (s *Store) advance(stored map[string]uint64) {
	s.vectorMu.Lock()
	defer s.vectorMu.Unlock()
	for origin, seq := range stored {
		s.vector[origin] = max(s.vector[origin], seq)
	}
	if len(stored) > 0 {
		s.vectorGen.Add(1)
	}
}

// Owner returns the site a database belongs to ("" for a database that no
// site has opened yet), without opening it as that site: for the command
// line tools that work on a stopped site's data directory.
func Owner(ctx context.Context, path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", err
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}).String())
	if err != nil {
		return "", err
	}
	defer db.Close()
	var owner string
	err = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'site'`).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return owner, err
}
