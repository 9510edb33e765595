package app

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"pforte/engine"
)

// Allotments (engine/token.go): the share of an escrowed building's
// capacity tokens that each other site owns, and so can book while cut
// off. They are configuration: a PUT writes a new building.defined op with
// the building's current definition and these fields changed, so the
// change replicates like any other and the last definition wins.

// allotmentJSON is one building's allotment settings.
type allotmentJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	HomeSite string `json:"home_site"`
	// HomeSiteDefault: no home site is configured; HomeSite is the
	// cluster's default (engine.EffectiveHome).
	HomeSiteDefault bool           `json:"home_site_default"`
	Allotments      map[string]int `json:"allotments"`
	TokenMinutes    int            `json:"token_minutes"`
}

// allotmentsAnswer is GET /api/allotments.
type allotmentsAnswer struct {
	Site      string          `json:"site"`
	Sites     []string        `json:"sites"`
	Buildings []allotmentJSON `json:"buildings"`
}

// allotments serves GET /api/allotments: every building's home site,
// allotments and token block, and the sites an admin can choose from.
func (a *App) allotments(w http.ResponseWriter, r *http.Request) {
	bs, err := a.store.Buildings(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := allotmentsAnswer{Site: a.cfg.Site, Buildings: make([]allotmentJSON, len(bs))}
	named := []string{}
	for i, b := range bs {
		out.Buildings[i] = allotmentOf(b)
		named = append(named, b.HomeSite)
		named = slices.AppendSeq(named, maps.Keys(b.Booking.Allotments))
	}
	out.Sites = a.knownSites(named)
	writeJSON(w, http.StatusOK, out)
}

func allotmentOf(b engine.Building) allotmentJSON {
	al := maps.Clone(b.Booking.Allotments)
	if al == nil {
		al = map[string]int{}
	}
	m := b.Booking.TokenMinutes
	if m <= 0 {
		m = engine.DefaultTokenMinutes
	}
	return allotmentJSON{ID: b.ID, Name: b.Name, HomeSite: b.HomeSite, HomeSiteDefault: b.HomeByDefault, Allotments: al, TokenMinutes: m}
}

// knownSites is this site, the sites Serf and replication know and the
// sites named in the configuration, sorted, each once.
func (a *App) knownSites(named []string) []string {
	sites := append([]string{a.cfg.Site}, named...)
	if a.members != nil {
		for _, p := range a.members.Peers() {
			sites = append(sites, p.Site)
		}
	}
	if a.sync != nil {
		for _, s := range a.sync.Status() {
			sites = append(sites, s.Site)
		}
	}
	sites = slices.DeleteFunc(sites, func(s string) bool { return s == "" || s == demoOrigin })
	slices.Sort(sites)
	return slices.Compact(sites)
}

// allotmentUpdate is the body of PUT /api/buildings/{id}/allotments. A
// field left out keeps its value.
type allotmentUpdate struct {
	HomeSite     *string         `json:"home_site"`
	Allotments   *map[string]int `json:"allotments"`
	TokenMinutes *int            `json:"token_minutes"`
}

// putAllotments serves PUT /api/buildings/{id}/allotments. Bad input is a
// 400 naming the field and writes nothing; after the write the tokens are
// handed on at once, so the allotment holds before the next cron run.
func (a *App) putAllotments(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	b, err := a.store.Building(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var u allotmentUpdate
	if err := decode(w, r, &u); err != nil {
		a.fail(w, r, allotmentField(err))
		return
	}
	if b, err = applyAllotments(b, u); err != nil {
		a.fail(w, r, err)
		return
	}
	definer, ok := any(a.store).(buildingDefiner)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, errorBody("not_implemented", "",
			"Kontingente können in dieser Version noch nicht gespeichert werden."))
		return
	}
	if err := definer.DefineBuilding(r.Context(), a.author(r.Context()), b); err != nil {
		a.fail(w, r, err)
		return
	}
	a.reconcileTokens(r.Context())
	if b, err = a.store.Building(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, allotmentOf(b))
}

// allotmentField names a bad percentage by its field, "allotments", not
// by the site the JSON decoder names it after ("allotments.rathaus-2").
func allotmentField(err error) error {
	if e := engine.AsError(err); strings.HasPrefix(e.Field, "allotments.") {
		e.Field = "allotments"
		return e
	}
	return err
}

// buildingDefiner is the store's method that writes a building's
// definition as this site's own signed op (a building.defined op).
type buildingDefiner interface {
	DefineBuilding(ctx context.Context, author string, b engine.Building) error
}

// applyAllotments returns b with the update's fields changed and checked
// by the engine's one rule (engine.CheckAllotments, through
// Building.Validate), which names the field and the rule it broke. Site
// names are trimmed; a share of 0 is left out once checked.
func applyAllotments(b engine.Building, u allotmentUpdate) (engine.Building, error) {
	if u.HomeSite != nil {
		b.HomeSite, b.HomeByDefault = strings.TrimSpace(*u.HomeSite), false
	}
	if u.Allotments != nil {
		al := map[string]int{}
		for site, pct := range *u.Allotments {
			site = strings.TrimSpace(site)
			if _, twice := al[site]; twice {
				return b, engine.InvalidRule("allotments", engine.RuleFormat, "site %q twice", site)
			}
			al[site] = pct
		}
		b.Booking.Allotments = al
	}
	if u.TokenMinutes != nil {
		// Given, a block is 1..1440 minutes: 0 is how the default is
		// stored, not something to type.
		if err := engine.CheckTokenMinutes(*u.TokenMinutes); err != nil {
			return b, err
		}
		b.Booking.TokenMinutes = *u.TokenMinutes
	}
	if err := b.Validate(); err != nil {
		return b, err
	}
	maps.DeleteFunc(b.Booking.Allotments, func(_ string, pct int) bool { return pct == 0 })
	if len(b.Booking.Allotments) == 0 {
		b.Booking.Allotments = nil
	}
	return b, nil
}

// reconcileTokens hands on the tokens this site owns that the allotments
// give elsewhere, and today's unused ones home after the release time.
// One run at a time: two at once would both try to hand on the same
// tokens, and the second would fail.
func (a *App) reconcileTokens(ctx context.Context) {
	a.reconcileMu.Lock()
	defer a.reconcileMu.Unlock()
	n, err := a.store.ReconcileTokens(ctx, a.author(ctx))
	if err != nil {
		a.log.Error("hand on capacity tokens", "err", err)
		return
	}
	if n > 0 {
		a.log.Info("handed on capacity tokens", "tokens", n)
	}
}

// startTokenJobs reconciles the tokens once now and then every minute:
// allotments of a new day, and the same-day release.
func (a *App) startTokenJobs() {
	a.reconcileTokens(context.Background())
	a.cron.AddFunc("@every 1m", func() { a.reconcileTokens(context.Background()) })
}

// offline reports whether this site, in a cluster, reaches no other site:
// no Serf peer alive (or, replicating without Serf, no successful sync in
// the last minute). A site that is not in a cluster is never offline.
func (a *App) offline() bool {
	switch {
	case a.members != nil:
		for _, p := range a.members.Peers() {
			if p.Status == "alive" {
				return false
			}
		}
		return true
	case a.sync != nil:
		for _, s := range a.sync.Status() {
			if !s.LastSync.IsZero() && time.Since(s.LastSync) < time.Minute {
				return false
			}
		}
		return true
	}
	return false
}

// slotTokens is what the slot finder limits an escrowed building to:
// offline, only the tokens this site owns (it can book nothing else);
// online, nothing (nil), so every free place is offered and booking one
// this site does not own asks its owner.
func (a *App) slotTokens(b engine.Building) engine.TokenView {
	if b.Escrowed() && a.offline() {
		return a.store
	}
	return nil
}

// tokenSummary serves GET /api/tokens/summary?building=&day=: how many
// places of the day this site may book on and how many of them are free,
// and the day tickets it may still issue ("offline: N places of your
// allotment left today").
func (a *App) tokenSummary(w http.ResponseWriter, r *http.Request) {
	b, day, err := a.buildingDayParams(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	owned, free := a.store.FreePlaces(b.ID, day)
	tickets := 0
	if b.Escrowed() {
		if d := a.store.TokenDay(b.ID, day); d != nil {
			tickets = d.Tickets
		}
	} else {
		tickets = b.Booking.DayTickets
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"building": b.ID, "day": day, "escrowed": b.Escrowed(),
		"owned_places": owned, "free_places": free, "tickets": tickets,
	})
}
