package store

import (
	"context"
	"database/sql"
)

// ConnForTest takes one connection from the store's pool; the caller
// closes it. Tests read what every connection was opened with.
func (s *Store) ConnForTest(ctx context.Context) (*sql.Conn, error) { return s.db.Conn(ctx) }
