package app

import (
	"net/http"
	"strings"

	"pforte/engine"
)

// Reception's lookups beside the visit list: a host's visitors at every
// entrance, and a returning visitor's last contact data.

// hostVisits serves GET /api/visits/host?host=H: the host's visitors in any
// building now (waiting, on the way, escorted), earliest first. The host's
// desk ("Meine Besuche") may stand at another site than the entrance.
func (a *App) hostVisits(w http.ResponseWriter, r *http.Request) {
	host := strings.TrimSpace(r.URL.Query().Get("host"))
	if host == "" {
		a.fail(w, r, engine.InvalidRule("host", engine.RuleRequired, "host is required"))
		return
	}
	if _, err := a.store.StaffMember(r.Context(), host); err != nil {
		a.fail(w, r, invalidStaff(err, "host", host))
		return
	}
	all, err := a.store.PresentEverywhere(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	mine := []engine.Visit{}
	for _, v := range all {
		if v.Host == host || v.ComingBy == host {
			mine = append(mine, v)
		}
	}
	a.writeVisits(w, r, http.StatusOK, mine, false)
}

// maxRecent bounds the earlier visits offered for one name.
const maxRecent = 5

// recentVisits serves GET /api/visits/recent?name=: the earlier visits
// (within the retention period, newest first) of a visitor with exactly
// this name, so reception can take over the contact data after asking
// whether it is the same person. Fewer than 3 letters find nothing: the
// desk must not browse other people's data.
func (a *App) recentVisits(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if err := (engine.NewVisit{Name: name}).CheckName(); err != nil {
		a.fail(w, r, err)
		return
	}
	found := []engine.Visit{}
	if len([]rune(strings.TrimSpace(name))) >= 3 {
		days := a.building.RetentionOf().VisitDays
		if b, ok := a.store.Catalog().Buildings[a.building.ID]; ok {
			days = b.RetentionOf().VisitDays
		}
		vs, err := a.store.VisitsSince(r.Context(), a.clock.Now().AddDate(0, 0, -days))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for _, v := range vs {
			if engine.SameVisitor(v, name) && len(found) < maxRecent {
				found = append(found, v)
			}
		}
	}
	a.writeVisits(w, r, http.StatusOK, found, false)
}
