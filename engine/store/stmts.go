package store

import (
	"context"
	"database/sql"
)

// Statements are prepared once per connection and reused: parsing SQL was
// a third of a booking's CPU time. A write transaction runs its statements
// through the cache by being a querier itself (see tx.QueryContext).

func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if actual, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return actual.(*sql.Stmt), nil
	}
	return st, nil
}

func (s *Store) closeStatements() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}

// ExecContext runs a cached statement in the transaction.
func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.sql.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// QueryContext runs a cached query in the transaction.
func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.sql.StmtContext(ctx, st).QueryContext(ctx, args...)
}

// QueryRowContext runs a cached single-row query in the transaction.
func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.s.prepared(ctx, query)
	if err != nil {
		// *sql.Row cannot carry an error of ours: let the unprepared
		// query report it.
		return t.sql.QueryRowContext(ctx, query, args...)
	}
	return t.sql.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}
