package store

import (
	"context"
	"database/sql"
	"time"
)

// ConnForTest takes one connection from the store's pool; the caller
// closes it. Tests read what every connection was opened with.
func (s *Store) ConnForTest(ctx context.Context) (*sql.Conn, error) { return s.db.Conn(ctx) }

// ObservePurgeForTest has f called with how long each purge transaction
// took, from its write request to its commit.
func ObservePurgeForTest(f func(time.Duration)) { purgeObserver = f }
