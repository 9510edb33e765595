package app

import (
	"net/http"
	"strings"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// Accounts, devices and the audit log: the admin's and the
// data-protection officer's screens.

// accountView is an account as the API shows it: never a hash.
type accountView struct {
	ID        string   `json:"id"`
	User      string   `json:"user"`
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	Buildings []string `json:"buildings"`
	Disabled  bool     `json:"disabled"`
	HasPIN    bool     `json:"has_pin"`
}

func accountJSON(acc engine.Account) accountView {
	return accountView{ID: acc.ID, User: acc.ID, Name: acc.Name, Roles: nonNil(acc.Roles),
		Buildings: nonNil(acc.Buildings), Disabled: acc.Disabled, HasPIN: acc.PINHash != ""}
}

func (a *App) listAccounts(w http.ResponseWriter, r *http.Request) {
	as, err := a.store.Accounts(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]accountView, len(as))
	for i, acc := range as {
		out[i] = accountJSON(acc)
	}
	writeJSON(w, http.StatusOK, out)
}

// accountRequest is what POST and PUT /api/accounts take.
type accountRequest struct {
	User      string   `json:"user"`
	Name      string   `json:"name"`
	Password  string   `json:"password"`
	Roles     []string `json:"roles"`
	Buildings []string `json:"buildings"`
	Disabled  bool     `json:"disabled"`
}

func (a *App) createAccount(w http.ResponseWriter, r *http.Request) {
	a.saveAccount(w, r, true)
}

func (a *App) changeAccount(w http.ResponseWriter, r *http.Request) {
	a.saveAccount(w, r, false)
}

func (a *App) saveAccount(w http.ResponseWriter, r *http.Request, create bool) {
	var req accountRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if !create {
		id := r.PathValue("id")
		if req.User != "" && engine.NormalizeUser(req.User) != id {
			a.fail(w, r, engine.InvalidRule("user", engine.RuleFormat, "a user name cannot be changed"))
			return
		}
		req.User = id
		if me := principalOf(r.Context()); me.account.ID == id && (req.Disabled || !contains(req.Roles, engine.RoleAdmin)) {
			// The last way back in must not be closed by a slip of the mouse.
			a.fail(w, r, engine.InvalidRule("roles", engine.RuleRequired, "an admin cannot take admin from, or disable, themselves"))
			return
		}
	}
	hash := ""
	if req.Password != "" || create {
		if err := engine.CheckPassword("password", req.Password); err != nil {
			a.fail(w, r, err)
			return
		}
		var err error
		if hash, err = engine.HashPassword(req.Password); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	spec := engine.AccountSpec{User: req.User, Name: req.Name, Roles: req.Roles, Buildings: req.Buildings, Disabled: req.Disabled}
	acc, err := a.store.DefineAccount(r.Context(), a.author(r.Context()), spec, create, hash)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	auditEntities(r.Context(), "account:"+acc.ID)
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	writeJSON(w, status, accountJSON(acc))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// deviceView is a device as the API shows it: never a hash.
type deviceView struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Kind             string `json:"kind"`
	Building         string `json:"building"`
	CreatedAt        string `json:"created_at,omitempty"`
	PairedAt         string `json:"paired_at,omitempty"`
	RevokedAt        string `json:"revoked_at,omitempty"`
	PairingExpiresAt string `json:"pairing_expires_at,omitempty"`
	PairingCode      string `json:"pairing_code,omitempty"` // only in the answer that creates it
}

func deviceJSON(d engine.Device) deviceView {
	v := deviceView{ID: d.ID, Name: d.Name, Kind: d.Kind, Building: d.Building, CreatedAt: apiTime(d.CreatedAt),
		PairedAt: apiTimeOrEmpty(d.PairedAt), RevokedAt: apiTimeOrEmpty(d.RevokedAt)}
	if d.PairingHash != "" {
		v.PairingExpiresAt = apiTime(d.PairingExpires)
	}
	return v
}

func apiTimeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return apiTime(t)
}

func (a *App) listDevices(w http.ResponseWriter, r *http.Request) {
	ds, err := a.store.Devices(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]deviceView, len(ds))
	for i, d := range ds {
		out[i] = deviceJSON(d)
	}
	writeJSON(w, http.StatusOK, out)
}

// addDevice serves POST /api/devices: the answer carries the pairing code,
// the only time it is shown.
func (a *App) addDevice(w http.ResponseWriter, r *http.Request) {
	var spec engine.DeviceSpec
	if err := decode(w, r, &spec); err != nil {
		a.fail(w, r, err)
		return
	}
	code := newCode()
	d, err := a.store.AddDevice(r.Context(), a.author(r.Context()), spec, code, a.clock.Now().Add(pairingValid))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	auditEntities(r.Context(), "device:"+d.ID)
	v := deviceJSON(d)
	v.PairingCode = code
	writeJSON(w, http.StatusCreated, v)
}

// pairDevice serves POST /api/devices/pair {"code"}: the device gets its
// long-lived credential as a cookie.
func (a *App) pairDevice(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Code string `json:"code"`
	}
	if err := decode(w, r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.clock.Now()
	ip := clientAddr(r)
	if d := a.pairings.wait(ip, now); d > 0 {
		a.tooMany(w, r, d)
		return
	}
	credential := randomToken(32)
	d, err := a.store.PairDevice(r.Context(), normalizeCode(body.Code), credential)
	if err != nil {
		if engine.AsError(err).Code == engine.CodeNotFound {
			a.pairings.fail(ip, now)
			a.fail(w, r, &engine.Error{Code: engine.CodeUnauthenticated, Field: "code", Detail: "unknown pairing code"})
			return
		}
		a.fail(w, r, err)
		return
	}
	a.pairings.ok(ip)
	p := &principal{device: d}
	a.audit(r.WithContext(withPrincipal(r.Context(), p)), engine.AuditEntry{Action: engine.AuditDevicePaired,
		Route: "POST /api/devices/pair", Building: d.Building, Entities: []string{"device:" + d.ID}})
	a.setCookie(w, r, a.cookieName(deviceCookie), credential, deviceMaxAge)
	writeJSON(w, http.StatusOK, a.sessionJSON(p))
}

func (a *App) revokeDevice(w http.ResponseWriter, r *http.Request) {
	d, err := a.store.RevokeDevice(r.Context(), a.author(r.Context()), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, deviceJSON(d))
}

// auditLog serves GET /api/audit?from=&to=&user=&entity=.
func (a *App) auditLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	es, err := a.store.Audit(r.Context(), storeAuditFilter(strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to")),
		engine.NormalizeUser(q.Get("user")), strings.TrimSpace(q.Get("entity"))))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	type entryJSON struct {
		engine.AuditEntry
		At string `json:"at"`
	}
	out := make([]entryJSON, len(es))
	for i, e := range es {
		out[i] = entryJSON{AuditEntry: e, At: apiTime(e.At)}
	}
	writeJSON(w, http.StatusOK, out)
}

func storeAuditFilter(from, to, user, entity string) store.AuditFilter {
	return store.AuditFilter{From: from, To: to, User: user, Entity: entity}
}
