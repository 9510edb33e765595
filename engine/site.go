package engine

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Sites are enrolled, not discovered. A site's public key comes from a
// site.enrolled op that a site already in the cluster writes when it
// redeems an admin's invitation; the first site of a new cluster enrolls
// itself (it is the cluster's root). A site.revoked op cuts an origin at a
// seq: its ops up to that seq stay valid (they are chained, so the cut is
// exact), none after.
const (
	KindSiteEnrolled = "site.enrolled"
	KindSiteRevoked  = "site.revoked"
	EntitySite       = "site"
)

// SiteEnrollment is the payload of a site.enrolled op.
type SiteEnrollment struct {
	Site      string `json:"site"`
	Building  string `json:"building"`
	PublicKey []byte `json:"public_key"`
	// InvitedBy is the site that redeemed the invitation (the op's
	// origin); empty for the root's own enrollment.
	InvitedBy string `json:"invited_by,omitempty"`
}

// SiteRevocation is the payload of a site.revoked op.
type SiteRevocation struct {
	Site    string `json:"site"`
	LastSeq uint64 `json:"last_seq"`
	Reason  string `json:"reason"`
}

// Site is an enrolled site as the fold of its ops says.
type Site struct {
	Site       string          `json:"site"`
	Building   string          `json:"building"`
	PublicKey  []byte          `json:"public_key"`
	EnrolledAt time.Time       `json:"enrolled_at"`
	EnrolledBy string          `json:"enrolled_by"` // the author of the enrollment
	InvitedBy  string          `json:"invited_by,omitempty"`
	Order      HLC             `json:"order"` // the enrollment's place in the log
	Revoked    *SiteRevocation `json:"revoked,omitempty"`
	RevokedAt  time.Time       `json:"revoked_at,omitzero"`
	RevokedBy  string          `json:"revoked_by,omitempty"`
}

// Fingerprint is a short, readable form of a public key: the first 8
// bytes of its SHA-256 in hex, grouped.
func Fingerprint(pub []byte) string {
	sum := sha256.Sum256(pub)
	h := hex.EncodeToString(sum[:8])
	return h[0:4] + " " + h[4:8] + " " + h[8:12] + " " + h[12:16]
}

// ValidSeq reports whether an op of this site with seq counts: always,
// unless the site was revoked before it.
func (s Site) ValidSeq(seq uint64) bool { return s.Revoked == nil || seq <= s.Revoked.LastSeq }

// EnrollOp is the op that enrolls a site.
func EnrollOp(e SiteEnrollment) Op { return DefineOp(KindSiteEnrolled, e.Site, e) }

// RevokeOp is the op that revokes a site after lastSeq.
func RevokeOp(r SiteRevocation) Op { return DefineOp(KindSiteRevoked, r.Site, r) }

// CheckEnrollment checks the shape of an enrollment.
func CheckEnrollment(e SiteEnrollment) error {
	if err := checkText("site", e.Site, 64, true); err != nil {
		return err
	}
	if err := checkText("building", e.Building, 64, true); err != nil {
		return err
	}
	if len(e.PublicKey) != ed25519.PublicKeySize {
		return Invalid("public_key", "%d bytes, want an ed25519 public key (%d)", len(e.PublicKey), ed25519.PublicKeySize)
	}
	return nil
}

// FoldSite folds one site's authorized ops (sorted or not).
func FoldSite(id string, ops []Op) (Site, bool, error) {
	var s Site
	enrolled := false
	for _, op := range sorted(ops) {
		switch op.Kind {
		case KindSiteEnrolled:
			if enrolled {
				continue // a name is enrolled once (Authorize refuses the rest)
			}
			var e SiteEnrollment
			if err := json.Unmarshal(op.Data, &e); err != nil {
				return s, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
			}
			s = Site{Site: id, Building: e.Building, PublicKey: e.PublicKey, EnrolledAt: op.HLC.Time(),
				EnrolledBy: op.Author, InvitedBy: e.InvitedBy, Order: op.HLC}
			enrolled = true
		case KindSiteRevoked:
			var r SiteRevocation
			if err := json.Unmarshal(op.Data, &r); err != nil {
				return s, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
			}
			if s.Revoked == nil || r.LastSeq < s.Revoked.LastSeq {
				// Of two revocations the stricter cut holds.
				s.Revoked, s.RevokedAt, s.RevokedBy = &r, op.HLC.Time(), op.Author
			}
		default:
			return s, false, fmt.Errorf("site %s: unknown kind %q", id, op.Kind)
		}
	}
	return s, enrolled, nil
}

// Who may change what is decided by the fold, so every site agrees, in any
// order of arrival: configuration, accounts, devices and enrollment ops
// count only when their author held a role that may make them at that
// point of the log (ops ordered by Before).

// authorityRoles names, per kind, the roles whose holders may write it.
var authorityRoles = map[string][]string{
	KindBuildingDefined: {RoleAdmin, RolePrivacy}, // the data-protection officer sets the retention rules
	KindServiceDefined:  {RoleAdmin},
	KindStaffDefined:    {RoleAdmin},
	KindCounterDefined:  {RoleAdmin, RoleManager}, // managers enter a counter's absences
	KindRoomDefined:     {RoleAdmin},
	KindAccountDefined:  {RoleAdmin},
	KindAccountPassword: {RoleAdmin}, // and the account itself
	KindAccountPIN:      {RoleAdmin}, // and the account itself
	KindDeviceAdded:     {RoleAdmin},
	KindDeviceRevoked:   {RoleAdmin},
	KindSiteEnrolled:    {RoleAdmin},
	KindSiteRevoked:     {RoleAdmin},
	KindMailConfigured:  {RoleAdmin},
}

// AuthorityKind reports whether ops of kind count only when their author
// may write them (Authorize).
func AuthorityKind(kind string) bool { _, ok := authorityRoles[kind]; return ok }

// AuthorityEntityTypes are the entity types of the authority kinds. The
// mail configuration is one entity of type mail (MailConfigEntity), not
// the type: AuthorityEntity says so.
var AuthorityEntityTypes = []string{EntityBuilding, EntityService, EntityStaff, EntityCounter, EntityRoom,
	EntityAccount, EntityDevice, EntitySite}

// AuthorityEntity reports whether an entity's ops may be refused by
// Authorize: those of the authority types, and the mail configuration
// (whose type also holds every queued mail, far too many to decide again
// on every authority op).
func AuthorityEntity(typ, id string) bool {
	return slices.Contains(AuthorityEntityTypes, typ) || (typ == EntityMail && id == MailConfigEntity)
}

// OpRef names an op.
type OpRef struct {
	Origin string
	Seq    uint64
}

// DemoOrigin is the origin of the demo seed: the same ops on every site,
// written by each site itself, trusted like the code that writes them.
const DemoOrigin = "demo"

// Authorize decides which of the authority ops (every op of an authority
// kind the log holds; any order) the fold refuses, and why. root is the
// site that created the cluster ("" before there is one: then every op
// counts). An op counts when
//
//   - it is the demo seed's (every site writes it itself);
//   - its author is an account that, at that point of the log, holds a
//     role that may write its kind (authorityRoles), or, for a password
//     or PIN, is the account itself;
//   - it is the root's own enrollment, the first enrollment of the log;
//   - it comes from the root before any admin exists (the first admin,
//     created with the setup code or `pforte user add`).
//
// Enrollments must also be well formed, name a site not enrolled before
// (names are never reused, revoked ones neither), and revocations a site
// enrolled before. Accounts hold their roles from the first counted op
// that grants them; an op refused grants nothing, so an admin's rights
// never come from a refused op.
func Authorize(ops []Op, root string) map[OpRef]string {
	refused := map[OpRef]string{}
	if root == "" {
		// No cluster yet: a site on its own, whose log holds only what it
		// wrote itself (ops of others need an enrolled key).
		return refused
	}
	ops = sorted(ops)
	accounts := map[string]Account{}
	enrolled := map[string]bool{}
	setUp := map[string]string{} // accounts made while setting up, by whom
	admins := func() int {
		n := 0
		for _, a := range accounts {
			if a.HasRole(RoleAdmin) && !a.Disabled {
				n++
			}
		}
		return n
	}
	for _, op := range ops {
		if !AuthorityKind(op.Kind) {
			continue
		}
		ref := OpRef{op.Origin, op.Seq}
		reason := ""
		switch {
		case op.Origin == DemoOrigin:
		case op.Kind == KindSiteEnrolled && op.Origin == root && op.Entity == root && len(enrolled) == 0:
			// the root enrolls itself first
		case mayWrite(accounts[op.Author], op):
		case (op.Kind == KindAccountPassword || op.Kind == KindAccountPIN) && op.Author == op.Entity && accounts[op.Author].ID != "":
		case op.Origin == root && admins() == 0:
			// setting up: the first admin, the first sites
			if op.Kind == KindAccountDefined {
				setUp[op.Entity] = op.Author
			}
		case (op.Kind == KindAccountPassword || op.Kind == KindAccountPIN) && op.Origin == root &&
			setUp[op.Entity] != "" && setUp[op.Entity] == op.Author:
			// the first admin's password, written with the account
		default:
			reason = fmt.Sprintf("%s by %q: the author may not make this change", op.Kind, op.Author)
		}
		if reason == "" {
			reason = checkAuthorityPayload(op, enrolled)
		}
		if reason != "" {
			refused[ref] = reason
			continue
		}
		switch op.Kind {
		case KindAccountDefined:
			var a Account
			if json.Unmarshal(op.Data, &a) == nil {
				a.ID = op.Entity
				accounts[op.Entity] = a
			}
		case KindSiteEnrolled:
			enrolled[op.Entity] = true
		}
	}
	return refused
}

func mayWrite(author Account, op Op) bool {
	if author.ID == "" || author.Disabled {
		return false
	}
	return slices.ContainsFunc(authorityRoles[op.Kind], author.HasRole)
}

// checkAuthorityPayload refuses enrollments and revocations that cannot be
// folded: "" if the op is well formed.
func checkAuthorityPayload(op Op, enrolled map[string]bool) string {
	switch op.Kind {
	case KindSiteEnrolled:
		var e SiteEnrollment
		if err := json.Unmarshal(op.Data, &e); err != nil {
			return "enrollment does not decode: " + err.Error()
		}
		if err := CheckEnrollment(e); err != nil {
			return "enrollment: " + err.Error()
		}
		if e.Site != op.Entity {
			return fmt.Sprintf("enrollment of %q filed under %q", e.Site, op.Entity)
		}
		if enrolled[e.Site] {
			return fmt.Sprintf("site %q is enrolled already; a name is never enrolled twice", e.Site)
		}
	case KindSiteRevoked:
		var r SiteRevocation
		if err := json.Unmarshal(op.Data, &r); err != nil {
			return "revocation does not decode: " + err.Error()
		}
		if r.Site != op.Entity || !enrolled[r.Site] {
			return fmt.Sprintf("revocation of %q, which is not enrolled", r.Site)
		}
	}
	return ""
}

// EffectiveHome is the site that owns a building's capacity tokens: the
// one configured, else, in a cluster, the first site enrolled for the
// building that is not revoked, else the cluster's root. A single site
// (no other enrolled) books every place itself: "".
func EffectiveHome(b Building, sites []Site, root string) (home string, byDefault bool) {
	if b.HomeSite != "" {
		return b.HomeSite, false
	}
	active := 0
	for _, s := range sites {
		if s.Revoked == nil {
			active++
		}
	}
	if active < 2 {
		return "", false
	}
	first := Site{}
	for _, s := range sites {
		if s.Revoked == nil && s.Building == b.ID && (first.Site == "" || s.Order < first.Order ||
			(s.Order == first.Order && s.Site < first.Site)) {
			first = s
		}
	}
	if first.Site != "" {
		return first.Site, true
	}
	return root, true
}
