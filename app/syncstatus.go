package app

import (
	"net/http"
)

type peerJSON struct {
	Site        string  `json:"site"`
	Building    string  `json:"building"`
	Addr        string  `json:"addr"`
	Status      string  `json:"status"`
	LastSync    *string `json:"last_sync"` // null until anti-entropy has synced with the peer
	SyncAddr    string  `json:"sync_addr,omitempty"`
	LastError   string  `json:"last_error,omitempty"`
	OpsReceived int     `json:"ops_received"`
	OpsSent     int     `json:"ops_sent"`
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
	bySite := map[string]int{}
	if a.members != nil {
		for _, p := range a.members.Peers() {
			bySite[p.Site] = len(peers)
			peers = append(peers, peerJSON{Site: p.Site, Building: p.Building, Addr: p.Addr, Status: p.Status})
		}
	}
	if a.sync != nil {
		for _, s := range a.sync.Status() {
			i, ok := bySite[s.Site]
			if !ok || s.Site == "" {
				// A seed, or a site Serf does not know.
				i = len(peers)
				peers = append(peers, peerJSON{Site: s.Site, Addr: s.Addr, Status: "unknown"})
				if s.Site != "" {
					bySite[s.Site] = i
				}
			}
			p := &peers[i]
			if !s.LastSync.IsZero() {
				t := apiTime(s.LastSync)
				if p.LastSync == nil || t > *p.LastSync {
					p.LastSync = &t
				}
			}
			p.SyncAddr, p.LastError = s.Addr, s.LastError
			p.OpsReceived += s.OpsReceived
			p.OpsSent += s.OpsSent
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"site": a.cfg.Site, "vector": vector, "peers": peers, "replicating": a.sync != nil,
	})
}
