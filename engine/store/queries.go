package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"pforte/engine"
)

// querier is what both *sql.DB and *sql.Tx offer: reads run inside a write
// transaction when they decide what the write does.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// docs reads a JSON doc column into a slice of T.
// docByID reads the one document of table (accounts, devices, holds) with
// the id; none is a not-found error naming what.
func docByID[T any](ctx context.Context, q querier, table, what, id string) (T, error) {
	ds, err := docs[T](ctx, q, `SELECT doc FROM `+table+` WHERE id = ?`, id)
	if err != nil || len(ds) == 0 {
		var zero T
		if err == nil {
			err = engine.NotFound(what, "no %s %q", what, id)
		}
		return zero, err
	}
	return ds[0], nil
}

func docs[T any](ctx context.Context, q querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("decode %T: %w", v, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// doc reads one JSON doc; field and what name it in the not-found error.
func doc[T any](ctx context.Context, q querier, field, what, query string, args ...any) (T, error) {
	var v T
	var b []byte
	if err := q.QueryRowContext(ctx, query, args...).Scan(&b); err != nil {
		return v, notFound(err, field, what)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("decode %T: %w", v, err)
	}
	return v, nil
}

// Buildings returns every building, by name, with its home site (the
// cluster's default where none is configured: withHomes).
func (s *Store) Buildings(ctx context.Context) ([]engine.Building, error) {
	bs, err := docs[engine.Building](ctx, s.db, `SELECT doc FROM buildings ORDER BY doc ->> '$.name', id`)
	s.withHomes(bs)
	return bs, err
}

// Building returns one building, with its home site as Buildings;
// engine.CodeNotFound if there is none.
func (s *Store) Building(ctx context.Context, id string) (engine.Building, error) {
	b, err := building(ctx, s.db, id)
	if err != nil {
		return b, err
	}
	one := []engine.Building{b}
	s.withHomes(one)
	return one[0], nil
}

func building(ctx context.Context, q querier, id string) (engine.Building, error) {
	return doc[engine.Building](ctx, q, "building", "no building "+id, `SELECT doc FROM buildings WHERE id = ?`, id)
}

// Services returns every service, by name.
func (s *Store) Services(ctx context.Context) ([]engine.Service, error) {
	return docs[engine.Service](ctx, s.db, `SELECT doc FROM services ORDER BY doc ->> '$.name', id`)
}

// Staff returns the people a visitor can come to, by name; building "" means
// all buildings.
func (s *Store) Staff(ctx context.Context, buildingID string) ([]engine.Staff, error) {
	return docs[engine.Staff](ctx, s.db, `SELECT doc FROM staff WHERE ? = '' OR building = ?
		ORDER BY doc ->> '$.name', id`, buildingID, buildingID)
}

// StaffMember returns one member of staff; engine.CodeNotFound if none.
func (s *Store) StaffMember(ctx context.Context, id string) (engine.Staff, error) {
	return staffMember(ctx, s.db, "host", id)
}

func staffMember(ctx context.Context, q querier, field, id string) (engine.Staff, error) {
	return doc[engine.Staff](ctx, q, field, "no staff member "+id, `SELECT doc FROM staff WHERE id = ?`, id)
}

// Visit returns one visit; engine.CodeNotFound if none.
func (s *Store) Visit(ctx context.Context, id string) (engine.Visit, error) {
	return visit(ctx, s.db, id)
}

func visit(ctx context.Context, q querier, id string) (engine.Visit, error) {
	return doc[engine.Visit](ctx, q, "id", "no visit "+id, `SELECT doc FROM visits WHERE id = ?`, id)
}

// Visits returns the visits that arrived at a building on a local day
// (YYYY-MM-DD), in order of arrival.
func (s *Store) Visits(ctx context.Context, buildingID, day string) ([]engine.Visit, error) {
	return docs[engine.Visit](ctx, s.db, `SELECT doc FROM visits WHERE building = ? AND day = ?
		ORDER BY arrived_at, id`, buildingID, day)
}

// Present returns everyone in a building now (registered, not yet left),
// whatever day they arrived, in order of arrival.
func (s *Store) Present(ctx context.Context, buildingID string) ([]engine.Visit, error) {
	return docs[engine.Visit](ctx, s.db, `SELECT doc FROM visits WHERE building = ? AND present = 1
		ORDER BY arrived_at, id`, buildingID)
}
