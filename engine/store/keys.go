package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"

	"pforte/engine"
)

// signingKey reads the site's ed25519 signing key from meta, creating it at
// the first open of a database (a new one, or one written before ops were
// signed), and makes sure site_keys holds the site's own public key.
//
// A key created for a database that already holds ops of this site signs
// them too: the site is their origin, so its signature is the truth about
// them, and unsigned they could never be replicated.
func (s *Store) signingKey(ctx context.Context) (ed25519.PrivateKey, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var enc string
	created := false
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'signing_key'`).Scan(&enc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("new signing key: %w", err)
		}
		enc = base64.StdEncoding.EncodeToString(key.Seed())
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('signing_key', ?)`, enc); err != nil {
			return nil, err
		}
		created = true
	case err != nil:
		return nil, err
	}
	seed, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("meta signing_key is not a base64 ed25519 seed")
	}
	key := ed25519.NewKeyFromSeed(seed)
	pub := key.Public().(ed25519.PublicKey)

	var held []byte
	err = tx.QueryRowContext(ctx, `SELECT public_key FROM site_keys WHERE site = ?`, s.site).Scan(&held)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO site_keys (site, public_key) VALUES (?, ?)`, s.site, []byte(pub)); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case !bytes.Equal(held, pub):
		return nil, fmt.Errorf("site_keys holds another public key for site %q than its own signing key", s.site)
	}
	if created {
		if err := signOwnOps(ctx, tx, s.site, key); err != nil {
			return nil, err
		}
	}
	return key, tx.Commit()
}

// signOwnOps signs the site's ops that were written before it had a key.
func signOwnOps(ctx context.Context, tx *sql.Tx, site string, key ed25519.PrivateKey) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+opColumns+` FROM ops WHERE origin = ? AND sig IS NULL ORDER BY seq`, site)
	if err != nil {
		return err
	}
	ops, err := scanOps(rows)
	if err != nil {
		return err
	}
	for _, op := range ops {
		op = engine.Sign(op, key)
		if _, err := tx.ExecContext(ctx, `UPDATE ops SET personal_hash = ?, sig = ? WHERE origin = ? AND seq = ?`,
			nullable(op.PersonalHash), op.Sig, op.Origin, op.Seq); err != nil {
			return fmt.Errorf("sign op %s/%d: %w", op.Origin, op.Seq, err)
		}
	}
	return nil
}
