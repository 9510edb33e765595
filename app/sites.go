package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"pforte/engine"
	"pforte/engine/store"
	psync "pforte/sync"
)

// Sites are enrolled, not discovered (engine/site.go). An admin invites a
// site at a site already in the cluster (Verwaltung → Standorte, or
// `pforte invite`); the token names this site's data-plane address and key
// and carries a one-time secret; the new site starts with --enroll TOKEN,
// proves its own key to this one, which writes its enrollment. The first
// site of a new cluster enrolls itself.

func (a *App) siteRoutes() []route {
	return []route{
		{pattern: "GET /api/sites", handle: a.listSites, allow: people(admin)},
		{pattern: "POST /api/sites/invitations", handle: a.invite, allow: people(admin), audit: engine.AuditChange},
		{pattern: "POST /api/sites/{site}/revoke", handle: a.revokeSite, allow: people(admin), audit: engine.AuditChange},
		{pattern: "POST /api/sites/rotate-key", handle: a.rotateKey, allow: people(admin), audit: engine.AuditChange},
	}
}

// tokenPrefix starts an enrollment token: a name and a version.
const tokenPrefix = "pforte-enroll-1."

// invitation is what an enrollment token carries.
type invitation struct {
	Addrs  []string `json:"a"` // the inviting site's data-plane addresses
	Key    []byte   `json:"k"` // its public key: the new site pins it
	Secret []byte   `json:"s"` // 128 random bits; the inviting site keeps their hash
}

func (in invitation) token() string {
	b, _ := json.Marshal(in)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// parseToken reads an enrollment token; the error names --enroll.
func parseToken(s string) (invitation, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok {
		return invitation{}, errors.New("--enroll: not an enrollment token (it starts with " + tokenPrefix + ")")
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	var in invitation
	if err == nil {
		err = json.Unmarshal(b, &in)
	}
	switch {
	case err != nil:
		return invitation{}, fmt.Errorf("--enroll: the token is damaged: %v", err)
	case len(in.Addrs) == 0 || len(in.Key) != ed25519.PublicKeySize || len(in.Secret) < 16:
		return invitation{}, errors.New("--enroll: the token is incomplete")
	}
	return in, nil
}

type siteView struct {
	Site        string          `json:"site"`
	Building    string          `json:"building"`
	Fingerprint string          `json:"fingerprint"`
	EnrolledAt  string          `json:"enrolled_at"`
	EnrolledBy  string          `json:"enrolled_by"`
	InvitedBy   string          `json:"invited_by"`
	HomeOf      []string        `json:"home_of"`
	Revoked     *revocationView `json:"revoked"`
}

type revocationView struct {
	LastSeq uint64 `json:"last_seq"`
	Reason  string `json:"reason"`
	At      string `json:"at"`
	By      string `json:"by"`
}

type invitationView struct {
	Site      string  `json:"site"`
	Building  string  `json:"building"`
	CreatedAt string  `json:"created_at"`
	CreatedBy string  `json:"created_by"`
	ExpiresAt string  `json:"expires_at"`
	UsedAt    *string `json:"used_at"`
}

type refusedView struct {
	Origin string `json:"origin"`
	Seq    uint64 `json:"seq"`
	Kind   string `json:"kind"`
	Entity string `json:"entity"`
	Author string `json:"author"`
	At     string `json:"at"`
	Reason string `json:"reason"`
}

func siteJSON(s engine.Site, cat *engine.Catalog) siteView {
	v := siteView{Site: s.Site, Building: s.Building, Fingerprint: engine.Fingerprint(s.PublicKey),
		EnrolledAt: apiTime(s.EnrolledAt), EnrolledBy: s.EnrolledBy, InvitedBy: s.InvitedBy, HomeOf: []string{}}
	for _, id := range slices.Sorted(maps.Keys(cat.Buildings)) {
		if cat.Buildings[id].HomeSite == s.Site {
			v.HomeOf = append(v.HomeOf, id)
		}
	}
	if r := s.Revoked; r != nil {
		v.Revoked = &revocationView{LastSeq: r.LastSeq, Reason: r.Reason, At: apiTime(s.RevokedAt), By: s.RevokedBy}
	}
	return v
}

// listSites serves GET /api/sites: the enrolled sites, this site's
// invitations, the ops the fold refuses, and the gossip keys in use.
func (a *App) listSites(w http.ResponseWriter, r *http.Request) {
	cat := a.store.Catalog()
	sites := []siteView{}
	for _, s := range a.store.Sites() {
		sites = append(sites, siteJSON(s, cat))
	}
	invs, err := a.store.Invitations(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	invitations := make([]invitationView, len(invs))
	for i, in := range invs {
		invitations[i] = invitationView{Site: in.Site, Building: in.Building, CreatedAt: apiTime(in.CreatedAt),
			CreatedBy: in.CreatedBy, ExpiresAt: apiTime(in.ExpiresAt)}
		if in.UsedAt != nil {
			t := apiTime(*in.UsedAt)
			invitations[i].UsedAt = &t
		}
	}
	ref, err := a.store.RefusedOps(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	refused := make([]refusedView, len(ref))
	for i, op := range ref {
		refused[i] = refusedView{Origin: op.Origin, Seq: op.Seq, Kind: op.Kind, Entity: op.Entity, Author: op.Author,
			At: apiTime(op.At), Reason: op.Reason}
	}
	keys := map[string]any{"primary": "", "count": 0}
	if ring := a.keyring(); len(ring) > 0 {
		keys = map[string]any{"primary": engine.Fingerprint(ring[0]), "count": len(ring)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"root": a.store.Root(), "self": a.cfg.Site, "sites": sites,
		"invitations": invitations, "refused": refused, "gossip_keys": keys})
}

// invite serves POST /api/sites/invitations {"site","building"}.
func (a *App) invite(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Site     string `json:"site"`
		Building string `json:"building"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	site, building := strings.TrimSpace(body.Site), strings.TrimSpace(body.Building)
	if a.sync == nil {
		a.fail(w, r, &engine.Error{Code: engine.CodeInvalidState, Field: "site",
			Detail: "this site does not replicate: start it with --gossip (or --sync-listen) to invite others"})
		return
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	sum := sha256.Sum256(secret)
	expires := a.clock.Now().Add(store.InvitationValid)
	if err := a.store.CreateInvitation(r.Context(), a.author(r.Context()), site, building, sum[:], expires); err != nil {
		a.fail(w, r, err)
		return
	}
	tok := invitation{Addrs: a.syncAddrs(), Key: a.store.PublicKey(), Secret: secret}.token()
	writeJSON(w, http.StatusCreated, map[string]string{"token": tok, "expires_at": apiTime(expires),
		"command": fmt.Sprintf("pforte serve --data DATEN --site %s --building %s --gossip ADRESSE:7946 --join %s --enroll %s",
			site, building, a.gossipAddr(), tok)})
}

// syncAddrs are the data-plane addresses a new site may reach this one
// at: the listener's, with an unspecified host replaced by the gossip
// address's.
func (a *App) syncAddrs() []string {
	addr := a.sync.Addr()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return []string{addr}
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() && a.members != nil {
		if gh, _, err := net.SplitHostPort(a.members.Addr()); err == nil {
			return []string{net.JoinHostPort(gh, port)}
		}
	}
	return []string{addr}
}

func (a *App) gossipAddr() string {
	if a.members != nil {
		return a.members.Addr()
	}
	return "ADRESSE"
}

// revokeSite serves POST /api/sites/{site}/revoke {"last_seq","reason"}.
func (a *App) revokeSite(w http.ResponseWriter, r *http.Request) {
	var body struct {
		LastSeq *uint64 `json:"last_seq"`
		Reason  string  `json:"reason"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	if body.LastSeq == nil {
		a.fail(w, r, engine.InvalidRule("last_seq", engine.RuleRequired, "the last of its changes that stays valid (0: none)"))
		return
	}
	s, err := a.store.Revoke(r.Context(), a.author(r.Context()), r.PathValue("site"), *body.LastSeq, body.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.log.Warn("site revoked", "site", s.Site, "last_seq", s.Revoked.LastSeq, "by", a.author(r.Context()))
	writeJSON(w, http.StatusOK, siteJSON(s, a.store.Catalog()))
}

// enrollSite redeems an invitation for a site that proved key (sync's
// EnrollHandler).
func (a *App) enrollSite(ctx context.Context, req psync.EnrollRequest) (psync.EnrollAnswer, error) {
	if _, err := a.store.RedeemInvitation(ctx, req.Secret, req.Site, req.Building, req.Key); err != nil {
		return psync.EnrollAnswer{}, err
	}
	a.log.Info("site enrolled", "site", req.Site, "building", req.Building, "key", engine.Fingerprint(req.Key))
	return psync.EnrollAnswer{Root: a.store.Root(), RootKey: a.store.RootKey(), GossipKeys: a.keyring()}, nil
}

// keyring returns the gossip keys in use, primary first.
func (a *App) keyring() [][]byte {
	if a.members != nil {
		if ring := a.members.Keys(); len(ring) > 0 {
			return ring
		}
	}
	if a.key != nil {
		return [][]byte{a.key}
	}
	return nil
}

// joinOrFound makes this site part of a cluster, once: with --enroll it
// redeems the invitation at the inviting site, records the root and keeps
// the gossip key it got; without, a site with no cluster yet founds one
// (it enrolls itself) unless it was told to join others, which needs an
// invitation.
func (a *App) joinOrFound(ctx context.Context) error {
	if a.store.Root() != "" {
		if a.cfg.Enroll != "" {
			a.log.Info("enrolled already: --enroll is not needed any more", "root", a.store.Root())
		}
		return nil
	}
	if a.cfg.Enroll == "" {
		if len(a.cfg.Join) > 0 {
			return errors.New("--enroll: joining a cluster needs an invitation the first time (Verwaltung → Standorte → Standort einladen, or pforte invite)")
		}
		if len(a.cfg.SyncSeeds) > 0 {
			a.log.Warn("no --enroll: this site founds a cluster of its own; its seeds sync with it only if they are enrolled in it")
		}
		if _, err := a.store.SelfEnroll(ctx, a.building.ID); err != nil {
			return fmt.Errorf("enroll this site as the first of a new cluster: %w", err)
		}
		a.log.Info("this site founded a new cluster: invite others under Verwaltung → Standorte", "site", a.cfg.Site)
		return nil
	}
	in, err := parseToken(a.cfg.Enroll)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var ans psync.EnrollAnswer
	for _, addr := range in.Addrs {
		ans, err = psync.Enroll(ctx, addr, in.Key, a.store.SigningKey(), a.cfg.Site, a.building.ID, in.Secret)
		if err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("--enroll: %w", err)
	}
	if err := a.store.JoinCluster(ctx, ans.Root, ans.RootKey); err != nil {
		return fmt.Errorf("--enroll: %w", err)
	}
	a.cfg.SyncSeeds = append(a.cfg.SyncSeeds, in.Addrs...)
	if len(ans.GossipKeys) > 0 && a.cfg.ClusterKeyFile == "" {
		path := filepath.Join(a.cfg.DataDir, clusterKeyFile)
		if err := psync.WriteKey(path, ans.GossipKeys[0]); err != nil {
			return fmt.Errorf("keep the cluster key: %w", err)
		}
		a.cfg.ClusterKeyFile = path
	}
	a.log.Info("enrolled: this site joined the cluster", "root", ans.Root, "inviter", in.Addrs[0])
	return nil
}

// clusterKeyFile is where an enrolled site keeps the gossip key it got,
// when it was not given --cluster-key.
const clusterKeyFile = "cluster.key"

// rotateKey serves POST /api/sites/rotate-key: a new gossip key on every
// site Serf reaches, used from now on, the old ones removed. A site that
// was away keeps syncing with its own identity and fetches the new key
// over the data channel (followKeyring).
func (a *App) rotateKey(w http.ResponseWriter, r *http.Request) {
	if a.members == nil {
		a.fail(w, r, &engine.Error{Code: engine.CodeInvalidState, Field: "key", Detail: "this site does not gossip (no --gossip)"})
		return
	}
	ring, err := a.members.RotateKey()
	if err != nil {
		a.fail(w, r, &engine.Error{Code: engine.CodeInvalidState, Field: "key", Detail: err.Error()})
		return
	}
	a.keepKeyring(ring)
	a.log.Warn("cluster key rotated", "primary", engine.Fingerprint(ring[0]), "by", a.author(r.Context()))
	writeJSON(w, http.StatusOK, map[string]any{"primary": engine.Fingerprint(ring[0]), "count": len(ring)})
}

// keepKeyring writes the primary gossip key to the key file this site
// reads at its next start.
func (a *App) keepKeyring(ring [][]byte) {
	path := a.cfg.ClusterKeyFile
	if path == "" {
		path = filepath.Join(a.cfg.DataDir, clusterKeyFile)
	}
	if err := psync.WriteKey(path, ring[0]); err != nil {
		a.log.Error("keep the new cluster key", "file", path, "err", err)
		return
	}
	a.key = ring[0]
}
