package app

import (
	"net/http"
)

type peerJSON struct {
	Site     string  `json:"site"`
	Building string  `json:"building"`
	Addr     string  `json:"addr"`
	Status   string  `json:"status"`
	LastSync *string `json:"last_sync"` // null until anti-entropy has synced with the peer
}

// syncStatus serves GET /api/sync/status: this site's version vector (per
// origin, the highest contiguous seq held) and the peers Serf knows.
func (a *App) syncStatus(w http.ResponseWriter, r *http.Request) {
	vector, err := a.store.Vector(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	peers := []peerJSON{}
	if a.members != nil {
		for _, p := range a.members.Peers() {
			peers = append(peers, peerJSON{Site: p.Site, Building: p.Building, Addr: p.Addr, Status: p.Status})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": a.cfg.Site, "vector": vector, "peers": peers})
}
