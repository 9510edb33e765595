package app

import (
	"context"
	"net/http"
	"strings"

	"pforte/engine"
)

// visitJSON is a visit as the API shows it: times in Europe/Berlin, unset
// times left out.
type visitJSON struct {
	ID            string `json:"id"`
	Building      string `json:"building"`
	Name          string `json:"name"`
	Phone         string `json:"phone"`
	Email         string `json:"email"`
	Address       string `json:"address"`
	Host          string `json:"host"`
	HostName      string `json:"host_name"`
	AppointmentID string `json:"appointment_id"`
	Reason        string `json:"reason"`
	ArrivedAt     string `json:"arrived_at"`
	PickedUpAt    string `json:"picked_up_at,omitempty"`
	PickedUpBy    string `json:"picked_up_by,omitempty"`
	LeftAt        string `json:"left_at,omitempty"`
	Status        string `json:"status"`
	// Who answered "Ich hole ab" and is on the way; the visitor still waits.
	ComingBy     string `json:"coming_by,omitempty"`
	ComingByName string `json:"coming_by_name,omitempty"`
	ComingAt     string `json:"coming_at,omitempty"`
	// Unanswered: waiting engine.UnansweredAfter or longer and nobody
	// answered; reception should phone the host.
	Unanswered bool `json:"unanswered"`
	// AfterClosing: still in the building after it closed for the day.
	AfterClosing bool `json:"after_closing"`
	// Badge: only in the answer to a registration, when the desk prints
	// badges then.
	Badge        *badgeJSON `json:"badge,omitempty"`
	BuildingName string     `json:"building_name"`
	Entrance     string     `json:"entrance"`
}

// visitsJSON shows visits with their hosts' names and what reception must
// act on now.
func (a *App) visitsJSON(ctx context.Context, vs []engine.Visit) ([]visitJSON, error) {
	staff, err := a.store.Staff(ctx, "")
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(staff))
	for _, s := range staff {
		names[s.ID] = s.Name
	}
	buildings := a.store.Catalog().Buildings
	now := a.clock.Now()
	out := make([]visitJSON, len(vs))
	for i, v := range vs {
		b := buildings[v.Building]
		out[i] = visitJSON{
			ID: v.ID, Building: v.Building, Name: v.Name, Phone: v.Phone, Email: v.Email,
			Address: v.Address, Host: v.Host, HostName: names[v.Host], AppointmentID: v.AppointmentID,
			Reason: v.Reason, ArrivedAt: apiTime(v.ArrivedAt), PickedUpAt: apiTime(v.PickedUpAt),
			PickedUpBy: v.PickedUpBy, LeftAt: apiTime(v.LeftAt), Status: v.Status,
			ComingBy: v.ComingBy, ComingByName: names[v.ComingBy], ComingAt: apiTime(v.ComingAt),
			Unanswered: v.Unanswered(now), AfterClosing: v.AfterClosing(b, now),
			BuildingName: b.Name, Entrance: b.Entrance,
		}
	}
	return out, nil
}

func (a *App) writeVisits(w http.ResponseWriter, r *http.Request, status int, vs []engine.Visit, one bool) {
	for _, v := range vs {
		auditEntities(r.Context(), v.ID)
	}
	out, err := a.visitsJSON(r.Context(), vs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if one {
		writeJSON(w, status, out[0])
		return
	}
	writeJSON(w, status, out)
}

// visitRequest is the body of POST /api/visits.
type visitRequest struct {
	Building      string `json:"building"`
	Name          string `json:"name"`
	Phone         string `json:"phone"`
	Email         string `json:"email"`
	Address       string `json:"address"`
	Host          string `json:"host"`
	AppointmentID string `json:"appointment_id"`
	Reason        string `json:"reason"`
}

func (a *App) registerVisit(w http.ResponseWriter, r *http.Request) {
	var req visitRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Building == "" {
		req.Building = a.building.ID
	}
	v, err := a.store.RegisterVisit(r.Context(), a.author(r.Context()), engine.NewVisit(req))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.visitChanged(v)
	a.announceVisit(r.Context(), v)
	badge := a.printBadgeOnRegister(r.Context(), v) // never fails the registration
	auditEntities(r.Context(), v.ID)
	out, err := a.visitsJSON(r.Context(), []engine.Visit{v})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out[0].Badge = badge
	writeJSON(w, http.StatusCreated, out[0])
}

func (a *App) visits(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	day, err := a.dayParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	vs, err := a.store.Visits(r.Context(), b.ID, day)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeVisits(w, r, http.StatusOK, vs, false)
}

func (a *App) present(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	vs, err := a.store.Present(r.Context(), b.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeVisits(w, r, http.StatusOK, vs, false)
}

func (a *App) visit(w http.ResponseWriter, r *http.Request) {
	v, err := a.store.Visit(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeVisits(w, r, http.StatusOK, []engine.Visit{v}, true)
}

func (a *App) pickUp(w http.ResponseWriter, r *http.Request) {
	a.staffAction(w, r, a.store.PickUpVisit)
}

// coming serves POST /api/visits/{id}/coming {"by"}: the host's "Ich hole
// ab". The visitor keeps waiting; reception sees who is on the way.
func (a *App) coming(w http.ResponseWriter, r *http.Request) {
	a.staffAction(w, r, a.store.AcknowledgeVisit)
}

// staffAction runs a change a member of staff makes to a visit: the body
// {"by"} is optional, no body meaning the host.
func (a *App) staffAction(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, author, id, by string) (engine.Visit, error)) {
	var req struct {
		By string `json:"by"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	v, err := change(r.Context(), a.author(r.Context()), r.PathValue("id"), strings.TrimSpace(req.By))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.visitChanged(v)
	a.writeVisits(w, r, http.StatusOK, []engine.Visit{v}, true)
}

func (a *App) leave(w http.ResponseWriter, r *http.Request) {
	v, err := a.store.LeaveVisit(r.Context(), a.author(r.Context()), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.visitChanged(v)
	a.writeVisits(w, r, http.StatusOK, []engine.Visit{v}, true)
}
