package app

import (
	"bytes"
	"net/http"
	"strings"

	"pforte/printing"
)

// badgePDF serves GET /api/print/badge/{visit_id}.pdf: the visitor badge.
func (a *App) badgePDF(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".pdf")
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody("not_found", "", "Dokumente gibt es als .pdf."))
		return
	}
	v, err := a.store.Visit(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	b, err := a.store.Building(r.Context(), v.Building)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	badge := printing.Badge{
		VisitID: v.ID, VisitorName: v.Name, BuildingName: b.Name, Entrance: b.Entrance, ArrivedAt: v.ArrivedAt,
	}
	if host, err := a.store.StaffMember(r.Context(), v.Host); err == nil {
		badge.HostName, badge.HostDepartment = host.Name, host.Department
	} else {
		badge.HostName = v.Host
	}
	var buf bytes.Buffer
	if err := printing.WriteBadge(&buf, badge, printing.Options{Created: a.clock.Now()}); err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	// inline: the browser's viewer opens it, and its print button prints it.
	w.Header().Set("Content-Disposition", `inline; filename="besucherausweis.pdf"`)
	w.Write(buf.Bytes())
}
