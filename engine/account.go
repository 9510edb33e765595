package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Staff accounts, kiosks and monitors, and the audit log: who may see what
// is data like everything else. Accounts and devices are ops, so a clerk
// signs in at any site, offline too, and a kiosk paired at one site is
// known at every site of the building.
//
// Password and PIN hashes (argon2id, password.go) travel in an op's
// Personal part, never in Data: a superseded hash can be erased like any
// personal data, and Data stays free of anything a guesser could work on.

// Roles. A person may hold several.
const (
	RoleReception = "empfang"         // register visitors, who is in the house, badges, evacuation list
	RoleClerk     = "sachbearbeitung" // slots, bookings, check-in on behalf, call-up, slips
	RoleManager   = "leitung"         // a clerk's rights, plus daily sheets, attendance lists, inbox
	RoleAdmin     = "admin"           // configuration, allotments, printers, accounts, devices, sites
	RolePrivacy   = "datenschutz"     // the data-protection officer: audit log, contact tracing
)

// Roles lists every role in the order screens show them.
var Roles = []string{RoleReception, RoleClerk, RoleManager, RoleAdmin, RolePrivacy}

// Account, device and audit op kinds and entity types.
const (
	KindAccountDefined  = "account.defined"
	KindAccountPassword = "account.password"
	KindAccountPIN      = "account.pin"
	EntityAccount       = "account"

	KindDeviceAdded   = "device.added"
	KindDevicePaired  = "device.paired"
	KindDeviceRevoked = "device.revoked"
	EntityDevice      = "device"

	KindAuditRecorded = "audit.recorded"
	EntityAudit       = "audit"
)

// Device kinds.
const (
	DeviceKiosk   = "kiosk"   // the check-in terminal
	DeviceMonitor = "monitor" // the call-up monitor
)

// Account is one person who signs in. ID is the lower-case user name.
type Account struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	Buildings []string `json:"buildings"` // empty: every building
	Disabled  bool     `json:"disabled"`
	// PasswordHash and PINHash are argon2id hashes in PHC form; folded
	// from the Personal part of the password and PIN ops.
	PasswordHash string `json:"password_hash,omitempty"`
	PINHash      string `json:"pin_hash,omitempty"`
}

// HasRole reports whether the account holds role.
func (a Account) HasRole(role string) bool { return slices.Contains(a.Roles, role) }

// InBuilding reports whether the account may work in building.
func (a Account) InBuilding(building string) bool {
	return len(a.Buildings) == 0 || slices.Contains(a.Buildings, building)
}

// userPattern: what a user name may be: short, lower-case, no spaces, so
// that it is typed the same way at every desk.
var userPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)

// NormalizeUser returns the account id for what someone typed as user name.
func NormalizeUser(user string) string { return strings.ToLower(strings.TrimSpace(user)) }

// AccountSpec is what an admin says about an account.
type AccountSpec struct {
	User      string   `json:"user"`
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	Buildings []string `json:"buildings"`
	Disabled  bool     `json:"disabled"`
}

// Validate checks the spec against the known buildings and returns it
// normalized: user name lower case, roles and buildings sorted, deduped.
func (s AccountSpec) Validate(known func(building string) bool) (AccountSpec, error) {
	s.User = NormalizeUser(s.User)
	if !userPattern.MatchString(s.User) {
		return s, InvalidRule("user", RuleFormat, "2-40 characters a-z, 0-9, dot, dash, underscore")
	}
	s.Name = collapseSpace(s.Name)
	if err := checkText("name", s.Name, 100, true); err != nil {
		return s, err
	}
	if len(s.Roles) == 0 {
		return s, InvalidRule("roles", RuleRequired, "at least one role")
	}
	for _, r := range s.Roles {
		if !slices.Contains(Roles, r) {
			return s, InvalidRule("roles", RuleUnknown, "unknown role %q", r)
		}
	}
	for _, b := range s.Buildings {
		if !known(b) {
			return s, InvalidRule("buildings", RuleUnknown, "unknown building %q", b)
		}
	}
	s.Roles = sortedSet(s.Roles)
	s.Buildings = sortedSet(s.Buildings)
	return s, nil
}

func sortedSet(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// AccountOp returns the op that defines (creates or changes) an account.
func AccountOp(s AccountSpec) Op {
	return DefineOp(KindAccountDefined, s.User, Account{ID: s.User, Name: s.Name, Roles: s.Roles,
		Buildings: s.Buildings, Disabled: s.Disabled})
}

// credential is the Personal part of a password or PIN op.
type credential struct {
	Hash string `json:"hash"`
}

// PasswordOp returns the op that sets an account's password hash; PINOp
// its PIN's.
func PasswordOp(id, hash string) Op {
	return Op{Kind: KindAccountPassword, Entity: id, Data: json.RawMessage(`{}`), Personal: mustJSON(credential{hash})}
}

// PINOp returns the op that sets (or, with an empty hash, clears) the PIN.
func PINOp(id, hash string) Op {
	return Op{Kind: KindAccountPIN, Entity: id, Data: json.RawMessage(`{}`), Personal: mustJSON(credential{hash})}
}

// FoldAccount folds an account's ops: the latest definition, the latest
// password and the latest PIN. ok is false without a definition.
func FoldAccount(id string, ops []Op) (a Account, ok bool, err error) {
	for _, op := range sorted(ops) {
		switch op.Kind {
		case KindAccountDefined:
			var d Account
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return a, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
			}
			d.PasswordHash, d.PINHash = a.PasswordHash, a.PINHash
			a, ok = d, true
		case KindAccountPassword, KindAccountPIN:
			var c credential
			if len(op.Personal) > 0 { // erased: the hash is gone
				if err := json.Unmarshal(op.Personal, &c); err != nil {
					return a, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
				}
			}
			if op.Kind == KindAccountPassword {
				a.PasswordHash = c.Hash
			} else {
				a.PINHash = c.Hash
			}
		default:
			return a, false, fmt.Errorf("account %s: unknown kind %q", id, op.Kind)
		}
	}
	a.ID = id
	return a, ok, nil
}

// Device is a kiosk or monitor paired with the cluster. It needs no person
// signed in; what it may do is fixed by its kind and building.
type Device struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Building string `json:"building"`
	// PairingHash is the SHA-256 (hex) of the one-time pairing code, until
	// the device is paired.
	PairingHash    string    `json:"pairing_hash,omitempty"`
	PairingExpires time.Time `json:"pairing_expires_at"`
	CreatedAt      time.Time `json:"created_at"`
	// CredentialHash is the SHA-256 (hex) of the long-lived credential
	// the device got when paired.
	CredentialHash string    `json:"credential_hash,omitempty"`
	PairedAt       time.Time `json:"paired_at"`
	RevokedAt      time.Time `json:"revoked_at"`
	Revoked        bool      `json:"revoked"`
}

// DeviceSpec is what an admin says about a new device.
type DeviceSpec struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Building string `json:"building"`
}

// Validate checks the spec.
func (s DeviceSpec) Validate(known func(building string) bool) (DeviceSpec, error) {
	s.Name = collapseSpace(s.Name)
	if err := checkText("name", s.Name, 100, true); err != nil {
		return s, err
	}
	if s.Kind != DeviceKiosk && s.Kind != DeviceMonitor {
		return s, InvalidRule("kind", RuleUnknown, "kiosk or monitor")
	}
	if s.Building == "" {
		return s, InvalidRule("building", RuleRequired, "required")
	}
	if !known(s.Building) {
		return s, InvalidRule("building", RuleUnknown, "unknown building %q", s.Building)
	}
	return s, nil
}

type devicePaired struct {
	CredentialHash string `json:"credential_hash"`
}

// DeviceAddedOp, DevicePairedOp and DeviceRevokedOp are a device's ops.
func DeviceAddedOp(id string, s DeviceSpec, pairingHash string, created, expires time.Time) Op {
	return DefineOp(KindDeviceAdded, id, Device{ID: id, Name: s.Name, Kind: s.Kind, Building: s.Building,
		PairingHash: pairingHash, PairingExpires: expires.UTC(), CreatedAt: created.UTC()})
}

func DevicePairedOp(id, credentialHash string) Op {
	return DefineOp(KindDevicePaired, id, devicePaired{credentialHash})
}

func DeviceRevokedOp(id string) Op {
	return Op{Kind: KindDeviceRevoked, Entity: id, Data: json.RawMessage(`{}`)}
}

// FoldDevice folds a device's ops. A pairing uses up the code; a
// revocation is final.
func FoldDevice(id string, ops []Op) (d Device, ok bool, err error) {
	for _, op := range sorted(ops) {
		switch op.Kind {
		case KindDeviceAdded:
			var n Device
			if err := json.Unmarshal(op.Data, &n); err != nil {
				return d, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
			}
			n.CredentialHash, n.PairedAt, n.Revoked, n.RevokedAt = d.CredentialHash, d.PairedAt, d.Revoked, d.RevokedAt
			if !n.PairedAt.IsZero() {
				n.PairingHash = ""
			}
			d, ok = n, true
		case KindDevicePaired:
			var p devicePaired
			if err := json.Unmarshal(op.Data, &p); err != nil {
				return d, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
			}
			d.CredentialHash, d.PairedAt, d.PairingHash = p.CredentialHash, op.HLC.Time().UTC(), ""
		case KindDeviceRevoked:
			if !d.Revoked {
				d.Revoked, d.RevokedAt = true, op.HLC.Time().UTC()
			}
		default:
			return d, false, fmt.Errorf("device %s: unknown kind %q", id, op.Kind)
		}
	}
	d.ID = id
	return d, ok, nil
}

// AuditEntry is one look at personal data, one sign-in or one change of
// configuration, accounts or devices: who, from which device and site,
// when, what.
type AuditEntry struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	User     string    `json:"user"`   // account id, or the user name tried for a failed sign-in
	Device   string    `json:"device"` // device id, when a kiosk or monitor asked
	Site     string    `json:"site"`
	Action   string    `json:"action"` // AuditRead, AuditPrint, ...
	Route    string    `json:"route"`  // "GET /api/visits"
	Building string    `json:"building,omitempty"`
	Day      string    `json:"day,omitempty"`
	Entities []string  `json:"entities"`
	Status   int       `json:"status,omitempty"`
}

// Audit actions.
const (
	AuditRead         = "read"
	AuditPrint        = "print"
	AuditExport       = "export"
	AuditSearch       = "search"
	AuditSignIn       = "sign_in"
	AuditSignInFailed = "sign_in_failed"
	AuditChange       = "change"
	AuditAccount      = "account"
	AuditDevice       = "device"
	AuditDevicePaired = "device_paired"
	AuditUnlockFailed = "unlock_failed"
	AuditSetup        = "setup"
)

// Audit op payloads: who (a member of staff, a device) and which records
// are personal data, kept for the building's audit retention (Retention.
// AuditDays) and erased with it; the rest is Data.
type (
	auditData struct {
		At       int64  `json:"at"` // Unix ms
		Site     string `json:"site"`
		Action   string `json:"action"`
		Route    string `json:"route"`
		Building string `json:"building,omitempty"`
		Day      string `json:"day,omitempty"`
		Status   int    `json:"status,omitempty"`
	}
	auditPersonal struct {
		User     string   `json:"user"`
		Device   string   `json:"device,omitempty"`
		Entities []string `json:"entities"`
	}
)

// AuditOp returns the op that records e. The building and day a caller
// typed into a query are recorded only if they keep the text rule: the
// entry is an op like any other, and CheckOp holds it to the rule.
func AuditOp(e AuditEntry) Op {
	if e.Entities == nil {
		e.Entities = []string{}
	}
	if checkText("building", e.Building, MaxIDLen, false) != nil {
		e.Building = ""
	}
	if checkText("day", e.Day, MaxIDLen, false) != nil {
		e.Day = ""
	}
	return Op{Kind: KindAuditRecorded, Entity: e.ID,
		Data: mustJSON(auditData{At: e.At.UnixMilli(), Site: e.Site, Action: e.Action, Route: e.Route,
			Building: e.Building, Day: e.Day, Status: e.Status}),
		Personal: mustJSON(auditPersonal{User: e.User, Device: e.Device, Entities: e.Entities})}
}

// FoldAudit decodes an audit op (an entry is written once, never
// changed). ok is false once its personal part is erased: an entry that
// no longer says who looked is gone.
func FoldAudit(id string, ops []Op) (e AuditEntry, ok bool, err error) {
	for _, op := range ops {
		if op.Kind != KindAuditRecorded {
			return e, false, fmt.Errorf("audit %s: unknown kind %q", id, op.Kind)
		}
		var d auditData
		if err := json.Unmarshal(op.Data, &d); err != nil {
			return e, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
		}
		if len(op.Personal) == 0 {
			return e, false, nil
		}
		var p auditPersonal
		if err := json.Unmarshal(op.Personal, &p); err != nil {
			return e, false, fmt.Errorf("%s %s: %w", op.Kind, id, err)
		}
		e = AuditEntry{ID: id, At: time.UnixMilli(d.At).UTC(), User: p.User, Device: p.Device, Site: d.Site,
			Action: d.Action, Route: d.Route, Building: d.Building, Day: d.Day, Entities: p.Entities, Status: d.Status}
		if e.Entities == nil {
			e.Entities = []string{}
		}
		ok = true
	}
	return e, ok, nil
}
