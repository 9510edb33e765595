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
	"maps"
	"slices"
	"strings"

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

// SiteKeys returns the public key of every site known, this one included.
func (s *Store) SiteKeys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	st, err := s.prepared(ctx, `SELECT site, public_key FROM site_keys`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := map[string]ed25519.PublicKey{}
	for rows.Next() {
		var site string
		var pub []byte
		if err := rows.Scan(&site, &pub); err != nil {
			return nil, err
		}
		keys[site] = pub
	}
	return keys, rows.Err()
}

// LearnSiteKeys records other sites' public keys. The first key learnt for
// a site stays: a different one later is either a mistake or an attempt to
// speak for that site, so it is refused, and the error (an *engine.Error
// with code CodeInvalidField on field "site_keys") names each such site.
// The other new keys of the call are stored all the same. A key that is
// not an ed25519 public key, or one without a site name, is refused too.
func (s *Store) LearnSiteKeys(ctx context.Context, keys map[string]ed25519.PublicKey) error {
	var refused []string
	err := s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
		refused = refused[:0]
		for _, site := range slices.Sorted(maps.Keys(keys)) {
			pub := keys[site]
			if site == "" || len(pub) != ed25519.PublicKeySize {
				refused = append(refused, fmt.Sprintf("%q: not an ed25519 public key of a named site", site))
				continue
			}
			var held []byte
			err := t.QueryRowContext(ctx, `SELECT public_key FROM site_keys WHERE site = ?`, site).Scan(&held)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := t.ExecContext(ctx, `INSERT INTO site_keys (site, public_key) VALUES (?, ?)`, site, []byte(pub)); err != nil {
					return err
				}
			case err != nil:
				return err
			case !bytes.Equal(held, pub):
				refused = append(refused, fmt.Sprintf("%q: another key is already known for this site", site))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("learn site keys: %w", err)
	}
	if len(refused) > 0 {
		return engine.Invalid("site_keys", "refused: %s", strings.Join(refused, "; "))
	}
	return nil
}
