package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"pforte/engine"
)

// Principals is a snapshot of the accounts and devices: what every request
// is checked against, without a query.
type Principals struct {
	Accounts map[string]engine.Account
	Devices  map[string]engine.Device
	// byCredential maps a device credential's hash to the device id.
	byCredential map[string]string
}

// Device returns the paired, unrevoked device whose credential hashes to
// credentialHash.
func (p *Principals) DeviceByCredential(credentialHash string) (engine.Device, bool) {
	id, ok := p.byCredential[credentialHash]
	if !ok {
		return engine.Device{}, false
	}
	d := p.Devices[id]
	return d, !d.Revoked
}

// Principals returns the current snapshot of accounts and devices.
func (s *Store) Principals() *Principals { return s.principals.Load() }

func (s *Store) loadPrincipals(ctx context.Context) error {
	accounts, err := docs[engine.Account](ctx, s.db, `SELECT doc FROM accounts`)
	if err != nil {
		return err
	}
	devices, err := docs[engine.Device](ctx, s.db, `SELECT doc FROM devices`)
	if err != nil {
		return err
	}
	p := &Principals{Accounts: map[string]engine.Account{}, Devices: map[string]engine.Device{}, byCredential: map[string]string{}}
	for _, a := range accounts {
		p.Accounts[a.ID] = a
	}
	for _, d := range devices {
		p.Devices[d.ID] = d
		if d.CredentialHash != "" {
			p.byCredential[d.CredentialHash] = d.ID
		}
	}
	s.principals.Store(p)
	return nil
}

// refoldPrincipal folds an account, device or audit entry into its table.
func (t *tx) refoldPrincipal(ctx context.Context, typ, id string, ops []engine.Op) error {
	var doc any
	var ok bool
	var err error
	switch typ {
	case engine.EntityAccount:
		t.principalsChanged = true
		doc, ok, err = engine.FoldAccount(id, ops)
	case engine.EntityDevice:
		t.principalsChanged = true
		doc, ok, err = engine.FoldDevice(id, ops)
	case engine.EntityAudit:
		var e engine.AuditEntry
		e, ok, err = engine.FoldAudit(id, ops)
		if err != nil {
			return err
		}
		if !ok { // erased: who looked is gone, and so is the entry
			_, err := t.ExecContext(ctx, `DELETE FROM audit WHERE id = ?`, id)
			return err
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, `INSERT INTO audit (id, at, user, doc) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET at = excluded.at, user = excluded.user, doc = excluded.doc`,
			id, e.At.UnixMilli(), e.User, b)
		return err
	}
	if err != nil {
		return err
	}
	table := map[string]string{engine.EntityAccount: "accounts", engine.EntityDevice: "devices"}[typ]
	if !ok {
		_, err := t.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
		return err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO `+table+` (id, doc) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, id, b)
	return err
}

// DefineAccount creates or changes an account. create refuses a user name
// that is taken (engine.CodeConflict on field user); a change needs the
// account to exist.
func (s *Store) DefineAccount(ctx context.Context, author string, spec engine.AccountSpec, create bool, passwordHash string) (engine.Account, error) {
	cat := s.cat.Load()
	spec, err := spec.Validate(func(b string) bool { _, ok := cat.Buildings[b]; return ok })
	if err != nil {
		return engine.Account{}, err
	}
	var out engine.Account
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		exists, err := t.exists(ctx, "accounts", spec.User)
		if err != nil {
			return err
		}
		if create && exists {
			return engine.Conflict("user", "user name %q is taken", spec.User)
		}
		if !create && !exists {
			return engine.NotFound("account", "no account %q", spec.User)
		}
		if create && passwordHash == "" {
			return engine.InvalidRule("password", engine.RuleRequired, "required")
		}
		if _, err := t.append(ctx, engine.AccountOp(spec)); err != nil {
			return err
		}
		if passwordHash != "" {
			if _, err := t.append(ctx, engine.PasswordOp(spec.User, passwordHash)); err != nil {
				return err
			}
		}
		out, err = t.account(ctx, spec.User)
		return err
	})
	return out, err
}

// SetPIN sets the unlock PIN hash of an account ("" clears it).
func (s *Store) SetPIN(ctx context.Context, author, id, hash string) error {
	return s.write(ctx, author, func(ctx context.Context, t *tx) error {
		if _, err := t.account(ctx, id); err != nil {
			return err
		}
		_, err := t.append(ctx, engine.PINOp(id, hash))
		return err
	})
}

// CreateFirstAdmin creates the first account, an admin, if no account
// exists yet: the setup page's one use. engine.CodeConflict once one does.
func (s *Store) CreateFirstAdmin(ctx context.Context, spec engine.AccountSpec, passwordHash string) (engine.Account, error) {
	spec.Roles = []string{engine.RoleAdmin}
	spec.Buildings = nil
	cat := s.cat.Load()
	spec, err := spec.Validate(func(b string) bool { _, ok := cat.Buildings[b]; return ok })
	if err != nil {
		return engine.Account{}, err
	}
	var out engine.Account
	err = s.write(ctx, spec.User, func(ctx context.Context, t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return engine.Conflict("", "an account exists already")
		}
		if _, err := t.append(ctx, engine.AccountOp(spec)); err != nil {
			return err
		}
		if _, err := t.append(ctx, engine.PasswordOp(spec.User, passwordHash)); err != nil {
			return err
		}
		out, err = t.account(ctx, spec.User)
		return err
	})
	return out, err
}

func (t *tx) exists(ctx context.Context, table, id string) (bool, error) {
	var n int
	err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

func (t *tx) account(ctx context.Context, id string) (engine.Account, error) {
	return docByID[engine.Account](ctx, t, "accounts", "account", id)
}

// HashSecret is the SHA-256 (hex) under which pairing codes and device
// credentials are kept: both are long random strings, so a fast hash is
// enough, and the plain value is never stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// AddDevice adds a kiosk or monitor, to be paired with code (kept only as
// its hash) until expires.
func (s *Store) AddDevice(ctx context.Context, author string, spec engine.DeviceSpec, code string, expires time.Time) (engine.Device, error) {
	cat := s.cat.Load()
	spec, err := spec.Validate(func(b string) bool { _, ok := cat.Buildings[b]; return ok })
	if err != nil {
		return engine.Device{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return engine.Device{}, err
	}
	var out engine.Device
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		if _, err := t.append(ctx, engine.DeviceAddedOp(id.String(), spec, HashSecret(code), s.clock.Now(), expires)); err != nil {
			return err
		}
		out, err = t.device(ctx, id.String())
		return err
	})
	return out, err
}

// PairDevice uses up a pairing code: the device it was made for gets the
// credential (kept as its hash). An unknown, used or expired code is
// engine.CodeNotFound on field code.
func (s *Store) PairDevice(ctx context.Context, code, credential string) (engine.Device, error) {
	codeHash := HashSecret(code)
	now := s.clock.Now()
	var out engine.Device
	err := s.write(ctx, "", func(ctx context.Context, t *tx) error {
		ds, err := docs[engine.Device](ctx, t, `SELECT doc FROM devices`)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ds, func(d engine.Device) bool {
			return d.PairingHash == codeHash && !d.Revoked && now.Before(d.PairingExpires)
		})
		if i < 0 {
			return engine.NotFound("code", "no such pairing code, or it was used or has expired")
		}
		t.author = "device:" + ds[i].ID
		if _, err := t.append(ctx, engine.DevicePairedOp(ds[i].ID, HashSecret(credential))); err != nil {
			return err
		}
		out, err = t.device(ctx, ds[i].ID)
		return err
	})
	return out, err
}

// RevokeDevice revokes a device: its credential is refused from then on.
func (s *Store) RevokeDevice(ctx context.Context, author, id string) (engine.Device, error) {
	var out engine.Device
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		if _, err := t.device(ctx, id); err != nil {
			return err
		}
		if _, err := t.append(ctx, engine.DeviceRevokedOp(id)); err != nil {
			return err
		}
		var err error
		out, err = t.device(ctx, id)
		return err
	})
	return out, err
}

func (t *tx) device(ctx context.Context, id string) (engine.Device, error) {
	return docByID[engine.Device](ctx, t, "devices", "device", id)
}

// Devices lists every device, newest first.
func (s *Store) Devices(ctx context.Context) ([]engine.Device, error) {
	ds, err := docs[engine.Device](ctx, s.db, `SELECT doc FROM devices`)
	slices.SortFunc(ds, func(a, b engine.Device) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return ds, err
}

// Accounts lists every account by user name.
func (s *Store) Accounts(ctx context.Context) ([]engine.Account, error) {
	return docs[engine.Account](ctx, s.db, `SELECT doc FROM accounts ORDER BY id`)
}

// RecordAudit writes audit entries, each as its own op. The entries get
// their id, time and site here.
func (s *Store) RecordAudit(ctx context.Context, author string, entries ...engine.AuditEntry) error {
	now := s.clock.Now()
	for i := range entries {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		entries[i].ID, entries[i].At, entries[i].Site = id.String(), now.UTC(), s.site
	}
	// Written by the caller's own transaction (group commit), never
	// waiting for the site's own ops: an audit entry must not be lost
	// because a restored site is catching up.
	return s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
		t.author = author
		for _, e := range entries {
			if _, err := t.append(ctx, engine.AuditOp(e)); err != nil {
				return err
			}
		}
		return nil
	})
}

// AuditFilter selects audit entries: days from–to (inclusive, Berlin),
// one user, one entity id. Empty fields select everything.
type AuditFilter struct {
	From, To     string
	User, Entity string
	Limit        int
}

// Audit returns the entries the filter selects, newest first.
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]engine.AuditEntry, error) {
	var where []string
	var args []any
	if f.From != "" {
		from, err := engine.ParseDay("from", f.From)
		if err != nil {
			return nil, err
		}
		t, _ := time.ParseInLocation(time.DateOnly, from, engine.Berlin)
		where, args = append(where, "at >= ?"), append(args, t.UnixMilli())
	}
	if f.To != "" {
		to, err := engine.ParseDay("to", f.To)
		if err != nil {
			return nil, err
		}
		t, _ := time.ParseInLocation(time.DateOnly, to, engine.Berlin)
		where, args = append(where, "at < ?"), append(args, t.AddDate(0, 0, 1).UnixMilli())
	}
	if f.User != "" {
		where, args = append(where, "user = ?"), append(args, f.User)
	}
	if f.Entity != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM json_each(doc, '$.entities') WHERE value = ?)"), append(args, f.Entity)
	}
	q := `SELECT doc FROM audit`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 5000 {
		limit = 1000
	}
	q += fmt.Sprintf(" ORDER BY at DESC, id DESC LIMIT %d", limit)
	return docs[engine.AuditEntry](ctx, s.db, q, args...)
}
