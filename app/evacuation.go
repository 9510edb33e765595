package app

import (
	"context"
	"net/http"

	"pforte/engine"
	"pforte/printing"
)

// evacuationPDF serves GET /api/print/evacuation.pdf?building=: everyone in
// the building now, per entrance, for the roll call outside.
func (a *App) evacuationPDF(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.servePDFOf(w, r, docRequest{Document: docEvacuation, Building: b})
}

// evacuationFor gathers who is in building b now. A building has one
// entrance in the configuration; the list is grouped by it so that a
// building with more entrances later reads the same.
func (a *App) evacuationFor(ctx context.Context, b engine.Building) (printing.Evacuation, error) {
	vs, err := a.store.Present(ctx, b.ID)
	if err != nil {
		return printing.Evacuation{}, err
	}
	staff, err := a.staffByID(ctx)
	if err != nil {
		return printing.Evacuation{}, err
	}
	entrance := b.Entrance
	if entrance == "" {
		entrance = "Eingang"
	}
	e := printing.Evacuation{Town: townOf(b), Building: b.Name, Address: b.Address, At: a.clock.Now(),
		Groups: []printing.EvacuationGroup{{Entrance: entrance}}}
	g := &e.Groups[0]
	for _, v := range vs {
		row := printing.EvacuationVisitor{Name: v.Name, Phone: v.Phone, Host: v.Host, ArrivedAt: v.ArrivedAt,
			Status: visitStatusText(v, staff)}
		if h, ok := staff[v.Host]; ok {
			row.Host, row.HostDepartment = h.Name, h.Department
		}
		g.Visitors = append(g.Visitors, row)
	}
	return e, nil
}

// visitStatusText is where the visitor is, in German, for paper.
func visitStatusText(v engine.Visit, staff map[string]engine.Staff) string {
	name := func(id string) string {
		if s, ok := staff[id]; ok {
			return s.Name
		}
		return id
	}
	switch {
	case v.Status == engine.VisitEscorted:
		return "abgeholt von " + name(v.PickedUpBy)
	case v.ComingBy != "":
		return "wartet am Eingang; " + name(v.ComingBy) + " kommt"
	}
	return "wartet am Eingang"
}
