package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"time"

	"pforte/engine"
)

// ConnForTest takes one connection from the store's pool; the caller
// closes it. Tests read what every connection was opened with.
func (s *Store) ConnForTest(ctx context.Context) (*sql.Conn, error) { return s.db.Conn(ctx) }

// ObservePurgeForTest has f called with how long each purge transaction
// took, from its write request to its commit.
func ObservePurgeForTest(f func(time.Duration)) { purgeObserver = f }

// LearnSiteKeys, for tests that replicate between stores without a root:
// counts the keys as enrolled, as if their sites' enrollments had been
// folded (sites.go), this store's own name excepted.
func (s *Store) LearnSiteKeys(ctx context.Context, keys map[string]ed25519.PublicKey) error {
	for site, k := range keys {
		if site == s.site {
			continue
		}
		doc, err := json.Marshal(engine.Site{Site: site, PublicKey: k})
		if err != nil {
			return err
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO sites (site, doc) VALUES (?, ?) ON CONFLICT DO NOTHING`, site, doc); err != nil {
			return err
		}
	}
	return s.loadTrust(ctx)
}
