package app

import (
	"maps"
	"net/http"
	"slices"
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
	LastErrorAt *string `json:"last_error_at,omitempty"`
	// Vector is the peer's version vector as last seen (its hello, plus
	// what this site sent it in that session); null until a session.
	Vector   map[string]uint64 `json:"vector"`
	VectorAt *string           `json:"vector_at"`
	// Lag is, per origin, how many changes the peer lacks that this site
	// holds (this site's seq minus the peer's as last seen); Ahead, how
	// many this site lacks that the peer had. Null while Vector is.
	Lag   map[string]uint64 `json:"lag"`
	Ahead map[string]uint64 `json:"ahead"`
	// Waiting lists the ops the peer refuses for now, stamped more than
	// engine.MaxClockAhead ahead of its clock: per origin the first, and
	// how far ahead it was.
	Waiting []waitingJSON `json:"waiting,omitempty"`
}

// waitingJSON is an op refused for now (see sync.FutureRefusal).
type waitingJSON struct {
	Origin  string `json:"origin"`
	Seq     uint64 `json:"seq"`
	AheadMs int64  `json:"ahead_ms"`
	Since   string `json:"since"` // when this site heard of it
}

// compare fills Lag and Ahead from the peer's vector and this site's.
func (p *peerJSON) compare(mine map[string]uint64) {
	if p.Vector == nil {
		return
	}
	p.Lag, p.Ahead = map[string]uint64{}, map[string]uint64{}
	origins := maps.Clone(mine)
	maps.Copy(origins, p.Vector)
	for o := range origins {
		p.Lag[o] = mine[o] - min(mine[o], p.Vector[o])
		p.Ahead[o] = p.Vector[o] - min(mine[o], p.Vector[o])
	}
}

// syncStatus serves GET /api/sync/status: this site's version vector (per
// origin, the highest contiguous seq held) and the peers Serf knows, each
// with its Serf state, the last successful sync and the lag per origin.
func (a *App) syncStatus(w http.ResponseWriter, r *http.Request) {
	vector, err := a.store.Vector(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	peers := []peerJSON{}
	bySite := map[string]int{}
	var refusedBy []string // peers that refuse this site's own ops for now
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
			if s.LastError != "" {
				t := apiTime(s.LastErrorAt)
				p.LastErrorAt = &t
			}
			p.OpsReceived += s.OpsReceived
			p.OpsSent += s.OpsSent
			for _, f := range s.Waiting {
				if slices.ContainsFunc(p.Waiting, func(w waitingJSON) bool { return w.Origin == f.Origin }) {
					continue // the site under another address too
				}
				p.Waiting = append(p.Waiting, waitingJSON{Origin: f.Origin, Seq: f.Seq, AheadMs: f.Ahead.Milliseconds(), Since: apiTime(f.At)})
				if f.Origin == a.cfg.Site {
					refusedBy = append(refusedBy, s.Site)
				}
			}
			if s.Vector != nil && (p.VectorAt == nil || apiTime(s.VectorAt) > *p.VectorAt) {
				t := apiTime(s.VectorAt)
				p.Vector, p.VectorAt = s.Vector, &t
			}
		}
	}
	for i := range peers {
		peers[i].compare(vector)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"site": a.cfg.Site, "vector": vector, "peers": peers, "replicating": a.sync != nil,
		"clock": a.clockStatus(refusedBy),
	})
}
