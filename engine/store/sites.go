package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"pforte/engine"
)

// Trust: which sites are enrolled (engine/site.go), the cluster's root,
// the ops the fold refuses, and the invitations this site made.
//
// meta holds the root ('cluster_root', 'cluster_root_key'), set when the
// first site enrolls itself (SelfEnroll) or when a site joins with an
// invitation (JoinCluster); 'enrollment_pending' says a joined site has
// not yet received its own enrollment op: until then it books nothing in
// a building with tokens (pendingHome).

// trustState is the in-memory view of the sites and the root.
type trustState struct {
	root    string
	rootKey ed25519.PublicKey
	pending bool
	sites   map[string]engine.Site
	// refused: per entity, the ops the fold refuses (refused_ops)
	refused map[entityKey]map[engine.OpRef]string
}

// pendingHome is the home of every building with tokens at a site that
// has joined but not yet received its own enrollment: a site of that name
// never exists, so this site owns no token and books nothing until then.
const pendingHome = "(Anmeldung ausstehend)"

func (s *Store) loadTrust(ctx context.Context) error {
	st := &trustState{sites: map[string]engine.Site{}, refused: map[entityKey]map[engine.OpRef]string{}}
	meta, err := s.metaValues(ctx, s.db, "cluster_root", "cluster_root_key", "enrollment_pending")
	if err != nil {
		return err
	}
	st.root = meta["cluster_root"]
	if k := meta["cluster_root_key"]; k != "" {
		b, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return errors.New("meta cluster_root_key is not a base64 ed25519 public key")
		}
		st.rootKey = b
	}
	st.pending = meta["enrollment_pending"] == "1"
	sites, err := docs[engine.Site](ctx, s.db, `SELECT doc FROM sites`)
	if err != nil {
		return err
	}
	for _, site := range sites {
		st.sites[site.Site] = site
	}
	rows, err := s.db.QueryContext(ctx, `SELECT origin, seq, entity_type, entity, reason FROM refused_ops`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ref engine.OpRef
		var k entityKey
		var reason string
		if err := rows.Scan(&ref.Origin, &ref.Seq, &k.typ, &k.id, &reason); err != nil {
			return err
		}
		if st.refused[k] == nil {
			st.refused[k] = map[engine.OpRef]string{}
		}
		st.refused[k][ref] = reason
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.trust.Store(st)
	return nil
}

func (s *Store) metaValues(ctx context.Context, q querier, keys ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range keys {
		var v string
		err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, k).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func setMeta(ctx context.Context, q execer, key, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Root returns the site that created the cluster ("" before this site
// enrolled itself or joined one).
func (s *Store) Root() string { return s.trust.Load().root }

// PublicKey returns this site's public key: its identity on the sync
// channel and the key its ops are signed with.
func (s *Store) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// SigningKey returns this site's private key, for its TLS identity on the
// sync channel.
func (s *Store) SigningKey() ed25519.PrivateKey { return s.key }

// RootKey returns the root's public key.
func (s *Store) RootKey() ed25519.PublicKey { return s.trust.Load().rootKey }

// Sites returns the enrolled sites in the order they were enrolled.
func (s *Store) Sites() []engine.Site {
	st := s.trust.Load()
	out := slices.Collect(maps.Values(st.sites))
	slices.SortFunc(out, func(a, b engine.Site) int {
		if a.Order != b.Order {
			return cmpHLC(a.Order, b.Order)
		}
		return strings.Compare(a.Site, b.Site)
	})
	return out
}

func cmpHLC(a, b engine.HLC) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// EnrollmentPending reports whether this site joined a cluster and waits
// for its own enrollment op.
func (s *Store) EnrollmentPending() bool {
	st := s.trust.Load()
	_, ok := st.sites[s.site]
	return st.pending && !ok
}

// SiteKeys returns the keys ops are verified with: of every enrolled site
// (revoked ones too: their ops up to the cut stay valid), the root's, and
// this site's own. A key is learnt from an enrollment op only.
func (s *Store) SiteKeys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	st := s.trust.Load()
	keys := make(map[string]ed25519.PublicKey, len(st.sites)+2)
	if st.root != "" && st.rootKey != nil {
		keys[st.root] = st.rootKey
	}
	for name, site := range st.sites {
		keys[name] = site.PublicKey
	}
	keys[s.site] = s.PublicKey()
	return keys, nil
}

// PeerKeys returns the keys of the sites this site talks to on the sync
// channel: enrolled, not revoked, not itself. The root is one before its
// enrollment op arrived.
func (s *Store) PeerKeys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	st := s.trust.Load()
	keys := map[string]ed25519.PublicKey{}
	if st.root != "" && st.rootKey != nil {
		if r, ok := st.sites[st.root]; !ok || r.Revoked == nil {
			keys[st.root] = st.rootKey
		}
	}
	for name, site := range st.sites {
		if site.Revoked == nil {
			keys[name] = site.PublicKey
		} else {
			delete(keys, name)
		}
	}
	delete(keys, s.site)
	return keys, nil
}

// revokedCut returns, per revoked origin, the last seq that counts (nil
// when no site is revoked): ApplyRemote cuts origins by it, and the token
// fold gives a revoked site's tokens back to the home site
// (engine.FoldTokensRevoked).
func (st *trustState) revokedCut() map[string]uint64 {
	var cut map[string]uint64
	for name, site := range st.sites {
		if site.Revoked != nil {
			if cut == nil {
				cut = map[string]uint64{}
			}
			cut[name] = site.Revoked.LastSeq
		}
	}
	return cut
}

// SelfEnroll makes this site the root of a new cluster, once: if it has
// no root yet and its log holds no enrollment, it writes its own
// enrollment. It reports whether it did.
func (s *Store) SelfEnroll(ctx context.Context, building string) (bool, error) {
	if s.trust.Load().root != "" {
		return false, nil
	}
	did := false
	err := s.write(ctx, s.site, func(ctx context.Context, t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM ops WHERE kind = ?`, engine.KindSiteEnrolled).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil // joined before the root was kept in meta
		}
		if err := setMeta(ctx, t, "cluster_root", s.site); err != nil {
			return err
		}
		if err := setMeta(ctx, t, "cluster_root_key", base64.StdEncoding.EncodeToString(s.PublicKey())); err != nil {
			return err
		}
		t.sitesChanged = true
		_, err := t.append(ctx, engine.EnrollOp(engine.SiteEnrollment{Site: s.site, Building: building, PublicKey: s.PublicKey()}))
		did = true
		return err
	})
	return did, err
}

// JoinCluster records the root of the cluster this site was enrolled in
// (from the inviting site's answer), before the first sync: ops are
// verified with the root's key, and the site books nothing until its own
// enrollment op has arrived.
func (s *Store) JoinCluster(ctx context.Context, root string, rootKey ed25519.PublicKey) error {
	if root == "" || len(rootKey) != ed25519.PublicKeySize {
		return engine.Invalid("root", "the inviting site named no root")
	}
	if cur := s.trust.Load(); cur.root != "" {
		if cur.root != root || !bytes.Equal(cur.rootKey, rootKey) {
			return engine.Invalid("root", "this site belongs to the cluster of %s already, not %s", cur.root, root)
		}
		return nil
	}
	return s.writeReceived(ctx, func(ctx context.Context, t *tx) error {
		t.sitesChanged = true
		for k, v := range map[string]string{"cluster_root": root,
			"cluster_root_key": base64.StdEncoding.EncodeToString(rootKey), "enrollment_pending": "1"} {
			if err := setMeta(ctx, t, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Invitation is one invitation this site made.
type Invitation struct {
	Site      string     `json:"site"`
	Building  string     `json:"building"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
}

// InvitationValid is how long an invitation works by default.
const InvitationValid = 24 * time.Hour

// CreateInvitation records an invitation for site to stand in building,
// redeemable once before expires with the secret whose SHA-256 is given.
// The name must be free (never enrolled, no open invitation) and the
// building known.
func (s *Store) CreateInvitation(ctx context.Context, author, site, building string, secretHash []byte, expires time.Time) error {
	if err := engine.CheckEnrollment(engine.SiteEnrollment{Site: site, Building: building, PublicKey: make([]byte, ed25519.PublicKeySize)}); err != nil {
		return err
	}
	if !validSiteName(site) {
		return engine.Invalid("site", "%q: letters, digits, '-', '_' and '.' only", site)
	}
	if _, ok := s.cat.Load().Buildings[building]; !ok {
		return engine.InvalidRule("building", engine.RuleUnknown, "unknown building %q", building)
	}
	if site == engine.DemoOrigin || site == s.site {
		return engine.Invalid("site", "%q is taken", site)
	}
	if _, ok := s.trust.Load().sites[site]; ok {
		return engine.Invalid("site", "a site named %q is enrolled already; names are never reused", site)
	}
	now := s.clock.Now()
	return s.write(ctx, author, func(ctx context.Context, t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM invitations WHERE site = ? AND used_at IS NULL AND expires_at > ?`,
			site, now.UnixMilli()).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return engine.Invalid("site", "an invitation for %q is open already", site)
		}
		_, err := t.ExecContext(ctx, `INSERT INTO invitations (secret_hash, site, building, created_at, created_by, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, secretHash, site, building, now.UnixMilli(), author, expires.UnixMilli())
		return err
	})
}

func validSiteName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return s != ""
}

// Invitations lists the invitations this site made, newest first.
func (s *Store) Invitations(ctx context.Context) ([]Invitation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT site, building, created_at, created_by, expires_at, used_at
		FROM invitations ORDER BY created_at DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Invitation{}
	for rows.Next() {
		var in Invitation
		var created, expires int64
		var used sql.NullInt64
		if err := rows.Scan(&in.Site, &in.Building, &created, &in.CreatedBy, &expires, &used); err != nil {
			return nil, err
		}
		in.CreatedAt, in.ExpiresAt = time.UnixMilli(created), time.UnixMilli(expires)
		if used.Valid {
			t := time.UnixMilli(used.Int64)
			in.UsedAt = &t
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// ErrInvitation is the error of an enrollment that no invitation allows.
var ErrInvitation = errors.New("no valid invitation")

// RedeemInvitation enrolls a site with the secret of an invitation this
// site made: the name and building must be the invitation's, it must not
// have expired or been used, and the key must be new. The enrollment op's
// author is the admin who made the invitation.
func (s *Store) RedeemInvitation(ctx context.Context, secret []byte, site, building string, pub ed25519.PublicKey) (engine.Site, error) {
	sum := sha256.Sum256(secret)
	var in Invitation
	var hash []byte
	var expires int64
	var used sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT secret_hash, site, building, created_by, expires_at, used_at FROM invitations WHERE secret_hash = ?`,
		sum[:]).Scan(&hash, &in.Site, &in.Building, &in.CreatedBy, &expires, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return engine.Site{}, fmt.Errorf("%w: the token is not one of this site's invitations", ErrInvitation)
	case err != nil:
		return engine.Site{}, err
	case subtle.ConstantTimeCompare(hash, sum[:]) != 1:
		return engine.Site{}, fmt.Errorf("%w: the token is not one of this site's invitations", ErrInvitation)
	case used.Valid:
		return engine.Site{}, fmt.Errorf("%w: the invitation was used already", ErrInvitation)
	case !s.clock.Now().Before(time.UnixMilli(expires)):
		return engine.Site{}, fmt.Errorf("%w: the invitation expired at %s", ErrInvitation, time.UnixMilli(expires).In(engine.Berlin).Format(time.RFC3339))
	case in.Site != site:
		return engine.Site{}, fmt.Errorf("%w: the invitation is for site %q, not %q", ErrInvitation, in.Site, site)
	case in.Building != building:
		return engine.Site{}, fmt.Errorf("%w: the invitation is for building %q, not %q", ErrInvitation, in.Building, building)
	}
	for name, known := range s.trust.Load().sites {
		if bytes.Equal(known.PublicKey, pub) {
			return engine.Site{}, fmt.Errorf("%w: this key is enrolled already, as %q", ErrInvitation, name)
		}
	}
	err = s.write(ctx, in.CreatedBy, func(ctx context.Context, t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE invitations SET used_at = ? WHERE secret_hash = ? AND used_at IS NULL`,
			s.clock.Now().UnixMilli(), sum[:])
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("%w: the invitation was used already", ErrInvitation)
		}
		_, err = t.append(ctx, engine.EnrollOp(engine.SiteEnrollment{Site: site, Building: building, PublicKey: pub, InvitedBy: s.site}))
		return err
	})
	if err != nil {
		return engine.Site{}, err
	}
	got, ok := s.trust.Load().sites[site]
	if !ok {
		reason := "the fold refused it"
		for _, r := range s.trust.Load().refused[entityKey{engine.EntitySite, site}] {
			reason = r
		}
		return engine.Site{}, fmt.Errorf("%w: enrollment written but not counted: %s", ErrInvitation, reason)
	}
	return got, nil
}

// Revoke writes the revocation of site after lastSeq: its ops up to lastSeq
// stay valid, none after; its connections are refused; the tokens it owned
// go back to their buildings' home sites.
func (s *Store) Revoke(ctx context.Context, author, site string, lastSeq uint64, reason string) (engine.Site, error) {
	reason = strings.TrimSpace(reason)
	if err := engine.CheckText("reason", reason, 500, true); err != nil {
		return engine.Site{}, err
	}
	cur, ok := s.trust.Load().sites[site]
	switch {
	case !ok:
		return engine.Site{}, engine.InvalidRule("site", engine.RuleUnknown, "no enrolled site %q", site)
	case site == s.site:
		return engine.Site{}, engine.Invalid("site", "a site does not revoke itself; revoke it at another site")
	case cur.Revoked != nil && cur.Revoked.LastSeq <= lastSeq:
		return engine.Site{}, engine.Invalid("site", "%q is revoked already (after %d)", site, cur.Revoked.LastSeq)
	}
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		_, err := t.append(ctx, engine.RevokeOp(engine.SiteRevocation{Site: site, LastSeq: lastSeq, Reason: reason}))
		return err
	})
	if err != nil {
		return engine.Site{}, err
	}
	got := s.trust.Load().sites[site]
	if got.Revoked == nil {
		return engine.Site{}, fmt.Errorf("revocation of %s written but not counted (refused by the fold)", site)
	}
	return got, nil
}

// RefusedOp is an op the fold refuses: kept, shown, never applied.
type RefusedOp struct {
	Origin string    `json:"origin"`
	Seq    uint64    `json:"seq"`
	Kind   string    `json:"kind"`
	Entity string    `json:"entity"`
	Author string    `json:"author"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// RefusedOps lists the ops the fold refuses, newest first.
func (s *Store) RefusedOps(ctx context.Context) ([]RefusedOp, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.origin, r.seq, o.kind, o.entity, o.author, o.hlc, r.reason
		FROM refused_ops r JOIN ops o ON o.origin = r.origin AND o.seq = r.seq ORDER BY o.hlc DESC LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RefusedOp{}
	for rows.Next() {
		var r RefusedOp
		var hlc int64
		if err := rows.Scan(&r.Origin, &r.Seq, &r.Kind, &r.Entity, &r.Author, &hlc, &r.Reason); err != nil {
			return nil, err
		}
		r.At = engine.HLC(hlc).Time()
		out = append(out, r)
	}
	return out, rows.Err()
}

// refusedIn returns the refused ops of an entity as this transaction sees
// them.
func (t *tx) refusedIn(k entityKey) map[engine.OpRef]string {
	if t.refused != nil {
		return t.refused[k]
	}
	return t.s.trust.Load().refused[k]
}

// counted drops the ops the fold refuses.
func (t *tx) counted(typ, id string, ops []engine.Op) []engine.Op {
	refused := t.refusedIn(entityKey{typ, id})
	if len(refused) == 0 {
		return ops
	}
	out := ops[:0:0]
	for _, op := range ops {
		if _, ok := refused[engine.OpRef{Origin: op.Origin, Seq: op.Seq}]; !ok {
			out = append(out, op)
		}
	}
	return out
}

// authorityTypes in SQL.
var authorityTypesSQL = "'" + strings.Join(engine.AuthorityEntityTypes, "', '") + "'"

// authorityOpsSQL selects the ops Authorize decides on (engine.AuthorityEntity).
var authorityOpsSQL = `entity_type IN (` + authorityTypesSQL + `) OR (entity_type = '` + engine.EntityMail +
	`' AND entity = '` + engine.MailConfigEntity + `')`

// reauthorize decides again which authority ops the fold refuses
// (engine.Authorize) after this transaction stored one, records the
// decisions in refused_ops and returns the entities whose ops changed
// status: they are re-folded. An op that arrives late may change what an
// author could do at every later point of the log, so all of them are
// decided again; they are few (configuration, accounts, devices, sites).
func (t *tx) reauthorize(ctx context.Context) ([]entityKey, error) {
	rows, err := t.QueryContext(ctx, `SELECT `+opColumns+` FROM ops WHERE `+authorityOpsSQL)
	if err != nil {
		return nil, err
	}
	ops, err := scanOps(rows)
	if err != nil {
		return nil, err
	}
	meta, err := t.s.metaValues(ctx, t, "cluster_root")
	if err != nil {
		return nil, err
	}
	decided := engine.Authorize(ops, meta["cluster_root"])
	typeOf := map[engine.OpRef]entityKey{}
	for _, op := range ops {
		typeOf[engine.OpRef{Origin: op.Origin, Seq: op.Seq}] = entityKey{engine.EntityType(op.Kind), op.Entity}
	}
	if t.refused == nil {
		t.refused = cloneRefused(t.s.trust.Load().refused)
	}
	changed := map[entityKey]bool{}
	// Drop what is counted now (authority refusals only: a refusal of
	// engine.CheckOp stays).
	for k, refs := range t.refused {
		if !engine.AuthorityEntity(k.typ, k.id) {
			continue
		}
		for ref, reason := range refs {
			if _, still := decided[ref]; still || strings.HasPrefix(reason, invalidPrefix) {
				continue
			}
			if _, err := t.ExecContext(ctx, `DELETE FROM refused_ops WHERE origin = ? AND seq = ?`, ref.Origin, ref.Seq); err != nil {
				return nil, err
			}
			delete(refs, ref)
			changed[k] = true
		}
	}
	for ref, reason := range decided {
		k := typeOf[ref]
		if _, held := t.refused[k][ref]; held {
			continue
		}
		if err := t.refuse(ctx, ref, k, reason); err != nil {
			return nil, err
		}
		changed[k] = true
	}
	if len(changed) > 0 {
		t.refusedChanged = true
	}
	out := slices.Collect(maps.Keys(changed))
	slices.SortFunc(out, func(a, b entityKey) int { return strings.Compare(a.typ+"/"+a.id, b.typ+"/"+b.id) })
	return out, nil
}

// reauthorizeInto runs reauthorize and adds the entities whose ops
// changed status to those a batch re-folds (touched, in order).
func (t *tx) reauthorizeInto(ctx context.Context, touched map[entityKey]bool, order []entityKey) ([]entityKey, error) {
	changed, err := t.reauthorize(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range changed {
		if !touched[k] {
			touched[k] = true
			order = append(order, k)
		}
	}
	return order, nil
}

// invalidPrefix starts the reason of an op refused by engine.CheckOp.
const invalidPrefix = "invalid: "

// refuse records that the fold refuses an op.
func (t *tx) refuse(ctx context.Context, ref engine.OpRef, k entityKey, reason string) error {
	if t.refused == nil {
		t.refused = cloneRefused(t.s.trust.Load().refused)
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO refused_ops (origin, seq, entity_type, entity, reason) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (origin, seq) DO UPDATE SET reason = excluded.reason`, ref.Origin, ref.Seq, k.typ, k.id, reason); err != nil {
		return err
	}
	if t.refused[k] == nil {
		t.refused[k] = map[engine.OpRef]string{}
	}
	t.refused[k][ref] = reason
	t.refusedChanged = true
	return nil
}

func cloneRefused(m map[entityKey]map[engine.OpRef]string) map[entityKey]map[engine.OpRef]string {
	out := make(map[entityKey]map[engine.OpRef]string, len(m))
	for k, v := range m {
		out[k] = maps.Clone(v)
	}
	return out
}

// refoldSite folds one site's ops into sites. A revocation drops the ops
// of that origin after its cut that this site holds (never its own: a
// site told it is revoked keeps its log and says so), and re-folds what
// they touched.
func (t *tx) refoldSite(ctx context.Context, id string, ops []engine.Op) error {
	t.sitesChanged = true
	t.configChanged = true // the buildings' default homes follow the sites
	site, ok, err := engine.FoldSite(id, ops)
	if err != nil {
		return err
	}
	if !ok {
		_, err := t.ExecContext(ctx, `DELETE FROM sites WHERE site = ?`, id)
		return err
	}
	doc, err := json.Marshal(site)
	if err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO sites (site, doc) VALUES (?, ?) ON CONFLICT (site) DO UPDATE SET doc = excluded.doc`,
		id, doc); err != nil {
		return err
	}
	if id == t.s.site {
		if _, err := t.ExecContext(ctx, `DELETE FROM meta WHERE key = 'enrollment_pending'`); err != nil {
			return err
		}
	}
	if site.Revoked == nil || id == t.s.site {
		return nil
	}
	rows, err := t.QueryContext(ctx, `SELECT DISTINCT entity_type, entity FROM ops WHERE origin = ? AND seq > ?`, id, int64(site.Revoked.LastSeq))
	if err != nil {
		return err
	}
	var touched []entityKey
	for rows.Next() {
		var k entityKey
		if err := rows.Scan(&k.typ, &k.id); err != nil {
			rows.Close()
			return err
		}
		touched = append(touched, k)
	}
	rows.Close()
	if len(touched) == 0 {
		return nil
	}
	if _, err := t.ExecContext(ctx, `DELETE FROM ops WHERE origin = ? AND seq > ?`, id, int64(site.Revoked.LastSeq)); err != nil {
		return err
	}
	t.opsDropped = true
	return t.refoldMany(ctx, touched)
}
