package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	psync "pforte/sync"
)

// TestVisitHintRingsTheHostElsewhere: a visitor registered at one site's
// entrance reaches the host's stream at another site: first (usually) as
// a `visit-hint` with ids only, then as the visit once its op arrived.
func TestVisitHintRingsTheHostElsewhere(t *testing.T) {
	a, b := openPair(t, "eingang", "schreibtisch")
	waitForPeerSync(t, b, "eingang")

	next := sseLines(t, b, b.url+"/api/visits/stream?host=staff-mueller")
	next("greeting", 5*time.Second, func(l string) bool { return l == ": visits" })
	start := time.Now()
	v := a.mustRegister(t, mariaJSON)
	first := next("an event", 2*time.Second, func(l string) bool { return strings.HasPrefix(l, "event: ") })
	data := next("its data", time.Second, func(l string) bool { return strings.HasPrefix(l, "data: ") })
	t.Logf("%s after %v", first, time.Since(start).Round(time.Millisecond))
	if first == "event: visit-hint" {
		if strings.Contains(data, "Maria") {
			t.Errorf("the hint carries personal data: %s", data)
		}
		var h struct{ ID, Host, Origin string }
		if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &h); err != nil {
			t.Fatal(err)
		}
		if h.ID != v.ID || h.Host != "staff-mueller" || h.Origin != "eingang" {
			t.Errorf("hint %+v; want visit %s for staff-mueller from eingang", h, v.ID)
		}
		next("the visit", 5*time.Second, func(l string) bool { return l == "event: visit" })
		data = next("its data", time.Second, func(l string) bool { return strings.HasPrefix(l, "data: ") })
	}
	if !strings.Contains(data, v.ID) || !strings.Contains(data, "Maria Schneider") {
		t.Errorf("b's host stream got %s; want Maria Schneider's visit %s", data, v.ID)
	}

	// On a quiet LAN the op often arrives first (the "seq" hint went out
	// before the visit hint). A hint whose visit is not here yet always
	// rings: sent by a third site straight through Serf.
	k, err := psync.ReadKey(a.cfg.ClusterKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := psync.StartMembership(psync.MembershipConfig{Site: "nebeneingang", Bind: "127.0.0.1:0",
		Join: []string{a.cfg.Gossip}, Key: k, DataDir: t.TempDir()}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Leave()
	hint := psync.VisitHint{Visit: "0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", Host: "staff-mueller", Origin: "nebeneingang", Seq: 1}
	deadline := time.Now().Add(5 * time.Second)
	for len(alive(m)) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := m.SendVisitHint(hint); err != nil {
		t.Fatal(err)
	}
	next("the hint", 5*time.Second, func(l string) bool { return l == "event: visit-hint" })
	data = next("its data", time.Second, func(l string) bool { return strings.HasPrefix(l, "data: ") })
	want := `data: {"id":"0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b","host":"staff-mueller","origin":"nebeneingang"}`
	if data != want {
		t.Errorf("hint on b's host stream: %s\nwant %s", data, want)
	}
}

func alive(m *psync.Membership) []string {
	var sites []string
	for _, p := range m.Peers() {
		if p.Status == "alive" {
			sites = append(sites, p.Site)
		}
	}
	return sites
}

// waitForPeerSync waits until s has synced with the named site, so that
// both know each other's data-plane address.
func waitForPeerSync(t *testing.T, s *site, peer string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var st struct {
			Peers []struct {
				Site     string  `json:"site"`
				Status   string  `json:"status"`
				LastSync *string `json:"last_sync"`
			} `json:"peers"`
		}
		if err := json.Unmarshal(s.get(t, "/api/sync/status").body, &st); err != nil {
			t.Fatal(err)
		}
		for _, p := range st.Peers {
			if p.Site == peer && p.Status == "alive" && p.LastSync != nil {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no sync with %s within 10 s", peer)
}
